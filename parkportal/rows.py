"""Model instances from rows of a statement the ORM compiled, for the few hot paths that execute it themselves."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta


def instance_reader(compiler) -> tuple[int, Callable[[Sequence, str], object]]:
    """For a compiled plain model query (no select_related, no extra columns): how many columns its SELECT
    has, and a function that turns one of its rows into the model instance, with the database's converters
    applied as the ORM would (dates on SQLite, …). Build it once per statement and reuse it per row."""
    columns = [column for column, _sql, _alias in compiler.select]
    converters = compiler.get_converters(columns)
    attnames = [column.target.attname for column in columns]
    model = compiler.query.model

    def read(row: Sequence, using: str):
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return model.from_db(using, attnames, row)

    return len(columns), read


def queryset_reader(compiler, using: str) -> Callable[[Sequence], object]:
    """For a compiled model query that may have select_related, annotations and deferred fields (not
    prefetches, nor known related objects): a function that turns one of its rows into the model instance
    as the ORM's ModelIterable does, converters applied; for a values() query, into the dict of its
    values. Build it once per statement and database."""
    from django.db.models.query import get_related_populators

    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    converters = compiler.get_converters([column for column, _sql, _alias in select[: compiler.col_count]])
    query = compiler.query
    if not query.default_cols:  # values() or values_list(): the row as a dict, converted
        # Named as the ORM's ValuesIterable names them (values("park") is "park", not "park_id"), in the SQL's
        # column order. (klass_info is no test: a values() query of model fields has one too.)
        # Since Django 5.2 a values() query keeps the order it was given (`query.selected`): an annotation named
        # between fields is selected between them.
        names = (
            list(query.selected)
            if query.selected
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )

        def read_values(row: Sequence) -> dict:
            if converters:
                row = next(iter(compiler.apply_converters([row], converters)))
            return dict(zip(names, row, strict=True))

        return read_values
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    attnames = [column.target.attname for column, _sql, _alias in select[start:end]]
    populators = get_related_populators(klass_info, select, using)
    annotations = list((annotation_col_map or {}).items())

    def read(row: Sequence):
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        obj = model.from_db(using, attnames, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in annotations:
            setattr(obj, name, row[position])
        return obj

    return read


def stand_in_user(role: str, user_id: int, park_id: int | None):
    """The user a PreparedQuery's `build` scopes its queryset for (`visible_to(stand_in_user(...))`): what
    `visible_to` and the scope methods read of a user, that is active, the role, the park and the pk, with the
    stand-in values `build` is called with, so that the scope compiles into the statement once per role."""
    from parkportal.models import User

    return User(pk=user_id, role=role, park_id=park_id, is_active=True)


class PreparedQuery:
    """One ORM query of a hot page, compiled once per database connection and shape, then executed with each
    request's values: building and compiling a queryset costs 150–400 µs of CPU, running it far less.

    `build(shape, *values)` returns the queryset. It is called once per connection and shape with stand-in
    values (distinct integers, strings and aware datetimes no request sends); where they land in the
    compiled parameters is where each request's values go, so only plain comparisons (`=`, `<`, `>=`, …) of
    such values may take them (a transformed value, e.g. `icontains`, would not be found, and the query fails
    its tests). The shape holds what changes the SQL itself (which filters or joins there are, the page's
    OFFSET). Nothing is cached but the statement: the rows are read fresh on every call, and become instances
    as the ORM makes them (`queryset_reader`).

    On PostgreSQL the statement is also prepared on the server (PREPARE, then EXECUTE per call): planning
    a join of four or five tables took PostgreSQL 0.35–0.45 ms per request, executing it 0.05 ms. Not behind
    a transaction pooler (PgBouncer, docs/SCALING.md, which sets DISABLE_SERVER_SIDE_CURSORS): a statement
    prepared in one server session would be executed in another."""

    def __init__(self, name: str, build: Callable[..., object], *, lock: str = ""):
        """`lock`: a row-locking clause to append where the database has row locks, for the one the ORM
        cannot write ("FOR SHARE"; FOR UPDATE is select_for_update() in `build`)."""
        self.name = name
        self.build = build
        self.lock = lock

    @staticmethod
    def _stand_in(index: int, value):
        if isinstance(value, str):
            return f"\x1fprepared-{index}\x1f"
        if isinstance(value, datetime):
            return _DATETIME + timedelta(microseconds=index)
        # Far outside any id the database hands out, and inside a 32-bit integer column's range.
        return -2_000_000_000 - index

    @staticmethod
    def _param(connection, value):
        """A value as the ORM passes it to the database: datetimes adapted (a string on SQLite)."""
        return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value

    def _prepared(self, connection, using: str, shape, values: Sequence):
        cache = connection.__dict__.setdefault(f"_portal_prepared_{self.name}", {})
        kinds = (shape, tuple(type(value) for value in values))
        prepared = cache.get(kinds)
        if prepared is None:
            stand_ins = [self._stand_in(index, value) for index, value in enumerate(values)]
            markers = {self._param(connection, value): index for index, value in enumerate(stand_ins)}
            queryset = self.build(shape, *stand_ins)
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            if self.lock and connection.features.has_select_for_update:
                sql = f"{sql} {self.lock}"
            params = list(params)
            slots = [
                (position, markers[param])
                for position, param in enumerate(params)
                if type(param) in (int, str, datetime) and param in markers
            ]
            # Named after its SQL: one name is never two statements in a server session.
            name = statement_name(f"portal_{self.name}", sql)
            prepared = cache[kinds] = (name, sql, params, slots, queryset_reader(compiler, using))
        return prepared

    def statement(self, *values, shape=(), using: str = "default") -> tuple[str, str, list] | None:
        """(server-side name, SQL, parameters) of the query for these values, as rows() executes it: for a caller
        that sends it together with other statements (execute_prepared_together) or puts its SQL into another.
        None where rows() finds nothing without asking (an integer no 64-bit column holds)."""
        if _out_of_range(values):
            return None
        _connection, name, sql, params, _read = self._filled(values, shape, using)
        return name, sql, params

    def rows(self, *values, shape=(), using: str = "default") -> list:
        """The instances (or values dicts) the query finds for these values (each an int, a str or an aware
        datetime, in build()'s order)."""
        if _out_of_range(values):
            return []  # no 64-bit column holds it (the ORM finds nothing too; SQLite would raise)
        connection, name, sql, params, read = self._filled(values, shape, using)
        with connection.cursor() as cursor:
            execute_prepared(connection, cursor, name, sql, params)
            return [read(row) for row in cursor.fetchall()]

    def _filled(self, values: Sequence, shape, using: str):
        from django.db import connections

        connection = connections[using]
        name, sql, params, slots, read = self._prepared(connection, using, shape, values)
        params = list(params)
        for position, index in slots:
            params[position] = self._param(connection, values[index])
        return connection, name, sql, params, read


def _out_of_range(values: Sequence) -> bool:
    return any(type(value) is int and not -(2**63) <= value < 2**63 for value in values)


_DATETIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


def execute_prepared(connection, cursor, name: str, sql: str, params: Sequence) -> None:
    """`cursor.execute(sql, params)`; on PostgreSQL as the EXECUTE of `sql` prepared once per server session as
    `name` (which must stand for this one statement: PreparedQuery and the callers name theirs after a hash of
    it). Parse and plan then happen once per connection, not per request. Where PostgreSQL cannot tell a
    placeholder's type from its place (a bare `SELECT %s`, as in INSERT … SELECT), the SQL casts it.

    Not behind a transaction pooler (DISABLE_SERVER_SIDE_CURSORS, docs/SCALING.md): there the statement runs
    as it is, parsed and planned each time."""
    from django.db import connections

    # The thread's own connection object, also when given the django.db.connection proxy: what is prepared is
    # kept on the object, and the proxy's own attributes would be shared by every thread.
    connection = connections[connection.alias]
    if connection.vendor == "postgresql" and not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        _prepare_on_server(connection, cursor, name, sql)
        sql = _execute_sql(name, params)
    cursor.execute(sql, params)


def execute_prepared_together(connection, cursor, statements: Sequence[tuple[str, str, Sequence]]) -> None:
    """Several (name, sql, params) statements in ONE round trip (PostgreSQL), each prepared as execute_prepared
    prepares it; the cursor then holds the last statement's rows.

    PostgreSQL runs the statements of one simple query as one transaction: their own when the connection is in
    autocommit (a failing statement takes the earlier ones back with it), else the caller's. Under READ
    COMMITTED each statement still takes its own snapshot when it starts, as separate statements would: a
    statement after one that waited for a row lock sees what was committed while it waited."""
    from django.db import connections

    connection = connections[connection.alias]
    if connection.vendor != "postgresql":
        raise NotImplementedError("several statements in one round trip: PostgreSQL only")
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        sql = "; ".join(statement for _name, statement, _params in statements)
    else:
        for name, statement, _params in statements:
            _prepare_on_server(connection, cursor, name, statement)
        sql = "; ".join(_execute_sql(name, params) for name, _sql, params in statements)
    cursor.execute(sql, [value for _name, _sql, params in statements for value in params])


def _execute_sql(name: str, params: Sequence) -> str:
    """The EXECUTE of the statement prepared as `name`, with a placeholder per parameter."""
    return f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"


def statement_name(prefix: str, sql: str) -> str:
    """A server-side statement name that stands for exactly `sql` (PostgreSQL keeps 63 bytes of a name)."""
    return f"{prefix}_{hashlib.sha1(sql.encode()).hexdigest()[:16]}"


def _prepare_on_server(connection, cursor, name: str, sql: str) -> None:
    """PREPARE `sql` as `name` once per server session. A session is one raw connection object (a
    reconnection makes a new one, and the old one is held here until then, so its identity is not reused).
    PREPARE is not undone by a rollback."""
    state = connection.__dict__.get("_portal_server_prepared")
    if state is None or state[0] is not connection.connection:
        state = connection.__dict__["_portal_server_prepared"] = (connection.connection, set())
    if name not in state[1]:
        numbers = iter(range(1, 10_000))
        numbered = re.sub(r"%[%s]", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
        cursor.execute(f"PREPARE {name} AS {numbered}")
        state[1].add(name)


def fetchone_as_health_check(connection, name: str, sql: str, params: Sequence):
    """The first row of a READ-ONLY statement (execute_prepared), which also serves as the connection's health
    check when Django would run one before it (CONN_HEALTH_CHECKS, first use of a persistent connection in a
    request): the statement is sent straight away, and only if it fails on a connection that turns out to be
    dead is that connection closed and the statement sent again on a new one. Django's check is a
    `SELECT 1` round trip before the request's first statement; the outcome is the same (a dead connection
    is replaced, the request goes on) without that round trip when the connection is alive.

    Only a read may be sent twice: the first attempt may have reached a server that then went away."""
    from django.db import InterfaceError, OperationalError, connections

    connection = connections[connection.alias]
    as_check = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )

    def fetchone():
        with connection.cursor() as cursor:
            execute_prepared(connection, cursor, name, sql, params)
            return cursor.fetchone()

    if not as_check:
        return fetchone()
    connection.health_check_done = True
    try:
        return fetchone()
    except (OperationalError, InterfaceError):
        if connection.is_usable():
            raise  # the statement's own error, on a live connection
        connection.close()
    return fetchone()
