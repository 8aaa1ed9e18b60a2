"""A URLconf with one view that fails, for the logging test (tests/parkportal/test_logging.py)."""

from django.urls import include, path


def boom(request, phone: str):
    raise RuntimeError("boom in a view")


urlpatterns = [
    path("boom/<str:phone>/", boom),
    path("", include("parkportal.urls")),
]
