#!/usr/bin/env python3
"""`make faults`: stop the database under load and prove the portal degrades and recovers cleanly.

1. Starts a private PostgreSQL 15 cluster (Debian's binaries) in a temporary folder, on a spare loopback
   port; creates a database, migrates it, collects static files.
2. Starts gunicorn with production settings (DEBUG=0, persistent connections with health checks:
   DB_CONN_MAX_AGE=60) against it, on another spare loopback port.
3. Drives load from a few threads: GET /healthz, the sign-in page and a failed sign-in POST, and
   sign-ups by phone (a write: a user and an SMS code). Each request carries a made-up client address in
   X-Forwarded-For (gunicorn trusts one proxy hop here) so allauth's per-address rate limits do not
   throttle the load itself.
4. Stops PostgreSQL mid-load (pg_ctl stop -m fast), keeps the load going for a few seconds, starts it again.
5. Checks: no 500 and no traceback ever; during the outage the answers are the static 503 page; no write
   is half-done (every sign-up the client saw succeed has its user and its code; every code belongs to a
   user; every user is a complete driver row); after the restart /healthz and sign-ups work again with
   the same gunicorn processes (no restart).

Prints what it saw and exits 1 if any check fails. Bounded: about a minute, hard limit 170 s.
Only loopback addresses are used. Needs root or the postgres user (initdb refuses root: runuser).
"""

from __future__ import annotations

import collections
import itertools
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HARD_LIMIT_S = 170
THREADS = 4
TIMEOUT_S = 30
BEFORE_S, OUTAGE_S, AFTER_S = 8, 6, 10
UNAVAILABLE_TEXT = "服务暂时不可用"


