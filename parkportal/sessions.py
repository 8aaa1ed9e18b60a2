"""Sessions in the database, read together with their signed-in user: ONE statement per signed-in request.

Before, a signed-in request read its session from Redis (`cached_db`) and then its user from PostgreSQL: two
round trips before the view ran. Under load on the benchmark machine a round trip costs far more than its
statement (both processes leave the CPU and come back to cold caches), and redis-py's GET alone took 70 µs
of the worker's CPU. Here the session's row carries its user's id (`Session.user_id`), so one prepared
statement reads the session and, joined, the user's row (docs/PERFORMANCE.md, round 11). Being the request's
first statement, it also serves as the persistent connection's health check (rows.fetchone_as_health_check):
Django's `SELECT 1` before it is one more round trip.

Nothing is cached between requests: the session and the user are read fresh every time, so a sign-out, a
deactivated account, a new role or a changed password (the session hash) take effect on the very next request.
Django's session contract is unchanged (this is Django's database store with its own model and `load`).

How the user gets to the request: parkportal.middleware.AuthenticationMiddleware runs Django's `get_user`
with the request's session in `reading` (a context variable); the backends' `get_user` (parkportal.auth)
take the user this store read with the session when its id is the one asked for, and read it themselves
otherwise (other callers, or a session whose row was read before the user was signed in).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone

from parkportal.rows import fetchone_as_health_check, instance_reader, statement_name

#: The session store of the request whose user Django's `get_user` is reading (see the module's docstring).
reading: contextvars.ContextVar[SessionStore | None] = contextvars.ContextVar("portal_session_reading", default=None)


@contextmanager
def reading_user_of(session):
    token = reading.set(session if isinstance(session, SessionStore) else None)
    try:
        yield
    finally:
        reading.reset(token)


def user_read_with_session(user_id):
    """The user the current request's session was read with, if its id is `user_id`; else None."""
    store = reading.get()
    return store.user_read_with(user_id) if store is not None else None


class SessionStore(DatabaseStore):
    #: The signed-in user read in the same statement as the session (None: none, or not read yet).
    _user = None

    @classmethod
    def get_model_class(cls):
        from parkportal.models import Session

        return Session

    def load(self) -> dict:
        self._user = None
        # Sessions are written to the primary and read from it: a replica's lag would sign a new session out.
        using = router.db_for_write(self.model)
        connection = connections[using]
        name, sql, user_width, pk_at, read_user = _statement(connection)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        # Usually the request's first statement: it doubles as the connection's health check (one round trip).
        row = fetchone_as_health_check(connection, name, sql, [self.session_key, now])
        if row is None:
            self._session_key = None  # as Django's store: saving makes a new key
            return {}
        data = self.decode(row[user_width])
        if row[pk_at] is not None:  # the LEFT JOIN found the user of the row's user_id
            self._user = read_user(row[:user_width], using)
        return data

    def user_read_with(self, user_id):
        """The user read with this session, if it is the one with `user_id` (the session's own key)."""
        user = self._user
        if user is None or user_pk(user_id) != user.pk:
            return None
        return user

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.user_id = user_pk(data.get(SESSION_KEY))
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.user_id = user_pk(data.get(SESSION_KEY))
        return instance


def user_pk(value):
    """A user id as the user's primary key has it (the session keeps it as a string), or None (no value, or a
    value that is no id)."""
    try:
        return get_user_model()._meta.pk.to_python(value)
    except (TypeError, ValueError, ValidationError):
        return None


def _statement(connection):
    """(server-side name, sql, the user's column count, where its pk is, its row reader), once per connection.

    The user's columns come first, as the ORM compiles `User.objects.filter(pk=…)`, so that its converters and
    `from_db` read them as they read the ORM's own rows; then the session's data."""
    prepared = connection.__dict__.get("_portal_session_with_user")
    if prepared is None:
        user_model = get_user_model()
        from parkportal.models import Session

        compiler = user_model._default_manager.filter(pk=0).query.get_compiler(connection=connection)
        compiler.as_sql()  # fills compiler.select
        width, read = instance_reader(compiler)
        q = connection.ops.quote_name
        user_table, session_table = q(user_model._meta.db_table), q(Session._meta.db_table)
        columns = ", ".join(column_sql for _column, (column_sql, _params), _alias in compiler.select)
        sql = (
            f"SELECT {columns}, s.{q('session_data')} FROM {session_table} s "
            f"LEFT JOIN {user_table} ON {user_table}.{q(user_model._meta.pk.column)} = s.{q('user_id')} "
            f"WHERE s.{q('session_key')} = %s AND s.{q('expire_date')} > %s"
        )
        pk_at = [column.target.attname for column, _sql, _alias in compiler.select].index(user_model._meta.pk.attname)
        prepared = (statement_name("portal_session_user", sql), sql, width, pk_at, read)
        connection.__dict__["_portal_session_with_user"] = prepared
    return prepared
