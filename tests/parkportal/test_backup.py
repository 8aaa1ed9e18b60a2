"""make backup / make restore on a scratch PostgreSQL database: back up, drop, restore, compare."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres

SEED = """
from parkportal.models import Park, SmsMessage, User
from parkportal.roles import Role
park = Park.objects.create(name="新都智慧物流园区")
for i in range(40):
    User.objects.create_user(username=f"u{i}", password="x" * 12, role=Role.DRIVER, park=park,
                             phone=f"137{i:08d}", display_name=f"司机 {i} \\t'\\"")
SmsMessage.objects.bulk_create(SmsMessage(phone=f"137{i:08d}", body=f"验证码 {i:06d}") for i in range(40))
"""


def psql(url: str, sql: str) -> str:
    return subprocess.run(["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True).stdout.strip()


def fingerprint(url: str) -> dict[str, str]:
    """Row count and an md5 of every row's text, in a fixed order, for every table; plus sequence values."""
    tables = psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split()
    result = {}
    for table in tables:
        result[table] = psql(
            url,
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \"{table}\" t",
        )
    for seq in psql(url, "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1").split():
        result[f"seq:{seq}"] = psql(url, f'SELECT last_value FROM "{seq}"')
    return result


@pytest.fixture
def scratch_url():
    settings = connection.settings_dict
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or "5432"
    user = settings.get("USER") or "postgres"
    name = f"portal_backup_test_{os.getpid()}"
    admin = f"postgres://{user}@{host}:{port}/postgres"
    psql(admin, f'DROP DATABASE IF EXISTS "{name}"')
    psql(admin, f'CREATE DATABASE "{name}"')
    yield f"postgres://{user}@{host}:{port}/{name}", admin, name
    psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(cmd: list[str], url: str, **extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "parkportal.settings", **extra})
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_backup_drop_restore_gives_back_every_row(scratch_url, tmp_path):
    url, admin, name = scratch_url
    assert run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], url).returncode == 0
    seeded = run([sys.executable, "manage.py", "shell", "-c", SEED], url)
    assert seeded.returncode == 0, seeded.stderr
    before = fingerprint(url)
    assert before["parkportal_user"].startswith("40:") and before["parkportal_smsmessage"].startswith("40:")

    backup = run(["scripts/backup.sh"], url, BACKUP_DIR=str(tmp_path))
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip().splitlines()[-1])
    assert dump.parent == tmp_path and dump.name.startswith("portal-") and dump.suffix == ".dump"
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert oct(tmp_path.stat().st_mode)[-3:] == "700" and oct(dump.stat().st_mode)[-3:] == "600"

    psql(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
    psql(admin, f'CREATE DATABASE "{name}"')
    assert fingerprint(url) == {}

    restored = run(["scripts/restore.sh", str(dump)], url)
    assert restored.returncode == 0, restored.stderr
    after = fingerprint(url)
    # Every row as it was, except the generations, moved past any value cached figures used since the backup.
    assert {k: v for k, v in after.items() if k != "parkportal_generation"} == {
        k: v for k, v in before.items() if k != "parkportal_generation"
    }
    assert after["parkportal_generation"] != before["parkportal_generation"]
    assert before["parkportal_generation"].startswith("1:")  # the park's table
    assert psql(url, "SELECT bool_and(n > 1000000000) FROM parkportal_generation") == "t"
    # The restored database works: new rows get fresh keys.
    added = run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from parkportal.models import Park; Park.objects.create(name='x')",
        ],
        url,
    )
    assert added.returncode == 0, added.stderr


def test_restore_refuses_a_file_that_is_not_a_backup(scratch_url, tmp_path):
    url, _, _ = scratch_url
    bogus = tmp_path / "portal-bogus.dump"
    bogus.write_text("not a dump")
    assert run(["scripts/restore.sh", str(bogus)], url).returncode != 0
    assert run(["scripts/restore.sh", str(tmp_path / "missing.dump")], url).returncode == 2


def test_backup_refuses_sqlite(tmp_path):
    result = run(["scripts/backup.sh"], f"sqlite:///{tmp_path}/x.sqlite3", BACKUP_DIR=str(tmp_path))
    assert result.returncode == 2 and "not PostgreSQL" in result.stderr
