"""Checks shared by the tests of what is kept under table generations (parkportal/generations.py): every table
a page's statements read must be in its key and carry its generation trigger, or a write would leave it stale."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection

from parkportal import generations

#: A table after FROM or JOIN, or a table-qualified column ("table"."column").
TABLE = re.compile(r'(?:FROM|JOIN)\s+"?([a-z_]+)"?|"([a-z_]+)"\.')
EXECUTE = re.compile(r"EXECUTE\s+(\w+)")


def statements(captured: Iterable[dict]) -> list[str]:
    """The SQL of captured queries (CaptureQueriesContext), an EXECUTE of a statement prepared on the server
    (parkportal.rows.PreparedQuery) replaced by the statement's text: its tables are not in the EXECUTE."""
    sql = [query["sql"] for query in captured]
    if connection.vendor != "postgresql" or not any(EXECUTE.match(s) for s in sql):
        return sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        prepared = dict(cursor.fetchall())
    return [prepared[m.group(1)] if (m := EXECUTE.match(s)) else s for s in sql]


def tables_read(sql: Iterable[str]) -> set[str]:
    """The database's tables that the statements read (not a CTE's name, nor EXTRACT(… FROM a column))."""
    tables = set(connection.introspection.table_names())
    return {name for s in sql for match in TABLE.findall(s) for name in match if name in tables}


def assert_keyed_and_triggered(read: set[str], key_tables: Iterable[str], hint: str) -> None:
    """Every table read is among the key's tables, and each of those carries its generation trigger."""
    key_tables = set(key_tables)
    assert read - key_tables == set(), hint
    for table in sorted(key_tables):
        assert generations.installed(connection, table), f"{table} has no generation trigger (add a migration)"
