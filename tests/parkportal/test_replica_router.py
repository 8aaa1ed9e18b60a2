"""The statistics pages can read from a streaming replica (docs/SCALING.md).

With DATABASE_REPLICA_URL set, settings add a "replica" database and `ReplicaRouter` sends the reads made
inside `replica_reads()` (or a view decorated with `@reads_from_replica`) to it; every write still goes to
"default", and reads outside the block stay on "default". Proven here by pointing DATABASE_REPLICA_URL at
the same server (the test database itself), in a separate process so the settings read the variable the
way a deployment does, and by counting the queries each connection actually ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, router

from parkportal.models import Park
from parkportal.routers import ReplicaRouter, reads_from_replica, replica_reads

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
import django
django.setup()
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from parkportal.models import Park
from parkportal.routers import reads_from_replica, replica_reads

out = {"aliases": sorted(settings.DATABASES)}

def run(fn):
    with CaptureQueriesContext(connections["default"]) as d, CaptureQueriesContext(connections["replica"]) as r:
        value = fn()
    return {"value": value, "default": [q["sql"].split()[0] for q in d], "replica": [q["sql"].split()[0] for q in r]}

# A write inside replica_reads() still goes to default (the primary).
def write():
    with replica_reads():
        return Park.objects.create(name="replica-router-park").pk
out["write"] = run(write)

# A read inside replica_reads() runs on the replica connection, and sees the committed row (same server).
def read_in_block():
    with replica_reads():
        return list(Park.objects.filter(name="replica-router-park").values_list("name", flat=True))
out["read_in_block"] = run(read_in_block)

# A read outside stays on default.
out["read_outside"] = run(lambda: Park.objects.filter(name="replica-router-park").count())

# A decorated (statistics) view reads from the replica.
@reads_from_replica
def stats_view():
    return Park.objects.filter(name="replica-router-park").count()
out["decorated"] = run(stats_view)

# An update inside the block goes to default.
def update():
    with replica_reads():
        return Park.objects.filter(name="replica-router-park").update(short_name="rr")
out["update"] = run(update)
# Inside a transaction on default, reads stay on default: they must see the transaction's own writes.
from django.db import transaction
def in_transaction():
    with transaction.atomic(), replica_reads():
        Park.objects.create(name="replica-router-park-2")
        return Park.objects.filter(name="replica-router-park-2").count()
out["in_transaction"] = run(in_transaction)
print("RESULT" + json.dumps(out))
"""


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reads_in_replica_block_use_the_replica_and_writes_go_to_default():
    url = _database_url()  # the test database: the "replica" is the same server and database
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL",)}
    env.update(DJANGO_SETTINGS_MODULE="parkportal.settings", DEBUG="1", DATABASE_URL=url, DATABASE_REPLICA_URL=url)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    out = json.loads(line[len("RESULT") :])

    assert out["aliases"] == ["default", "replica"]
    assert out["write"]["default"] == ["INSERT"] and out["write"]["replica"] == []
    assert out["read_in_block"] == {"value": ["replica-router-park"], "default": [], "replica": ["SELECT"]}
    assert out["read_outside"] == {"value": 1, "default": ["SELECT"], "replica": []}
    assert out["decorated"] == {"value": 1, "default": [], "replica": ["SELECT"]}
    assert out["update"]["default"] == ["UPDATE"] and out["update"]["replica"] == []
    assert out["in_transaction"]["value"] == 1 and out["in_transaction"]["replica"] == []
    assert Park.objects.filter(name="replica-router-park", short_name="rr").exists()


def test_without_a_replica_everything_uses_default(settings):
    assert "replica" not in settings.DATABASES  # DATABASE_REPLICA_URL is not set for the test run
    with replica_reads():
        assert router.db_for_read(Park) == "default"
        assert Park.objects.all().db == "default"
        assert router.db_for_write(Park) == "default"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_router_decisions_with_a_replica_configured(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    r = ReplicaRouter()
    assert r.db_for_read(Park) is None  # outside the block: Django's default
    with replica_reads():
        assert r.db_for_read(Park) == "replica"
        assert r.db_for_write(Park) == "default"
        with replica_reads():  # nesting keeps it on
            assert r.db_for_read(Park) == "replica"
        assert r.db_for_read(Park) == "replica"
    assert r.db_for_read(Park) is None  # reset after the block, even when nested
    assert reads_from_replica(lambda: r.db_for_read(Park))() == "replica"
    assert r.allow_migrate("replica", "parkportal") is False
    assert r.allow_migrate("default", "parkportal") is True
