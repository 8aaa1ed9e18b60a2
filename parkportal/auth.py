"""Authentication backends: Django's and allauth's, with the signed-in user read by one prepared statement.

Every signed-in request asks the session's backend for its user (`get_user`). Django's `ModelBackend` does it
through the ORM, `User._default_manager.get(pk=…)`: building the queryset and compiling its SQL costs about
150 µs of CPU per request on the benchmark machine, about 6 % of a driver's ticket page, for the same
statement every time. Here the statement and its column converters are compiled once per database connection
and only executed per request; on PostgreSQL it is also prepared on the server (parse and plan once per
connection: 15 µs less of the database's CPU per signed-in request, 20 µs less wall time).

Nothing is cached between requests: the row is read fresh from the database every time, so a deactivated
account, a new role or a changed password (the session hash) take effect on the very next request, as before.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connections, router

from parkportal.rows import execute_prepared, instance_reader, statement_name
from parkportal.sessions import user_pk, user_read_with_session


def _prepared(connection):
    """(server-side name, sql, row reader) of `SELECT <user columns> WHERE pk = %s`, once per connection."""
    prepared = connection.__dict__.get("_portal_user_by_pk")
    if prepared is None:
        # The value 0 only fills the placeholder; each request passes its own id.
        compiler = get_user_model()._default_manager.filter(pk=0).query.get_compiler(connection=connection)
        sql, _params = compiler.as_sql()
        _width, read = instance_reader(compiler)
        prepared = connection.__dict__["_portal_user_by_pk"] = (statement_name("portal_user_by_pk", sql), sql, read)
    return prepared


def user_by_pk(user_id):
    """The user with this primary key, read from the database the router picks (as the ORM would), or None
    (also for an id that is not one)."""
    pk = user_pk(user_id)
    if pk is None:
        return None
    using = router.db_for_read(get_user_model())
    connection = connections[using]
    name, sql, read = _prepared(connection)
    with connection.cursor() as cursor:
        execute_prepared(connection, cursor, name, sql, [pk])
        row = cursor.fetchone()
    return read(row, using) if row is not None else None


class PreparedUserMixin:
    def get_user(self, user_id):
        # The user read with the request's session when there is one (parkportal/sessions.py), else one query.
        user = user_read_with_session(user_id)
        if user is None:
            user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(PreparedUserMixin, DjangoModelBackend):
    """Django's ModelBackend (password sign-in, permissions), with `get_user` as above."""


class AuthenticationBackend(PreparedUserMixin, AllauthBackend):
    """allauth's backend (e-mail or phone sign-in), with `get_user` as above."""
