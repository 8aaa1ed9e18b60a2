"""Sessions live in the database, each read together with its signed-in user (parkportal/sessions.py)."""

from __future__ import annotations

from datetime import timedelta

import psycopg2
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkportal.auth import ModelBackend
from parkportal.models import Session, User


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _reads(queries) -> tuple[list[str], list[str]]:
    """(statements that read the session, statements that read the user on their own)."""
    sqls = [q["sql"] for q in queries.captured_queries]
    sessions = [s for s in sqls if "parkportal_session" in s or s.startswith("EXECUTE portal_session_user_")]
    users = [
        s
        for s in sqls
        if s.startswith("EXECUTE portal_user_by_pk_")
        or (s.startswith('SELECT "parkportal_user"') and "parkportal_session" not in s)
    ]
    return sessions, users


def test_a_signed_in_page_reads_its_session_and_its_user_in_one_statement(alice, client):
    client.force_login(alice)
    client.get("/")  # warm: the statement is prepared on the first request of a connection
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200 and response.wsgi_request.user == alice
    sessions, users = _reads(queries)
    assert len(sessions) == 1
    assert users == []


def test_the_session_row_names_its_user_and_follows_sign_in_and_out(alice, sam, client):
    client.force_login(alice)
    assert _session_row(client).user_id == alice.pk
    client.force_login(sam)  # another sign-in on the same browser: a new key, the new user
    assert _session_row(client).user_id == sam.pk
    assert client.get("/").wsgi_request.user == sam
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()


def test_an_anonymous_session_has_no_user(client, db):
    # The sign-in form's failed attempt keeps allauth's state in an anonymous session.
    response = client.post("/accounts/login/", {"login": "nobody", "password": "wrong-password-123"})
    assert response.status_code == 200
    session = client.session
    session["probe"] = 1
    session.save()
    assert _session_row(client).user_id is None
    assert client.get("/accounts/login/").wsgi_request.user.is_anonymous


def test_an_expired_session_reads_as_signed_out(alice, client):
    client.force_login(alice)
    Session.objects.filter(user_id=alice.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").wsgi_request.user.is_anonymous


def test_a_deleted_user_reads_as_signed_out_and_the_session_still_saves(park, client):
    from tests.conftest import make_user

    gone = make_user("gone", "park_admin", park)
    client.force_login(gone)
    User.objects.filter(pk=gone.pk).delete()
    response = client.get("/")
    assert response.status_code in (200, 302)
    assert response.wsgi_request.user.is_anonymous
    # A session whose user no longer exists still saves (the id is a plain column, not a foreign key).
    session = client.session
    session["probe"] = 1
    session.save()
    assert _session_row(client).user_id == gone.pk


def test_a_deactivated_user_read_with_the_session_is_refused(alice, client):
    client.force_login(alice)
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/").wsgi_request.user.is_anonymous


def test_outside_a_request_the_backend_reads_the_user_itself(alice):
    # allauth's flows and the admin call the backend without a session being read: it must not depend on one.
    assert ModelBackend().get_user(alice.pk) == alice
    assert ModelBackend().get_user(str(alice.pk)) == alice


def test_another_session_store_still_signs_in(alice, client, settings):
    # SESSION_ENGINE can be set to one of Django's stores (docs/SCALING.md): the user is then read on its own.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client.force_login(alice)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").wsgi_request.user == alice
    sessions, users = _reads(queries)
    assert sessions == [] and len(users) == 1


# --- The session's statement is also the request's connection health check (PostgreSQL) --------------------


@pytest.fixture
def persistent_connection(settings):
    """The default connection as production keeps it: persistent, with health checks."""
    if connection.vendor != "postgresql":
        pytest.skip("a server that drops connections: PostgreSQL")
    wrapper = connections["default"]
    saved = (wrapper.settings_dict["CONN_MAX_AGE"], wrapper.settings_dict["CONN_HEALTH_CHECKS"])
    wrapper.settings_dict["CONN_MAX_AGE"], wrapper.settings_dict["CONN_HEALTH_CHECKS"] = 60, True
    wrapper.close()  # the next connection reads the settings above
    yield wrapper
    wrapper.settings_dict["CONN_MAX_AGE"], wrapper.settings_dict["CONN_HEALTH_CHECKS"] = saved
    wrapper.close()


def _next_request(wrapper) -> None:
    # What Django runs between two requests (the test client switches it off around its own requests).
    wrapper.close_if_unusable_or_obsolete()


def _count_pings(monkeypatch, wrapper) -> list:
    calls = []
    real = wrapper.is_usable

    def is_usable():
        calls.append(1)
        return real()

    monkeypatch.setattr(wrapper, "is_usable", is_usable)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_request_sends_no_separate_health_check(alice, client, persistent_connection, monkeypatch):
    client.force_login(alice)
    assert client.get("/").status_code == 200
    pings = _count_pings(monkeypatch, persistent_connection)
    _next_request(persistent_connection)
    response = client.get("/")
    assert response.status_code == 200 and response.wsgi_request.user == alice
    assert pings == []  # Django would have sent SELECT 1 before the session's statement
    assert persistent_connection.health_check_done


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_and_the_page_served(
    alice, client, persistent_connection, monkeypatch
):
    client.force_login(alice)
    assert client.get("/").status_code == 200
    pid = persistent_connection.connection.info.backend_pid
    params = persistent_connection.get_connection_params()
    killer = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    killer.autocommit = True
    with killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    killer.close()
    pings = _count_pings(monkeypatch, persistent_connection)
    _next_request(persistent_connection)
    response = client.get("/")
    assert response.status_code == 200 and response.wsgi_request.user == alice
    assert persistent_connection.connection.info.backend_pid != pid
    assert len(pings) == 1  # the check after the statement failed, which found the connection dead


def test_clearsessions_deletes_the_expired_rows(alice, sam, client):
    from django.core.management import call_command
    from django.test import Client

    client.force_login(alice)
    Client().force_login(sam)  # another browser
    Session.objects.filter(user_id=alice.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert Session.objects.count() == 2
    call_command("clearsessions")
    assert list(Session.objects.values_list("user_id", flat=True)) == [sam.pk]
