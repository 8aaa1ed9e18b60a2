"""Model instances from rows of a statement the ORM compiled, for the few hot paths that execute it themselves."""

from __future__ import annotations

from collections.abc import Callable, Sequence


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
