import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that
# thread (fixtures, assertions) are safe here because nothing else runs in it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("MEDIA_ROOT", os.path.join(os.path.dirname(__file__), "var", "test-media"))
