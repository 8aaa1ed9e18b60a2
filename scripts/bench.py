#!/usr/bin/env python
"""`make bench`: the portal's pages at large-park size, against a bare Django page measured in the same run.

By itself, on a machine with PostgreSQL (docs/PERFORMANCE.md has the details and the figures):
1. uses BENCH_DATABASE_URL or DATABASE_URL, or creates `portal_bench` on 127.0.0.1:5432 (user postgres);
   migrates; builds the large park with `seed_demo --size large` unless the stamp in the table `bench_stamp` says the database already holds
   that size built by the same seed code (a hash of the seed modules); times the build; adds the bench-<role>
   accounts (`manage.py bench_accounts`);
2. starts gunicorn with the production settings (DEBUG off, persistent connections with health checks, cached
   templates, a generated SECRET_KEY, plain http on loopback) on a free loopback port, 2 workers per core;
3. for each page of scripts/bench_pages.py, runs locust headless (FastHttpUser, scripts/bench_locust.py) in a
   second process with a session signed in through /accounts/login/ for the page's role: a warm-up, then a fixed
   number of seconds at a fixed concurrency; after a POST page, VACUUM ANALYZE (as autovacuum would), so the
   pages after it do not read through its dead rows on a server where autovacuum is off; a do-once POST page
   reports the rows it wrote beside the requests it sent (a repeat answers without writing), then may put the
   database back (`after`: its check-ins leave the window);
4. measures the bare page first and again after every page (half as long): each page's ratio is against the
   bare runs just before and after it, so a shared machine's drift cancels (--no-bracket: first and last only);
5. prints p50/p95/p99, req/s, errors, SQL queries per request and the ratio to the bare page's req/s; writes
   var/bench.json; measures the gzip page weight of the driver's pages, assets included; the last line is
   `worst ratio: R (page)`.

SQL queries per request are counted by a separate pass with Django's test client under CaptureQueriesContext,
in this process, against the same database and with the same settings: the server being measured runs exactly
the production code, with no benchmark-only middleware in its path.

Options (or the environment variables in brackets): --seconds [BENCH_SECONDS] per page, --warmup
[BENCH_WARMUP], --users [BENCH_USERS] concurrency, --workers [BENCH_WORKERS], --pages NAME ... to run some,
--rebuild to rebuild the data.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_pages  # noqa: E402

PY = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench"
SIZE = "large"
SEED_FILES = ["parkportal/management/commands/seed_demo.py"] + [
    f"{app}/seed.py" for app in ("parties", "drivers_home", "activities", "mediation")
]
LARGE_PARK_NAME = "大型物流园区（基准）"  # seed_demo's name for the large park
PASSWORD = "demo-park-2026"  # parties.seed.DEMO_PASSWORD; the bench-<role> accounts use it


def log(message: str = "") -> None:
    print(message, flush=True)


def parse_args() -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(env.get("BENCH_SECONDS", 15)), help="measured s/page")
    parser.add_argument("--warmup", type=int, default=int(env.get("BENCH_WARMUP", 4)), help="warm-up s/page")
    parser.add_argument("--users", type=int, default=int(env.get("BENCH_USERS", 8)), help="concurrent users")
    parser.add_argument("--workers", type=int, default=int(env.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1))))
    parser.add_argument("--pages", nargs="*", help="page names (default: all of bench_pages.PAGES)")
    parser.add_argument(
        "--no-bracket", dest="bracket", action="store_false",
        help="measure the bare page only first and last (default: also between pages, half as long)",
    )  # fmt: skip
    parser.add_argument("--rebuild", action="store_true", help="rebuild the benchmark data even if stamped")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench.json"))
    return parser.parse_args()


# --- 1. the database -----------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
        password=parsed.password, dbname="postgres",
    )  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            log(f"creating database {name}")
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def drop_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
        password=parsed.password, dbname="postgres",
    )  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')
    admin.close()


def seed_hash() -> str:
    digest = hashlib.sha256()
    for rel in SEED_FILES:
        path = ROOT / rel
        if path.exists():
            digest.update(rel.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def read_stamp(url: str) -> dict | None:
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_stamp')")
        if cur.fetchone()[0] is None:
            return None
        cur.execute("SELECT size, seed_hash, build_seconds, built_at::text FROM bench_stamp ORDER BY built_at DESC")
        row = cur.fetchone()
    if row is None:
        return None
    return {"size": row[0], "seed_hash": row[1], "build_seconds": row[2], "built_at": row[3]}


def large_park_exists(url: str) -> bool:
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('parkportal_park')")
        if cur.fetchone()[0] is None:
            return False
        cur.execute("SELECT 1 FROM parkportal_park WHERE name = %s", [LARGE_PARK_NAME])
        return cur.fetchone() is not None


def vacuum_analyze(url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()


def write_stamp(url: str, seconds: float) -> None:
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_stamp (size text, seed_hash text, build_seconds float,"
            " built_at timestamptz DEFAULT now())"
        )
        cur.execute("DELETE FROM bench_stamp")
        cur.execute("INSERT INTO bench_stamp (size, seed_hash, build_seconds) VALUES (%s, %s, %s)",
                    [SIZE, seed_hash(), seconds])  # fmt: skip


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return result.stdout


def ensure_data(url: str, env: dict, rebuild: bool, drivers: int = 1) -> dict:
    ensure_database(url)
    stamp = read_stamp(url)
    wanted = seed_hash()
    dedicated = urlparse(url).path.lstrip("/").startswith("portal_bench")
    if stamp is None and large_park_exists(url):
        # A large park without a stamp: an interrupted build, or one made by hand. It cannot be trusted.
        stamp = {"size": "unknown", "seed_hash": "unstamped", "build_seconds": 0, "built_at": ""}
    if stamp and (rebuild or stamp["size"] != SIZE or stamp["seed_hash"] != wanted):
        reason = "--rebuild" if rebuild else f"stamp {stamp['size']}/{stamp['seed_hash']} != {SIZE}/{wanted}"
        if not dedicated and not rebuild:
            raise SystemExit(f"{url} holds other benchmark data ({reason}); pass --rebuild to flush it.")
        log(f"rebuilding the benchmark data ({reason})")
        if dedicated:
            drop_database(url)
            ensure_database(url)
        else:
            manage(env, "flush", "--no-input")
        stamp = None
    t0 = time.monotonic()
    manage(env, "migrate", "--no-input", "-v0")
    migrate_s = time.monotonic() - t0
    if stamp:
        log(f"reusing the {SIZE} park built {stamp['built_at']} in {stamp['build_seconds']:.1f}s (seed {wanted})")
        build = {"reused": True, "seconds": stamp["build_seconds"], "built_at": stamp["built_at"]}
    else:
        log(f"building the {SIZE} park (seed_demo --size {SIZE}) ...")
        t0 = time.monotonic()
        out = manage(env, "seed_demo", "--size", SIZE)
        seconds = time.monotonic() - t0
        for line in out.splitlines():
            log(f"  {line.strip()}")
        log(f"built in {seconds:.1f}s (migrate {migrate_s:.1f}s)")
        # Fresh bulk-loaded tables have no planner statistics and no visibility map yet; autovacuum would
        # get there in production, the benchmark must not measure the gap.
        t0 = time.monotonic()
        vacuum_analyze(url)
        log(f"vacuum analyze {time.monotonic() - t0:.1f}s")
        write_stamp(url, round(seconds, 1))
        build = {"reused": False, "seconds": round(seconds, 1), "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    manage(env, "bench_accounts", "--drivers", str(drivers))
    manage(env, "collectstatic", "--no-input", "-v0")
    build["seed_hash"] = wanted
    return build


# --- 2. the server -------------------------------------------------------------------------------------------


def production_env(url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="parkportal.settings",
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        # Plain http on loopback: no redirect to https, cookies not marked Secure, no HSTS.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        DB_CONN_MAX_AGE="60",  # persistent connections; settings turn health checks on
        BENCHMARK_PAGE_ENABLED="1",
        STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        # The one-line request log stays on (production logs it too), into the server's log file.
        REQUEST_LOG_LEVEL=os.environ.get("REQUEST_LOG_LEVEL", "INFO"),
    )
    env.pop("DATABASE_REPLICA_URL", None)
    # As deployed (docs/DEPLOY.md): with a Redis server the cache and the rate limits live there (sessions are in
    # PostgreSQL either way, read with their users: parkportal/sessions.py). BENCH_REDIS_URL="" measures without.
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    if redis_url and _reachable(redis_url):
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, workers: int) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    logfile = ROOT / "var" / "bench-gunicorn.log"
    handle = open(logfile, "w")
    cmd = [
        PY, "-m", "gunicorn", "parkportal.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    host = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {logfile}")
        try:
            if requests.get(host + "/healthz", timeout=2).status_code == 200:
                return server, host, logfile
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz; see {logfile}")


def sign_in(host: str, role: str, username: str | None = None) -> dict:
    """Sign in as bench-<role> (or `username`) through the real /accounts/login/ form; return the cookies."""
    import requests

    s = requests.Session()
    s.get(host + "/accounts/login/", timeout=10)
    r = s.post(
        host + "/accounts/login/",
        data={
            "login": username or f"bench-{role}",
            "password": PASSWORD,
            "csrfmiddlewaretoken": s.cookies.get("csrftoken"),
        },
        headers={"Referer": host + "/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if r.status_code != 302 or "sessionid" not in s.cookies:
        raise SystemExit(
            f"could not sign in as {username or 'bench-' + role} (HTTP {r.status_code}); run manage.py bench_accounts"
        )
    s.get(host + "/", timeout=10)  # the CSRF token rotates at sign-in; fetch the new one
    return {"sessionid": s.cookies.get("sessionid"), "csrftoken": s.cookies.get("csrftoken"),
            "account": username or f"bench-{role}"}  # fmt: skip


#: More accounts than this get their sessions made directly in the database (see direct_sessions).
FORM_SIGN_IN_MAX = 20


def direct_sessions(names: list[str], csrf_from: dict) -> list[dict]:
    """Signed-in sessions for many accounts, written straight into the session store (no sign-in form).

    allauth limits sign-ins per IP, so a thousand drivers cannot all sign in through /accounts/login/. The
    session holds exactly what django.contrib.auth.login() stores (user id, backend, password hash HMAC), so
    the server treats it as any signed-in session. The CSRF cookie is not tied to the session
    (CSRF_USE_SESSIONS is off): all accounts share the one of a form sign-in.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from parkportal.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = [n for n in names if n not in users]
    if missing:
        raise SystemExit(f"no account {missing[0]} (and {len(missing) - 1} more); run manage.py bench_accounts")
    out = []
    for name in names:
        user = users[name]
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "parkportal.auth.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out.append({"sessionid": session.session_key, "csrftoken": csrf_from["csrftoken"], "account": name})
    return out


