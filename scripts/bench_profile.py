"""Deterministic evidence for one or more bench pages: each SQL query with its time, and the request's time.

Runs in-process with Django's test client against the benchmark database and the production settings
(DEBUG off, cached templates), after `make bench` has built the data and the bench accounts:

    .venv/bin/python scripts/bench_profile.py "home dashboard" "org coverage"      # queries + mean ms
    .venv/bin/python scripts/bench_profile.py --rounds 50 --compare                # all pages vs the bare page
    .venv/bin/python scripts/bench_profile.py --cprofile "reminders"               # + cProfile, top 30
    .venv/bin/python scripts/bench_profile.py --rounds 200 --cprofile "check-in POST"  # a POST: see below
    # a sampling profile (CPU only, no instrumentation overhead) as a flame graph:
    .venv/bin/py-spy record --gil --nonblocking -o var/ticket.svg -- .venv/bin/python scripts/bench_profile.py --loop 10 "ticket"

`--compare` times the pages round-robin with the bare page (same noise for all), so the ratio bare ms ÷ page ms
approximates the req/s ratio of the load test on a quieter machine.

A POST page is sent as the load test sends it: each request as the next of its accounts (signed in beforehand,
outside the timing), to its `request_path`, with its `data`, after its `reset`; the second request's queries are
listed and the mean of the others timed (wall and CPU). It writes to the benchmark database as `make bench` does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_pages  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--compare", action="store_true", help="round-robin timing against the bare page")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--quiet-sql", action="store_true", help="no per-query listing")
    parser.add_argument("--loop", type=float, metavar="SECONDS", help="then request the page(s) for this long")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="parkportal.settings",
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY="bench-profile",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DB_CONN_MAX_AGE="60",
        BENCHMARK_PAGE_ENABLED="1",
        STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        REQUEST_LOG_LEVEL="WARNING",
    )
    from bench import _reachable

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    if redis_url and _reachable(redis_url):  # as `make bench` runs the server
        os.environ["REDIS_URL"] = redis_url
    os.chdir(ROOT)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parkportal.models import User

    for page in bench_pages.by_name(args.pages):
        if page.method == "POST" and args.pages:
            _profile_post(page, args)
    pages = [p for p in bench_pages.by_name(args.pages) if p.method == "GET"]
    clients = {}
    for page in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if page.role:
            client.force_login(User.objects.get(username=f"bench-{page.role}"))
        path = page.path() if callable(page.path) else page.path
        clients[page.name] = (client, path)
        client.get(path)  # warm
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(path)
            ms = (time.perf_counter() - t0) * 1000
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"\n== {page.name} {path} -> {response.status_code}, {len(queries)} queries, "
              f"{sql_ms:.1f} ms SQL of {ms:.1f} ms, {len(response.content) / 1024:.0f} KB")  # fmt: skip
        if not args.quiet_sql:
            for q in queries.captured_queries:
                print(f"  {float(q['time']) * 1000:7.2f} ms  {q['sql'][:220]}")
        if args.cprofile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.rounds):
                client.get(path)
            prof.disable()
            pstats.Stats(prof).sort_stats(os.environ.get("SORT", "tottime")).print_stats(int(os.environ.get("TOP", 25)))
    if args.loop:
        import gc

        gc.freeze()  # as parkportal/wsgi.py does in the server
        loops = [clients[page.name] for page in pages]
        end, n, c0 = time.monotonic() + args.loop, 0, time.process_time()
        while time.monotonic() < end:
            for client, path in loops:
                client.get(path)
                n += 1
        print(f"\n--loop: {n} requests, {(time.process_time() - c0) / n * 1000:.2f} ms of CPU each")
    if args.compare:
        import gc

        gc.freeze()  # as parkportal/wsgi.py does in the server
        times: dict[str, list[float]] = {name: [] for name in clients}
        cpu: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(args.rounds):
            for name, (client, path) in clients.items():
                t0, c0 = time.perf_counter(), time.process_time()
                client.get(path)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
        bare = statistics.median(times["bare"])
        bare_cpu = statistics.mean(cpu["bare"])
        # CPU time of this process: less disturbed by other load on the machine than the wall clock.
        print(f"\n{'page':40} {'median ms':>10} {'bare/page':>10} {'CPU ms':>8} {'bare/page':>10}")
        for name, values in times.items():
            med = statistics.median(values)
            mean_cpu = statistics.mean(cpu[name])
            print(f"{name:40} {med * 1000:10.1f} {bare / med:10.2f} {mean_cpu * 1000:8.2f} {bare_cpu / mean_cpu:10.2f}")


def _profile_post(page, args) -> None:
    """`page` (a POST) sent `args.rounds` + 1 times, each as the next account; see the module's docstring."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parkportal.models import User

    if page.reset:
        page.reset()
    ctx = dict(page.context()) if page.context else {}
    names = [f"bench-{page.role}"] + [f"bench-{page.role}-{k}" for k in range(2, page.accounts + 1)]
    users = {u.username: u for u in User.objects.filter(username__in=names[: args.rounds + 1])}
    prof = cProfile.Profile() if args.cprofile else None
    wall, cpu = [], []
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}
    client = Client(HTTP_HOST="127.0.0.1", **headers)
    for i in range(args.rounds + 1):
        account = names[i % len(names)]
        # One client (a new one loads the middleware on its first request), with only the account's session: the
        # message each POST leaves for the page it redirects to (not followed) would pile up in a cookie.
        client.cookies.clear()
        client.force_login(users[account])
        ctx.update(i=i, account=account, user=i)
        path = page.request_path(ctx) if page.request_path else (page.path() if callable(page.path) else page.path)
        data = page.data(i, ctx) if page.data else {}
        with CaptureQueriesContext(connection) as queries:
            if prof and i:
                prof.enable()
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.post(path, data)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            if prof and i:
                prof.disable()
        assert response.status_code in page.expected, (path, response.status_code)
        if i == 1:
            sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            print(f"\n== {page.name} {path} -> {response.status_code}, {len(queries)} queries, {sql_ms:.1f} ms SQL")
            if not args.quiet_sql:
                for q in queries.captured_queries:
                    print(f"  {float(q['time']) * 1000:7.2f} ms  {q['sql'][:220]}")
    print(f"  {args.rounds} requests after the first: {statistics.mean(wall[1:]) * 1000:.2f} ms wall, "
          f"{statistics.mean(cpu[1:]) * 1000:.2f} ms CPU each")  # fmt: skip
    if prof:
        pstats.Stats(prof).sort_stats(os.environ.get("SORT", "tottime")).print_stats(int(os.environ.get("TOP", 25)))
    if page.reset:
        page.reset()


if __name__ == "__main__":
    main()
