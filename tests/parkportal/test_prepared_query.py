"""parkportal.rows.PreparedQuery: a query compiled once per connection gives what the ORM gives, fresh every time."""

from __future__ import annotations

import pytest
from django.db import connection, connections, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from parkportal.models import Park, User
from parkportal.roles import Role
from parkportal.rows import PreparedQuery
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

builds: list = []


def _users(shape, username: str, park_id: int):
    """A join (select_related), deferred fields, annotations (one with a literal %), and a shape that changes
    the SQL."""
    builds.append(shape)
    (with_park,) = shape
    users = (
        User.objects.select_related("park")
        .only("username", "role", "display_name", "last_login", "park__name", "park__created")
        .annotate(park_name=F("park__name"), percent=RawSQL("'100%%'", ()))
        .filter(username=username)
        .order_by("pk")
    )
    return users.filter(park_id=park_id) if with_park else users


USERS = PreparedQuery("test_users", _users)


def _same(prepared, orm) -> None:
    """The same fields loaded, the same values, the same related objects and annotations."""
    assert type(prepared) is type(orm)
    assert prepared.get_deferred_fields() == orm.get_deferred_fields()
    state = {key: value for key, value in vars(orm).items() if key != "_state"}
    assert {key: value for key, value in vars(prepared).items() if key != "_state"} == state
    assert prepared._state.db == orm._state.db and prepared._state.adding is orm._state.adding is False
    assert prepared._state.fields_cache.keys() == orm._state.fields_cache.keys()
    for key, related in orm._state.fields_cache.items():
        if related is None:
            assert prepared._state.fields_cache[key] is None
        else:
            _same(prepared._state.fields_cache[key], related)


@pytest.fixture
def people(park, client):
    alice = make_user("alice", Role.PARK_ADMIN, park, display_name="<b>Alice</b> & 'co'")
    client.force_login(alice)  # last_login: an aware datetime through the converters
    loner = make_user("loner", Role.DRIVER, None)
    return User.objects.get(pk=alice.pk), loner


def test_rows_equal_the_orms_for_each_shape_and_value(people, park):
    for user in people:
        for shape, park_id in (((False,), 0), ((True,), park.pk), ((True,), user.park_id or 0)):
            orm = list(_users(shape, user.username, park_id))
            prepared = USERS.rows(user.username, park_id, shape=shape)
            assert len(prepared) == len(orm)
            for mine, theirs in zip(prepared, orm, strict=True):
                _same(mine, theirs)
                assert mine.percent == "100%"
    alice = USERS.rows("alice", 0, shape=(False,))[0]
    assert alice.park.name == park.name and alice.last_login.tzinfo is not None
    assert alice.display_name == "<b>Alice</b> & 'co'"  # a value, never SQL: quotes and markup as they are


def test_compiled_once_per_connection_and_shape_read_fresh_every_time(people, park):
    connections["default"].__dict__.pop("_portal_prepared_test_users", None)
    builds.clear()
    USERS.rows("alice", park.pk, shape=(True,))
    User.objects.filter(username="alice").update(display_name="Alice B.")  # no signal: nothing may be cached
    assert USERS.rows("alice", park.pk, shape=(True,))[0].display_name == "Alice B."
    assert USERS.rows("loner", park.pk, shape=(True,)) == []
    assert [user.username for user in USERS.rows("loner", 0, shape=(False,))] == ["loner"]
    assert builds == [(True,), (False,)]


def test_an_id_no_column_can_hold_finds_nothing(people):
    assert USERS.rows("alice", 2**63, shape=(True,)) == []
    assert USERS.rows("alice", -(2**70), shape=(True,)) == []


def test_after_a_rollback_and_a_reconnection(people, park):
    """PREPARE (PostgreSQL) belongs to the server session: a rollback keeps it, a new connection needs it
    again."""
    with pytest.raises(RuntimeError), transaction.atomic():
        assert USERS.rows("alice", park.pk, shape=(True,))
        raise RuntimeError
    assert USERS.rows("alice", park.pk, shape=(True,))
    if connection.in_atomic_block:  # the test's own transaction: it cannot reconnect inside it
        return
    connection.close()
    assert USERS.rows("alice", park.pk, shape=(True,))


@pytest.mark.django_db(transaction=True)
def test_a_new_server_session_prepares_again(park):
    make_user("alice", Role.PARK_ADMIN, park)
    assert USERS.rows("alice", park.pk, shape=(True,))
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        assert USERS.rows("alice", park.pk, shape=(True,))[0].username == "alice"
        assert USERS.rows("alice", park.pk, shape=(True,))
    sql = [query["sql"] for query in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert len(sql) == 3 and sql[0].startswith("PREPARE ") and sql[1].startswith("EXECUTE ")
    else:
        assert len(sql) == 2


def test_without_server_side_statements_behind_a_pooler(people, park, settings):
    """DISABLE_SERVER_SIDE_CURSORS (set with PgBouncer's transaction pooling) turns PREPARE off."""
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        with CaptureQueriesContext(connection) as queries:
            alice = USERS.rows("alice", park.pk, shape=(True,))[0]
        assert alice.park == Park.objects.get(pk=park.pk)
        assert [query["sql"][:7] for query in queries.captured_queries] == ["SELECT "]
    finally:
        connection.settings_dict.pop("DISABLE_SERVER_SIDE_CURSORS")


def test_a_values_query_with_fields_gives_the_orms_dicts(people, park):
    """values() with model fields and an annotation: dicts, as the ORM's values() gives them (not instances)."""

    def build(_shape, park_id):
        return User.objects.filter(park_id=park_id).annotate(park_name=F("park__name")).order_by("pk")

    fields = ("pk", "username", "last_login", "park_name")
    prepared = PreparedQuery("test_user_values", lambda *args: build(*args).values(*fields))
    assert prepared.rows(park.pk) == list(build((), park.pk).values(*fields))
    assert prepared.rows(park.pk)[0]["last_login"].tzinfo is not None


def test_a_values_query_names_an_annotation_between_fields_where_it_stands(people, park):
    """Django 5.2 selects values("pk", "park_name", "username") in that order: each value under its own name."""

    def build(_shape, park_id):
        return (
            User.objects.filter(park_id=park_id)
            .annotate(park_name=F("park__name"))
            .order_by("pk")
            .values("pk", "park_name", "username")
        )

    prepared = PreparedQuery("test_user_values_between", build)
    rows = prepared.rows(park.pk)
    assert rows == list(build((), park.pk))
    assert {row["park_name"] for row in rows} == {park.name}
