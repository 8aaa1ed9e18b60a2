"""Send reads of the statistics pages to a streaming replica when DATABASE_REPLICA_URL is set."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import connections

_use_replica = contextvars.ContextVar("use_replica", default=False)


@contextmanager
def replica_reads():
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


def reads_from_replica(view):
    """Decorate a read-only statistics view: its queries go to the replica when there is one."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the "replica" database when one is configured; all else to default.

    Inside a transaction on default the reads stay there too: they may need to see that transaction's own
    writes, which the replica does not have yet.
    """

    def db_for_read(self, model, **hints):
        if _use_replica.get() and "replica" in settings.DATABASES and not connections["default"].in_atomic_block:
            return "replica"
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
