"""django-debug-toolbar: in development on request (DEBUG=1 DEBUG_TOOLBAR=1), and nowhere else.

Each case runs Django in a process of its own: the toolbar is settled when the settings are imported.
"""

from tests.parkportal.processes import django_json

# The settings, and with DEBUG on the sign-in page through the full middleware stack, as a developer's browser on
# this machine asks for it (with DEBUG off the page needs collectstatic's manifest; the settings say enough there).
PAGE = """
import json, re, django
django.setup()
from django.conf import settings
from django.test import Client
found = {
    "on": settings.DEBUG_TOOLBAR,
    "installed": "debug_toolbar" in settings.INSTALLED_APPS,
    "middleware": any("debug_toolbar" in m for m in settings.MIDDLEWARE),
}
if settings.DEBUG:
    response = Client(REMOTE_ADDR="127.0.0.1").get("/accounts/login/")
    body = response.content.decode()
    found.update({
        "status": response.status_code,
        "toolbar": 'id="djDebug"' in body,
        "scripts": re.findall(r"<script[^>]*>", body),
        "csp": response.get("Content-Security-Policy", ""),
    })
print(json.dumps(found))
"""


def _page(env: dict) -> dict:
    # PYTEST_VERSION is how the settings know they serve the test suite; these processes play a developer's.
    unset = ("DEBUG", "DEBUG_TOOLBAR", "SECRET_KEY", "PYTEST_VERSION")
    return django_json(PAGE, {"ALLOWED_HOSTS": "testserver", **env}, unset=unset)


def test_on_request_in_development_the_page_carries_the_toolbar_within_the_strict_policy():
    page = _page({"DEBUG": "1", "DEBUG_TOOLBAR": "1"})
    assert page["on"] is True and page["installed"] and page["middleware"]
    assert page["status"] == 200
    assert page["toolbar"]
    # Its script is a file of our origin, so the policy (script-src 'self', no inline script) lets it run.
    assert page["scripts"] == ['<script type="module" src="/static/debug_toolbar/js/toolbar.js" async>']
    assert "script-src 'self'" in page["csp"]


def test_development_without_the_request_has_no_toolbar():
    page = _page({"DEBUG": "1"})
    assert page["on"] is False and not page["installed"] and not page["middleware"]
    assert not page["toolbar"]
    assert page["scripts"] == []


def test_never_with_debug_off_even_when_asked_for():
    found = _page({"SECRET_KEY": "x" * 60, "DEBUG_TOOLBAR": "1"})
    assert found == {"on": False, "installed": False, "middleware": False}


def test_never_under_the_test_suite_even_when_asked_for():
    page = _page({"DEBUG": "1", "DEBUG_TOOLBAR": "1", "PYTEST_VERSION": "9"})
    assert page["on"] is False and not page["installed"]
    assert not page["toolbar"]
