"""With REDIS_URL (docs/SCALING.md) the cache and allauth's rate limits move to Redis; sessions stay in the database,
read with their users (parkportal/sessions.py), unless SESSION_ENGINE names another store."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.parkportal.processes import django_json

ROOT = Path(__file__).resolve().parents[2]
PRINT = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE, sorted(settings.DATABASES)]))"
)


def settings_with(env: dict) -> list:
    return django_json(PRINT, {"DEBUG": "1", **env}, unset=("REDIS_URL", "DATABASE_REPLICA_URL"))


def test_without_redis_sessions_are_in_the_database():
    cache, sessions, databases = settings_with({})
    assert cache.endswith("LocMemCache")
    assert sessions == "parkportal.sessions"
    assert databases == ["default"]


def test_with_redis_the_cache_uses_it_and_sessions_stay_with_their_users():
    cache, sessions, _ = settings_with({"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert cache.endswith("RedisCache")
    assert sessions == "parkportal.sessions"


def test_the_session_store_can_be_chosen():
    _, sessions, _ = settings_with(
        {"REDIS_URL": "redis://127.0.0.1:6379/0", "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db"}
    )
    assert sessions == "django.contrib.sessions.backends.cached_db"


def test_the_shared_cache_is_prefixed_with_the_release():
    prefix = (
        "import django, os; os.environ.setdefault('SECRET_KEY', 'x'); from django.conf import settings; "
        "print(settings.CACHES['default']['KEY_PREFIX'])"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE="parkportal.settings", DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/0")
    for release in ("r2026-11-24", "r2026-12-01"):
        result = subprocess.run(
            [sys.executable, "-c", prefix],
            env={**env, "PORTAL_RELEASE": release},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == release


def test_replica_url_adds_the_replica_alias():
    *_, databases = settings_with({"DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5432/portal"})
    assert databases == ["default", "replica"]


REDIS_ROUND_TRIP = (
    "import django, json; django.setup(); from django.core.cache import cache; "
    "from django.contrib.sessions.backends.cache import SessionStore; "
    "cache.set('portal-test-key', {'n': 1}, 30); s = SessionStore(); s['who'] = 7; s.create(); "
    "print(json.dumps([cache.get('portal-test-key'), SessionStore(s.session_key)['who'], "
    "cache._cache.get_client() is cache._cache.get_client(write=True)])); "
    "cache.delete('portal-test-key')"
)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_the_pinned_client_talks_to_a_real_server():
    """The `redis` package is installed and pinned: with REDIS_URL the cache (and a cache session store, when
    SESSION_ENGINE names one) really round-trips through a server."""
    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-c", REDIS_ROUND_TRIP],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "parkportal.settings",
            "DEBUG": "1",
            "REDIS_URL": "redis://127.0.0.1:6379/9",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # ... and every call shares one client object (parkportal.cache): no client built per cache access.
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [{"n": 1}, 7, True]
