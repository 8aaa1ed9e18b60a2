"""Generations: a counter per tracked table that moves in the same transaction as any write to the table.

A figure computed from tracked tables can be cached under `read(*models)`, read BEFORE the figure is computed:

    key = generations.read(Case, MediationBody)          # one indexed query
    value = cache.get(f"…:{key}") or compute-and-set       # computed after the read

Why that is correct by construction: a database trigger on each tracked table bumps the table's row of
`parkportal_generation` in the transaction that writes it (QuerySet.update(), bulk_create, raw SQL and the
admin included; TRUNCATE excepted), so no change can become visible without the generation moving with it.
A reader that read generation G before computing saw at least everything G stands for; if anything was
committed after that read, later readers read another generation and never see the entry.

On PostgreSQL the trigger is a DEFERRED constraint trigger: it takes the generation row's lock only at COMMIT,
after every other lock of the transaction, so writers of different events or sites do not queue behind each
other for the length of their transactions, and no lock order can deadlock on it. Constraint triggers are
row triggers, so the function bumps a table once per batch of firings (one batch per statement fired
IMMEDIATE, all of them at COMMIT when deferred) and lets the other rows pass on a transaction-local mark:
bumping the same row once per written row is quadratic in PostgreSQL (each update walks the versions the
transaction has already made of the row: 10,000 rows took 0.63 s at COMMIT, 40,000 took 9.9 s, and the large
park's seed never committed), and one bump per commit is all a reader can tell apart. The test suite, whose
tests never commit, sets the triggers IMMEDIATE (tests/conftest.py). On SQLite (one writer at a time, no row
versions) it is a plain row trigger.

Apps add triggers to their own tables from a migration: `operations = [generations.track("app_table", …)]`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, migrations, router
from django.db.models import Model

TABLE = "parkportal_generation"
FUNCTION = "parkportal_bump_generation"

#: The mark is the start of the client statement the firings run in (the COMMIT, for deferred firings), kept
#: in a setting local to the transaction: a rolled-back savepoint takes its bump and its mark back together.
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mark CONSTANT text := statement_timestamp()::text;
BEGIN
    IF current_setting('parkportal.bumped.' || TG_TABLE_NAME, true) IS DISTINCT FROM mark THEN
        INSERT INTO {TABLE} (table_name, n) VALUES (TG_TABLE_NAME, 1)
            ON CONFLICT (table_name) DO UPDATE SET n = {TABLE}.n + 1;
        PERFORM set_config('parkportal.bumped.' || TG_TABLE_NAME, mark, true);
    END IF;
    RETURN NULL;
END
$$;
"""


def _trigger_name(table: str) -> str:
    return f"{table}_generation"


def _pg_create(table: str) -> list[str]:
    name = _trigger_name(table)
    return [
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
        f'CREATE CONSTRAINT TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
    ]


def _sqlite_create(table: str) -> list[str]:
    statements = []
    for event in ("INSERT", "UPDATE", "DELETE"):
        name = f"{_trigger_name(table)}_{event.lower()}"
        statements += [
            f'DROP TRIGGER IF EXISTS "{name}"',
            f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" BEGIN '
            f"INSERT INTO {TABLE} (table_name, n) VALUES ('{table}', 1) "
            f"ON CONFLICT (table_name) DO UPDATE SET n = n + 1; END",
        ]
    return statements


def _drop(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{_trigger_name(table)}" ON "{table}"']
    return [f'DROP TRIGGER IF EXISTS "{_trigger_name(table)}_{event}"' for event in ("insert", "update", "delete")]


def install(schema_editor, tables: Iterable[str]) -> None:
    """Create (or re-create) the generation triggers of `tables`; the function is the parkportal migration's."""
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"generation triggers for {vendor}")
    for table in tables:
        for sql in _pg_create(table) if vendor == "postgresql" else _sqlite_create(table):
            schema_editor.execute(sql, params=None)


def uninstall(schema_editor, tables: Iterable[str]) -> None:
    for table in tables:
        for sql in _drop(schema_editor.connection.vendor, table):
            schema_editor.execute(sql, params=None)


def track(*tables: str) -> migrations.RunPython:
    """A migration operation adding generation triggers to `tables` (and removing them when unapplied).

    Depend on parkportal's migration that creates the table and the function."""

    def forwards(apps, schema_editor):
        install(schema_editor, tables)

    def backwards(apps, schema_editor):
        uninstall(schema_editor, tables)

    return migrations.RunPython(forwards, backwards, elidable=False)


def installed(connection, table: str) -> bool:
    """Whether `table` carries its generation trigger (SQLite drops a table's triggers when a migration
    rebuilds the table: a test checks every tracked table through this)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                [_trigger_name(table), f'"{table}"'],
            )
            return cursor.fetchone() is not None
        names = [f"{_trigger_name(table)}_{event}" for event in ("insert", "update", "delete")]
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s, %s)",
            [table, *names],
        )
        return cursor.fetchone()[0] == 3


def tables_of(models: Iterable[type[Model] | str]) -> tuple[str, ...]:
    """Database tables of models (a model, an auto-created many-to-many through model, or a table name)."""
    return tuple(sorted({m if isinstance(m, str) else m._meta.db_table for m in models}))


def read_sql(tables: tuple[str, ...]) -> tuple[str, list[str]]:
    """The generation of `tables` as one scalar subquery (to put into another statement: same snapshot)."""
    placeholders = ", ".join(["%s"] * len(tables))
    return f"SELECT COALESCE(SUM(n), 0) FROM {TABLE} WHERE table_name IN ({placeholders})", list(tables)


def read(*models: type[Model] | str, using: str | None = None) -> str:
    """The current generation of the tables of `models`, as a string for cache keys. One query.

    The sum of the tables' counters: each commit that writes a tracked table raises its counter, and no
    counter ever goes down, so the sum changes with every such commit.
    """
    tables = tables_of(models)
    if using is None:
        first = models[0]
        using = router.db_for_read(first) if not isinstance(first, str) else "default"
    sql, params = read_sql(tables)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return str(cursor.fetchone()[0])
