from unittest import mock

import pytest
from django.db import OperationalError


def test_healthz_answers_200_when_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_answers_503_when_database_does_not(client, db):
    # The database connection is the one part we cannot break for real in a unit test;
    # `make faults` stops a real PostgreSQL cluster for the end-to-end version.
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "服务暂时不可用" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/org/tree/"])
def test_pages_redirect_anonymous_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