def account_names(role: str, n: int) -> list[str]:
    """bench-<role>, then bench-<role>-2 … (manage.py bench_accounts --drivers N creates the extra drivers)."""
    return [f"bench-{role}"] + [f"bench-{role}-{k}" for k in range(2, n + 1)]


# --- Django in this process: paths, contexts, query counts ----------------------------------------------------


def setup_django(env: dict) -> None:
    os.environ.update(env, REQUEST_LOG_LEVEL="WARNING")  # this process's own test-client pass stays quiet
    os.chdir(ROOT)
    import django

    django.setup()


def resolve(page: bench_pages.Page) -> tuple[str, dict]:
    path = page.path() if callable(page.path) else page.path
    context = page.context() if page.context else {}
    return path, context


def count_queries(page: bench_pages.Page, path: str, context: dict, users: int) -> tuple[int | None, int | None]:
    """SQL queries of one request (after one warm request), via the test client on the same database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parkportal.models import User

    client = Client(
        HTTP_HOST="127.0.0.1", **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}
    )
    if page.role:
        client.force_login(User.objects.get(username=f"bench-{page.role}"))
    statuses = []
    counts = []
    for n in range(2):
        account = f"bench-{page.role}"
        if page.method == "POST" and page.accounts > 1:
            # A do-once POST: each counted request from an account that has not done it, so the count is the
            # real write, not the repeat (the last two accounts; the load reaches them last).
            account = account_names(page.role, page.accounts)[-1 - n]
            client.force_login(User.objects.get(username=account))
        ctx = dict(context, user=users + 1, account=account, i=0)  # a user number the load never uses
        with CaptureQueriesContext(connection) as queries:
            if page.method == "POST":
                response = client.post(path, data=page.data(n, ctx) if page.data else {})
            else:
                response = client.get(path)
        statuses.append(response.status_code)
        counts.append(len(queries))
    return counts[-1], statuses[-1]


# --- 3./4. load ----------------------------------------------------------------------------------------------


def estimate(n_pages: int, args) -> int:
    """Seconds the load runs take: each page, and the bare page first and between pages (half as long)."""
    per_start = 3  # locust's start and stop
    pages = (n_pages - 1) * (args.warmup + args.seconds + per_start)
    bare_runs = n_pages if args.bracket else 2
    bare = (args.warmup + args.seconds + per_start) + (bare_runs - 1) * (
        args.warmup + max(5, args.seconds // 2) + per_start
    )
    return pages + bare


def run_load(page, path, context, host, cookies, args, seconds: int | None = None) -> dict:
    """`cookies`: one dict of cookies, or a list of them (one per account; simulated user k uses k mod n)."""
    seconds = seconds or args.seconds
    accounts = cookies if isinstance(cookies, list) else [cookies]
    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "name": page.name,
            "path": path,
            "host": host,
            "context": context,
            "users": args.users,
            "accounts": [
                {
                    "cookie": "; ".join(f"{k}={v}" for k, v in c.items() if v and k != "account"),
                    "csrf": c.get("csrftoken", ""),
                    "account": c.get("account", ""),
                }
                for c in accounts
            ],
            "expect": list(page.expected),
            "warmup": args.warmup,
            "result_file": os.path.join(tmp, "result.json"),
        }
        config_file = os.path.join(tmp, "config.json")
        Path(config_file).write_text(json.dumps(config), encoding="utf-8")
        cmd = [
            PY, "-m", "locust", "-f", str(ROOT / "scripts" / "bench_locust.py"), "--headless",
            "-u", str(args.users), "-r", str(args.users), "-t", f"{args.warmup + seconds}s",
            "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "5", "--exit-code-on-error", "0",
        ]  # fmt: skip
        env = dict(os.environ, BENCH_LOCUST_CONFIG=config_file)
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
        result_file = Path(config["result_file"])
        if not result_file.exists():
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
            raise SystemExit(f"locust produced no result for {page.name}")
        return json.loads(result_file.read_text(encoding="utf-8"))


# --- driver page weight --------------------------------------------------------------------------------------

ASSET_RE = re.compile(
    r"""<(?:link[^>]*\brel=["'](?:stylesheet|icon|preload|manifest)["'][^>]*\bhref|script[^>]*\bsrc|img[^>]*\bsrc)"""
    r"""=["']([^"']+)["']""",
    re.I,
)


CSS_URL_RE = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def wire_size(session, url: str) -> tuple[int, int, bool]:
    """(bytes sent gzip, bytes uncompressed, whether the server itself compressed)."""
    r = session.get(url, headers={"Accept-Encoding": "gzip"}, stream=True, allow_redirects=False, timeout=10)
    raw = r.raw.read(decode_content=False)
    if r.headers.get("Content-Encoding") == "gzip":
        return len(raw), len(gzip.decompress(raw)), True
    # Django does not compress HTML; nginx does in production (gzip on, level 6): count that.
    return len(gzip.compress(raw, 6)), len(raw), False


def page_weight(host: str, path: str, cookies: dict, headers: dict) -> dict:
    import requests

    s = requests.Session()
    s.headers.update(headers)
    for k, v in cookies.items():
        if v and k != "account":
            s.cookies.set(k, v)
    url = host + path
    html = s.get(url, timeout=10).text
    gz, plain, _ = wire_size(s, url)
    items = [{"url": path, "gzip": gz, "plain": plain}]
    queue = [urljoin(url, ref) for ref in ASSET_RE.findall(html) if not ref.startswith("data:")]
    seen: set[str] = set()
    while queue:
        asset = queue.pop(0)
        if asset in seen:
            continue
        seen.add(asset)
        if urlparse(asset).netloc != urlparse(host).netloc:
            items.append({"url": asset, "gzip": None, "plain": None, "note": "third-party (not allowed by CSP)"})
            continue
        a_gz, a_plain, _ = wire_size(s, asset)
        items.append({"url": urlparse(asset).path, "gzip": a_gz, "plain": a_plain})
        if urlparse(asset).path.endswith(".css"):
            # Images and fonts a stylesheet pulls in are part of the page load too.
            css = s.get(asset, timeout=10).text
            queue += [urljoin(asset, ref) for ref in CSS_URL_RE.findall(css) if not ref.startswith("data:")]
    total = sum(i["gzip"] or 0 for i in items)
    return {"gzip_total": total, "items": items, "ok": total < bench_pages.DRIVER_PAGE_WEIGHT_GOAL}


# --- 5. the report -------------------------------------------------------------------------------------------


def machine() -> dict:
    import django
    import psycopg2

    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    pg = None
    try:
        with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version")
            pg = cur.fetchone()[0]
    except Exception:  # noqa: BLE001 - the report must not fail on it
        pass
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "postgresql": pg,
        "python": platform.python_version(),
        "django": django.get_version(),
        "loadavg_at_start": [round(x, 2) for x in load] if load else None,
    }


