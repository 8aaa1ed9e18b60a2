"""The WSGI entry point freezes the loaded process's objects out of the garbage collector's generations."""

import gc
import importlib


def test_the_wsgi_module_loads_the_urlconf_and_freezes_the_startup_objects():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        import parkportal.wsgi

        importlib.reload(parkportal.wsgi)
        # Everything the process holds by now: Django, the apps, the URLconf with every view module.
        assert gc.get_freeze_count() > 10_000
        assert callable(parkportal.wsgi.application)
    finally:
        gc.unfreeze()
