"""With REDIS_URL (docs/SCALING.md) the cache, allauth's rate limits and sessions move to Redis."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE, sorted(settings.DATABASES)]))"
)


def settings_with(env: dict) -> list:
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_REPLICA_URL")}
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        env={**base, "DJANGO_SETTINGS_MODULE": "parkportal.settings", "DEBUG": "1", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_sessions_stay_in_the_database():
    cache, sessions, databases = settings_with({})
    assert cache.endswith("LocMemCache")
    assert sessions == "django.contrib.sessions.backends.db"
    assert databases == ["default"]


def test_with_redis_cache_and_sessions_use_it():
    cache, sessions, _ = settings_with({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert cache.endswith("RedisCache")
    assert sessions == "django.contrib.sessions.backends.cached_db"


def test_replica_url_adds_the_replica_alias():
    *_, databases = settings_with({"DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5432/portal"})
    assert databases == ["default", "replica"]
