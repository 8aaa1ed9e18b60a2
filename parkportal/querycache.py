"""What a page computes from ORM queries, kept per process under the generations of the tables they read.

`key(*querysets)` is (the database, `generations.read()` of every table the querysets' SQL reads, each
statement's SQL and parameters): the same key means the same SQL over tables with the same contents, so the
same rows. The scope is in the SQL (`visible_to(user)` compiles into it), so it is never written again here.
`get(key, make)` calls make() once per key and process (parkportal.memo.KeyedMemo). The key must be made
BEFORE make() runs (generations.read's rule): a write committed in between then gives a newer key, never an
older key for newer data.

A queryset that reads a table without a generation counter gets no key (None), and `get` then just calls
make(): nothing is cached that could go stale unseen.

For pages that only read (GET). The triggers bump at COMMIT: inside a transaction that has written, the
generation read is still the old one while the rows read include the uncommitted writes, and were that
transaction rolled back, an entry computed there would stand under a current generation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Iterable
from functools import cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, connections

from parkportal import generations
from parkportal.memo import generation_memo

#: Every table a compiled ORM statement reads follows a FROM or a JOIN, quoted (subqueries included).
_TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"([^"]+)"')

_memo = generation_memo(max_entries=256)


@cache
def _models_by_table() -> dict[str, type]:
    return {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}


#: The tables whose writes move a generation (their migrations add the triggers: parkportal/generations.py), as far
#: as what is kept here reads them. A query reading any other table is not kept. A test checks that each of these
#: carries its trigger (tests/parkportal/test_querycache.py).
TRACKED = frozenset(
    {
        "parties_category",
        "parties_enterprise",
        "parties_instructor",
        "parties_member",
        "parties_membercount",
        "parties_organisation",
    }
)


_request = threading.local()


def _start(**kwargs) -> None:
    _request.generations = {}


def _finish(**kwargs) -> None:
    _request.generations = None


request_started.connect(_start, dispatch_uid="parkportal.querycache.start")
request_finished.connect(_finish, dispatch_uid="parkportal.querycache.finish")


def _generation(names: tuple[str, ...], using: str) -> str:
    """generations.read(*names): outside a request, read now; in a request, from the counters of every TRACKED
    table read in one query at the request's first key, so a page with several kept parts reads them once.
    Still read before anything the request computes under them, which is what makes a key correct (a write
    committed after that read makes the entry newer than its key, never older)."""
    snapshot = getattr(_request, "generations", None)
    if snapshot is None:
        return generations.read(*names, using=using)
    counters = snapshot.get(using)
    if counters is None:
        tracked = sorted(TRACKED)
        placeholders = ", ".join(["%s"] * len(tracked))
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"SELECT table_name, n FROM {generations.TABLE} WHERE table_name IN ({placeholders})", tracked
            )
            counters = snapshot[using] = dict(cursor.fetchall())
    return str(sum(counters.get(name, 0) for name in names))


def tables(sql: str) -> set[str]:
    return set(_TABLE.findall(sql))


def compile_all(*querysets) -> tuple | None:
    """(database, each statement's SQL and parameters, the models their SQL reads), or None when they cannot be
    kept (a statement that reads a table without a model, or one that cannot match anything)."""
    statements = []
    read = set()
    by_table = _models_by_table()
    using = None
    for queryset in querysets:
        using = queryset.db
        try:
            sql, params = queryset.query.get_compiler(using=using).as_sql()
        except EmptyResultSet:
            return None
        for table in tables(sql):
            model = by_table.get(table)
            if model is None:
                return None
            read.add(model)
        statements.append((sql, tuple(params)))
    return using, tuple(statements), frozenset(read)


def key(*querysets, models: Iterable[type] = (), extra: Hashable = ()) -> tuple | None:
    """The key of what is computed from these querysets' rows (and `models`' tables, read by raw SQL beside
    them) and `extra` (whatever else it depends on: today, the rules, the language). None: do not cache."""
    return _key(compile_all(*querysets), models, extra)


#: What key_for compiled, per builder and viewer (a few hundred bytes of SQL each).
_compiled = generation_memo(max_entries=512)


def key_for(
    user, name: Hashable, build: Callable[[], Iterable], *, models: Iterable[type] = (), extra: Hashable = ()
) -> tuple | None:
    """key(*build(), …) without building and compiling the querysets again for the same viewer and data.

    Building and compiling a list page's scoped querysets was most of what a kept page cost (≈ 1.5 ms of the
    enterprise list's 4 ms of CPU, for the same SQL every time). `name` says what `build()` makes (the same
    name, the same querysets); what it compiled is kept under the name, the viewer's scope fields (id, role,
    park, active) and the sum of every TRACKED table's generation, so any write the scope could read (a
    secretary's organisation moving in the tree) compiles again. build() must depend on nothing else:
    settings.QUERYCACHE_VERIFY (on in the test suite) compiles every hit again and fails on a difference."""
    using = DEFAULT_DB_ALIAS
    signature = (name, user.pk, user.role, user.park_id, user.is_active, _generation(tuple(sorted(TRACKED)), using))
    compiled = _compiled.get(signature, lambda: compile_all(*build()))
    if settings.QUERYCACHE_VERIFY and compiled != compile_all(*build()):
        raise AssertionError(f"querycache.key_for: {name!r} compiled differently for the same viewer and data")
    return _key(compiled, models, extra)


def _key(compiled: tuple | None, models: Iterable[type], extra: Hashable) -> tuple | None:
    if compiled is None:
        return None
    using, statements, read = compiled
    names = generations.tables_of(read | set(models))
    if not names or not TRACKED.issuperset(names):
        return None
    result = (using, names, _generation(names, using), statements, extra)
    try:
        hash(result)
    except TypeError:
        return None
    return result


def get(key: Hashable | None, make: Callable[[], object]):
    """make() once per key in this process; every time when the key is None."""
    if key is None:
        return make()
    return _memo.get(key, make)


def clear() -> None:
    """Forget everything kept (tests: generations roll back with a test's transaction and come again)."""
    _memo.clear()
