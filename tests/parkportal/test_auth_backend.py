"""The signed-in user is read by a prepared statement (parkportal.auth, or with the session: parkportal.sessions), fresh
on every request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkportal.auth import user_by_pk
from parkportal.models import User
from parkportal.roles import Role


def _field_values(user: User) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_prepared_read_gives_the_same_user_as_the_orm(alice, client):
    client.force_login(alice)  # sets last_login: an aware datetime that must survive the converters
    fresh = User.objects.get(pk=alice.pk)
    prepared = user_by_pk(str(alice.pk))  # the session keeps the id as a string
    assert _field_values(prepared) == _field_values(fresh)
    assert prepared.last_login.tzinfo is not None
    assert prepared._state.adding is False and prepared._state.db == "default"


@pytest.mark.parametrize("bad", ["", "abc", "1.5", None, "99999999"])
def test_an_id_that_is_no_user_gives_none(db, bad):
    assert user_by_pk(bad) is None


def test_a_signed_in_page_reads_the_user_once(alice, client):
    client.force_login(alice)
    client.get("/")  # warm: the statement is prepared on the first request of a connection
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # With the session (parkportal/sessions.py); on PostgreSQL the statement is prepared on the server and the
    # request sends its EXECUTE.
    user_queries = [
        q["sql"]
        for q in queries.captured_queries
        if '"parkportal_user"' in q["sql"]
        or q["sql"].startswith(("EXECUTE portal_user_by_pk_", "EXECUTE portal_session_user_"))
    ]
    assert len(user_queries) == 1


def test_a_role_change_shows_on_the_next_request(alice, client):
    client.force_login(alice)
    assert client.get("/org/members/").status_code == 200
    User.objects.filter(pk=alice.pk).update(role=Role.DRIVER)  # no signal: nothing may be cached
    assert client.get("/org/members/").status_code == 403


def test_a_deactivated_account_is_signed_out_on_the_next_request(alice, client):
    client.force_login(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = client.get("/")
    assert response.wsgi_request.user.is_anonymous


def test_a_changed_password_signs_other_sessions_out(alice, client):
    client.force_login(alice)
    alice.set_password("a-new-password-456")
    User.objects.filter(pk=alice.pk).update(password=alice.password)
    assert client.get("/").wsgi_request.user.is_anonymous


def test_both_backends_sign_in(alice, client, settings):
    # The password form goes through the backends in order; the session keeps the path of the one that answered.
    response = client.post("/accounts/login/", {"login": "alice", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] in settings.AUTHENTICATION_BACKENDS
    assert client.get("/").wsgi_request.user == alice