def log(msg: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class Cluster:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.folder / "pg.log"), "-w", "start"]
        )

    def stop(self) -> None:
        as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def psql(self, sql: str, db: str = "portal") -> str:
        out = subprocess.run(
            [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db, "-Atqc", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip()


class Load:
    """Threads sending requests; every answer is recorded with the phase it was sent in."""

    def __init__(self, base: str):
        self.base = base
        self.phase = "before"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.seen: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.problems: list[str] = []
        self.signed_up: list[str] = []  # phones whose sign-up the client saw succeed (302)
        self.phones = (f"137{n:08d}" for n in itertools.count(random.randint(0, 10_000_000)))

    def record(self, what: str, phase: str, response: requests.Response | None, error: str = "") -> None:
        if self.phase != phase:
            phase = "straddling"  # began in one phase and ended in another (queued behind slow requests)
        with self.lock:
            if response is None:
                self.seen[phase][f"{what} error"] += 1
                if phase not in ("outage", "straddling"):
                    self.problems.append(f"{phase}: {what}: no answer ({error})")
                return
            status = response.status_code
            self.seen[phase][f"{what} {status}"] += 1
            body = response.text
            if status >= 500 and status != 503:
                self.problems.append(f"{phase}: {what} answered {status}")
            if "Traceback" in body or "Exception Value" in body:
                self.problems.append(f"{phase}: {what} showed a traceback")
            if status == 503 and UNAVAILABLE_TEXT not in body:
                self.problems.append(f"{phase}: {what} answered 503 without the static page")

    def headers(self) -> dict:
        return {"X-Forwarded-For": f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"}

    def worker(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            phase = self.phase
            # A failed sign-in costs a full password hash (about a second of CPU here): keep it rare.
            kind = random.choice(
                ("healthz", "healthz", "login_page", "login_post", "signup", "signup", "signup", "signup")
            )
            try:
                if kind == "healthz":
                    self.record(
                        kind, phase, session.get(self.base + "/healthz", timeout=TIMEOUT_S, headers=self.headers())
                    )
                elif kind == "login_page":
                    self.record(
                        kind,
                        phase,
                        session.get(self.base + "/accounts/login/", timeout=TIMEOUT_S, headers=self.headers()),
                    )
                else:
                    url = self.base + ("/accounts/signup/" if kind == "signup" else "/accounts/login/")
                    page = session.get(url, timeout=TIMEOUT_S, headers=self.headers())
                    token = session.cookies.get("csrftoken")
                    if page.status_code != 200 or not token:
                        self.record(kind + "_page", phase, page)
                        continue
                    phone = next(self.phones)  # also a fresh sign-in name: allauth limits 5 failures per name
                    data = {"csrfmiddlewaretoken": token}
                    data.update(
                        {"phone": phone} if kind == "signup" else {"login": f"nobody{phone}", "password": "wrong"}
                    )
                    response = session.post(
                        url, data=data, timeout=TIMEOUT_S, allow_redirects=False, headers=self.headers()
                    )
                    self.record(kind, phase, response)
                    if kind == "signup" and response.status_code == 302:
                        with self.lock:
                            self.signed_up.append(phone)
                    session = requests.Session()  # a new visitor each time
            except requests.RequestException as exc:
                self.record(kind, phase, None, type(exc).__name__)
            time.sleep(0.02)


def wait_for(url: str, seconds: float) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


def main() -> int:
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("faults: hard time limit")))
    signal.alarm(HARD_LIMIT_S)
    started = time.time()
    folder = Path(tempfile.mkdtemp(prefix="portal-faults-"))
    pg_port, web_port = free_port(), free_port()
    cluster = Cluster(folder, pg_port)
    gunicorn = None
    failures: list[str] = []
    try:
        log(f"private PostgreSQL cluster in {folder} on 127.0.0.1:{pg_port}")
        cluster.init()
        cluster.start()
        cluster.psql("CREATE DATABASE portal", db="postgres")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_ALLOW_ASYNC", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "parkportal.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/portal",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DB_CONN_MAX_AGE": "60",
            "DB_CONNECT_TIMEOUT": "2",
            "ALLAUTH_TRUSTED_PROXY_COUNT": "1",
            "VAR_DIR": str(folder / "var"),
            "STATIC_ROOT": str(folder / "static"),
            "REQUEST_LOG_LEVEL": "WARNING",
        }
        log("migrate + collectstatic")
        subprocess.run([str(PYTHON), "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([str(PYTHON), "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
        gunicorn_log = open(folder / "gunicorn.log", "w")  # noqa: SIM115
        gunicorn = subprocess.Popen(
            [
                str(GUNICORN),
                "parkportal.wsgi",
                "-b",
                f"127.0.0.1:{web_port}",
                "-w",
                "2",
                "--threads",
                "4",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{web_port}"
        if not wait_for(base + "/healthz", 30):
            raise RuntimeError("gunicorn did not answer /healthz")
        workers_before = set(
            subprocess.run(["pgrep", "-P", str(gunicorn.pid)], capture_output=True, text=True).stdout.split()
        )
        log(f"gunicorn pid {gunicorn.pid} (workers {sorted(workers_before)}) on {base}")

        load = Load(base)
        threads = [threading.Thread(target=load.worker, daemon=True) for _ in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(BEFORE_S)
        # Phases are labelled by when a request *began*; "stopping"/"starting" cover pg_ctl's own time,
        # so "outage" holds only requests sent while the database was certainly down.
        load.phase = "stopping"
        log("stopping PostgreSQL mid-load")
        cluster.stop()
        load.phase = "outage"
        outage_started = time.time()
        time.sleep(OUTAGE_S)
        load.phase = "starting"
        log("starting PostgreSQL again")
        cluster.start()
        outage_s = time.time() - outage_started
        load.phase = "recovering"
        recovered = wait_for(base + "/healthz", 20)
        recovered_after = time.time() - outage_started - outage_s
        load.phase = "after"
        time.sleep(AFTER_S)
        load.stop.set()
        for t in threads:
            t.join(15)

        # --- what the load saw
        for phase in ("before", "stopping", "outage", "starting", "recovering", "after", "straddling"):
            counts = ", ".join(f"{k}: {v}" for k, v in sorted(load.seen[phase].items()))
            log(f"{phase:>10}: {counts or '-'}")
        log(f"outage {outage_s:.1f}s; /healthz 200 again {recovered_after:.1f}s after the restart")

        outage = load.seen["outage"]
        if not any(key.endswith(" 503") for key in outage):
            failures.append("no request during the outage answered the 503 page")
        # Pages that need the database must not pretend it is there (the sign-in page itself needs none).
        pretending = {
            k: v
            for k, v in outage.items()
            if k.split()[0] in ("healthz", "signup", "login_post") and not k.endswith((" 503", " error"))
        }
        if pretending:
            failures.append(f"answers during the outage as if the database were up: {pretending}")
        failures += load.problems[:20]
        if not recovered:
            failures.append("/healthz did not recover within 20 s of the restart")
        after = load.seen["after"]
        if not after.get("healthz 200"):
            failures.append("no /healthz 200 after recovery")
        if not after.get("signup 302"):
            failures.append("no successful sign-up after recovery")
        if any(k.endswith(" 503") for k in after):
            failures.append(f"still 503 after recovery: {dict(after)}")
        workers_after = set(
            subprocess.run(["pgrep", "-P", str(gunicorn.pid)], capture_output=True, text=True).stdout.split()
        )
        if gunicorn.poll() is not None:
            failures.append("gunicorn exited")
        log(
            f"gunicorn workers after: {sorted(workers_after)} ({'same' if workers_after == workers_before else 'changed'})"
        )

        # --- no write half-done
        users = int(cluster.psql("SELECT count(*) FROM parkportal_user"))
        broken_users = cluster.psql(
            "SELECT count(*) FROM parkportal_user WHERE role <> 'driver' OR phone IS NULL OR phone !~ '^1[0-9]{10}$'"
        )
        orphan_codes = cluster.psql(
            "SELECT count(*) FROM parkportal_smsmessage s WHERE NOT EXISTS "
            "(SELECT 1 FROM parkportal_user u WHERE u.phone = s.phone)"
        )
        confirmed = set(load.signed_up)
        with_code = set(
            cluster.psql(
                "SELECT DISTINCT u.phone FROM parkportal_user u JOIN parkportal_smsmessage s ON s.phone = u.phone"
            ).split()
        )
        without_user_or_code = sorted(confirmed - with_code)
        users_without_code = int(
            cluster.psql(
                "SELECT count(*) FROM parkportal_user u WHERE NOT EXISTS "
                "(SELECT 1 FROM parkportal_smsmessage s WHERE s.phone = u.phone)"
            )
        )
        log(
            f"rows: {users} users, {len(confirmed)} sign-ups confirmed to the client; "
            f"incomplete users {broken_users}, codes without a user {orphan_codes}, "
            f"confirmed sign-ups missing user or code {len(without_user_or_code)}, users without a code {users_without_code}"
        )
        if broken_users != "0":
            failures.append(f"{broken_users} incomplete user rows")
        if orphan_codes != "0":
            failures.append(f"{orphan_codes} SMS codes without their user")
        if without_user_or_code:
            failures.append(f"sign-ups answered as done but not fully written: {without_user_or_code[:5]}")
        if users_without_code:
            failures.append(f"{users_without_code} users written without their code (a half-done sign-up)")
        errors_logged = (folder / "gunicorn.log").read_text(errors="replace")
        if "Traceback" in errors_logged and "OperationalError" not in errors_logged:
            failures.append("unexpected tracebacks in the gunicorn log")
    except Exception as exc:  # the harness itself failed: say so, fail
        failures.append(f"harness: {type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(10)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        try:
            cluster.stop()
        except Exception:
            pass
        if os.environ.get("FAULTS_KEEP"):
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    took = time.time() - started
    if failures:
        log(f"FAILED after {took:.0f}s:")
        for failure in failures:
            log(f"  - {failure}")
        return 1
    log(f"OK in {took:.0f}s: 503 page during the outage, no 500, no half-done write, recovered without restart")
    return 0


if __name__ == "__main__":
    sys.exit(main())
