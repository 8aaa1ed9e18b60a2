"""handler500: a database outage noticed after the view (e.g. saving the session) still gets the 503 page."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from parkportal.middleware import server_error
from parkportal.urls import handler500


def test_the_portal_uses_this_handler():
    assert handler500 == "parkportal.middleware.server_error"


def test_database_errors_get_the_static_503_page():
    request = RequestFactory().post("/accounts/signup/")
    for exc in (
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ):
        try:
            raise exc
        except type(exc):
            response = server_error(request)
        assert response.status_code == 503
        assert "服务暂时不可用" in response.content.decode()
        assert response["Retry-After"] == "30"


def test_other_errors_get_the_500_page_without_details():
    request = RequestFactory().get("/")
    try:
        raise RuntimeError("secret detail")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
    assert "secret detail" not in response.content.decode()