def fmt(value, width: int, digits: int = 0) -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        return f"{value:.{digits}f}".rjust(width)
    return str(value).rjust(width)


def main() -> None:
    args = parse_args()
    pages = bench_pages.by_name(args.pages)
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DB
    if not url.startswith("postgres"):
        raise SystemExit("make bench needs PostgreSQL: set DATABASE_URL=postgres://… or run a local server")
    (ROOT / "var").mkdir(exist_ok=True)
    env = production_env(url)
    report: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    drivers = max([p.accounts for p in pages if p.role == "driver"] + [1])
    build = ensure_data(url, env, args.rebuild, drivers)
    setup_django(env)
    report["machine"] = machine()
    report["build"] = build
    report["settings"] = {
        "seconds_per_page": args.seconds, "warmup": args.warmup, "users": args.users, "workers": args.workers,
        "server": "gunicorn sync workers, DEBUG=0, DB_CONN_MAX_AGE=60 + health checks, cached templates",
        "redis": bool(production_env(url).get("REDIS_URL")),
        "client": "locust FastHttpUser, closed loop, 1 keep-alive connection per user, on loopback",
    }  # fmt: skip

    resolved = {}
    skipped: list[dict] = []
    for page in list(pages):
        try:
            if page.reset:
                page.reset()
            path, context = resolve(page)
            queries, status = count_queries(page, path, context, args.users)
        except Exception as exc:  # noqa: BLE001 - a broken declaration must not stop the other pages
            if page is bench_pages.BARE:
                raise
            log(f"SKIPPED: {page.name}: {type(exc).__name__}: {exc}")
            skipped.append({"page": page.name, "error": f"{type(exc).__name__}: {exc}"})
            pages.remove(page)
            continue
        resolved[page.name] = (path, context, queries, status)
        if status not in page.expected:
            log(
                f"WARNING: {page.name} {page.method} {path} answers {status} in the query pass (expected {page.expected})"
            )

    from django.db import connections

    connections.close_all()
    server, host, logfile = start_server(env, args.workers)
    log(f"gunicorn: {args.workers} workers on {host}; locust: {args.users} users, {args.warmup}s warm-up + "
        f"{args.seconds}s per page; about {estimate(len(pages), args)}s")  # fmt: skip
    results: list[dict] = []
    bare_runs: list[dict] = []
    weights: list[dict] = []
    try:
        sessions = {role: sign_in(host, role) for role in sorted({p.role for p in pages if p.role})}
        many = {}  # role -> list of sessions, for pages with accounts > 1
        for page in pages:
            if page.role and page.accounts > 1 and len(many.get(page.role, [])) < page.accounts:
                names = account_names(page.role, page.accounts)
                if len(names) > FORM_SIGN_IN_MAX:
                    many[page.role] = [sessions[page.role]] + direct_sessions(names[1:], sessions[page.role])
                else:
                    many[page.role] = [sign_in(host, page.role, name) for name in names]
        bare_path, bare_ctx, bare_queries, _ = resolved[bench_pages.BARE.name]

        def measure_bare(seconds: int) -> dict:
            load = run_load(bench_pages.BARE, bare_path, bare_ctx, host, {}, args, seconds=seconds)
            bare_runs.append(load)
            log(f"  {'(bare)':32} {load['rps']:8.1f} req/s  p50 {load['p50_ms']} ms  errors {load['failures']}")
            return load

        first = measure_bare(args.seconds)
        results.append({"page": "bare", "role": None, "method": "GET", "path": bare_path, "queries": bare_queries,
                        "goal": 1.0, **first, "bare_rps": None})  # fmt: skip
        measured = [p for p in pages if p is not bench_pages.BARE]
        for n, page in enumerate(measured):
            path, context, queries, status = resolved[page.name]
            cookies = sessions.get(page.role, {}) if page.role else {}
            if page.accounts > 1 and page.role:
                cookies = many[page.role][: page.accounts]
            if not page.role and page.method == "POST":
                cookies = sign_in_anonymous(host)
            held = page.written() if page.written else None
            load = run_load(page, path, context, host, cookies, args)
            log(f"  {page.name:32} {load['rps']:8.1f} req/s  p50 {load['p50_ms']} ms  errors {load['failures']}")
            if held is not None:
                load["written"] = page.written() - held
                log(f"  {'':32} wrote {load['written']} rows for {load['sent']} requests sent (warm-up included)")
                # (bench-driver's own registration for the first event, kept for the ticket page, is one repeat)
                if load["written"] < load["sent"] * 0.99:
                    log(f"WARNING: {page.name}: {load['sent'] - load['written']} requests wrote nothing (repeats): "
                        "give the page more accounts (bench_pages.MANY_DRIVERS)")  # fmt: skip
            if page.after:
                page.after()
            if page.method == "POST":
                # Thousands of writes leave dead rows and stale visibility maps. Production's autovacuum clears
                # them; a server with autovacuum off (CI's) would make every later page read through them.
                vacuum_analyze(url)
            before = bare_runs[-1]
            if args.bracket or n == len(measured) - 1:
                after = measure_bare(max(5, args.seconds // 2) if args.bracket else args.seconds)
            else:
                after = None
            # The ceiling this page is compared with: the bare runs just before and after it.
            local = [r["rps"] for r in (before, after) if r]
            results.append({"page": page.name, "role": page.role, "method": page.method, "path": path,
                            "queries": queries, "query_pass_status": status,
                            "status_ok": status in page.expected, "goal": page.goal_ratio, **load,
                            "bare_rps": round(sum(local) / len(local), 1)})  # fmt: skip
        for page in pages:
            if page.driver and page.method == "GET":
                path = resolved[page.name][0]
                cookies = sessions.get(page.role, {}) if page.role else {}
                weights.append({"page": page.name, "path": path, **page_weight(host, path, cookies, page.headers)})
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    bare_rps = sum(r["rps"] for r in bare_runs) / len(bare_runs)
    if not args.bracket:
        for r in results[1:]:
            r["bare_rps"] = round(bare_rps, 1)
    results[0]["bare_rps"] = round(bare_rps, 1)
    for r in results:
        r["ratio"] = round(r["rps"] / r["bare_rps"], 3) if r["bare_rps"] else None
        r["ok"] = bool(
            r["page"] == "bare"
            or (r["ratio"] is not None and r["ratio"] >= r["goal"] and not r["failures"] and r["status_ok"]
                and r["queries"] is not None and r["queries"] <= 12)
        )  # fmt: skip

    log("")
    log(f"machine: {report['machine']['nproc']} cores ({report['machine']['cpu']}), {report['machine']['ram_gb']} GB, "
        f"PostgreSQL {report['machine']['postgresql']}, load average at start {report['machine']['loadavg_at_start']}")  # fmt: skip
    log(f"data: {SIZE} park, {'reused' if build['reused'] else 'built'} ({build['seconds']}s to build)")
    spread = sorted(r["rps"] for r in bare_runs)
    log(f"bare page: {bare_rps:.1f} req/s mean of {len(bare_runs)} runs (min {spread[0]}, max {spread[-1]}); "
        + ("each page's ratio is against the bare runs just before and after it" if args.bracket
           else "ratios against the mean"))  # fmt: skip
    log("")
    header = (f"{'page':34}{'role':12}{'p50':>6}{'p95':>6}{'p99':>6}{'req/s':>9}{'errors':>8}{'SQL':>5}"
              f"{'bare':>7}{'ratio':>7}{'goal':>6}  ok")  # fmt: skip
    log(header)
    log("-" * len(header))
    for r in results:
        log(f"{r['page'][:33]:34}{(r['role'] or '-'):12}{fmt(r['p50_ms'], 6)}{fmt(r['p95_ms'], 6)}"
            f"{fmt(r['p99_ms'], 6)}{fmt(r['rps'], 9, 1)}{fmt(r['failures'], 8)}{fmt(r['queries'], 5)}"
            f"{fmt(r['bare_rps'], 7, 0)}{fmt(r['ratio'], 7, 2)}{fmt(r['goal'], 6, 2)}  {'yes' if r['ok'] else 'NO'}")  # fmt: skip
        for error, count in r["errors"].items():
            log(f"    {count} × {error}")
    log("(latencies in ms; SQL = queries per request, from the test-client pass; goal = minimum ratio)")
    if weights:
        log("")
        log(f"driver pages, page weight gzip incl. assets (goal < {bench_pages.DRIVER_PAGE_WEIGHT_GOAL // 1024} KB):")
        for w in weights:
            parts = ", ".join(f"{i['url']} {i['gzip']}" for i in w["items"])
            log(f"  {w['page']:32} {w['gzip_total'] / 1024:6.1f} KB  {'ok' if w['ok'] else 'OVER'}   ({parts})")

    report["bare_rps"] = round(bare_rps, 1)
    report["pages"] = results
    report["skipped"] = skipped
    report["bare_runs"] = [{"rps": r["rps"], "p50_ms": r["p50_ms"], "seconds": r["seconds"]} for r in bare_runs]
    report["driver_page_weight"] = weights
    measured = results[1:]
    worst = min(measured, key=lambda r: r["ratio"]) if measured else None
    report["worst"] = {"page": worst["page"], "ratio": worst["ratio"]} if worst else None
    report["all_goals_met"] = all(r["ok"] for r in results) and all(w["ok"] for w in weights) and not skipped
    for s in skipped:
        log(f"SKIPPED {s['page']}: {s['error']}")
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    log("")
    log(
        f"written {os.path.relpath(args.out, ROOT)}; server log {os.path.relpath(logfile, ROOT)}; "
        f"all goals met: {'yes' if report['all_goals_met'] else 'NO'}"
    )
    if worst:
        log(f"worst ratio: {worst['ratio']:.2f} ({worst['page']})")
    else:
        log("worst ratio: - (no pages)")


def sign_in_anonymous(host: str) -> dict:
    """An anonymous visitor's CSRF cookie, for anonymous POSTs."""
    import requests

    s = requests.Session()
    s.get(host + "/accounts/login/", timeout=10)
    return {"csrftoken": s.cookies.get("csrftoken")}


if __name__ == "__main__":
    main()
