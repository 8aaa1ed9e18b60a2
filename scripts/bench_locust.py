"""The load generator of `make bench`: locust (headless, FastHttpUser) hitting ONE page of bench_pages.py.

scripts/bench.py starts it once per page, in its own process, with BENCH_LOCUST_CONFIG pointing to a JSON
file: the page's name, resolved path, host, session cookies, context, warm-up seconds and where to write the
result. Each simulated user sends its next request as soon as the last one is answered (closed loop, fixed
concurrency); statistics are reset after the warm-up, so only the measured seconds count.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time

import gevent
from locust import FastHttpUser, constant, events, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_pages  # noqa: E402

CONFIG = json.loads(open(os.environ["BENCH_LOCUST_CONFIG"], encoding="utf-8").read())
PAGE = next(p for p in bench_pages.PAGES if p.name == CONFIG["name"])
_user_numbers = itertools.count()
_window = {"start": None, "stop": None}
# Every request sent, the warm-up's included: what a do-once POST page may have written (scripts/bench.py compares).
_sent = [0]


class PageUser(FastHttpUser):
    wait_time = constant(0)
    host = CONFIG["host"]
    # One connection per simulated user, kept alive like a browser's.
    concurrency = 1
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        # No cookie jar where every request carries its account's cookies in its own Cookie header:
        # http.cookiejar adds nothing to a request that has one, so there the jar never changed a byte on the
        # wire. It still parsed every Set-Cookie (Django re-sends the CSRF cookie, with its expiry date, on every
        # page that uses the token, as the signed-in frame does; a POST answers with its message cookie) and ran
        # its policy checks before every request: about half of the load generator's CPU per signed-in page and
        # a quarter per POST, on the two cores the server is measured on; the bare page sets no cookie and never
        # paid it (docs/PERFORMANCE.md, round 9). Anonymous pages keep the jar: there it carries the CSRF
        # cookie, as a browser would.
        if all(account["cookie"] for account in CONFIG["accounts"]):
            self.client.client.cookiejar = None
        self.n = 0
        self.number = next(_user_numbers)
        self.base_headers = {"Accept-Language": "zh-hans", **PAGE.headers}
        self._use_account(self.number)

    def _use_account(self, i: int) -> None:
        """Request headers and ctx for the account of global request number i (the user's number if no rotate)."""
        account = CONFIG["accounts"][i % len(CONFIG["accounts"])]
        self.csrf = account["csrf"]
        self.ctx = dict(CONFIG.get("context") or {}, user=self.number, account=account["account"], i=i)
        self.headers = dict(self.base_headers)
        if account["cookie"]:
            self.headers["Cookie"] = account["cookie"]
        if PAGE.method == "POST":
            self.headers["Referer"] = CONFIG["host"] + CONFIG["path"]

    @task
    def hit(self) -> None:
        expect = tuple(CONFIG["expect"])
        if PAGE.rotate:
            self._use_account(self.number + self.n * CONFIG["users"])
        path = PAGE.request_path(self.ctx) if PAGE.request_path else CONFIG["path"]
        if PAGE.method == "POST":
            body = dict(PAGE.data(self.n, self.ctx) if PAGE.data else {})
            body.setdefault("csrfmiddlewaretoken", self.csrf)
            request = self.client.post(
                path,
                data=body,
                headers=self.headers,
                allow_redirects=False,
                catch_response=True,
                name=PAGE.name,
            )
        else:
            request = self.client.get(
                path, headers=self.headers, allow_redirects=False, catch_response=True, name=PAGE.name
            )
        self.n += 1
        _sent[0] += 1
        with request as response:
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")


def _reset_after_warmup(environment) -> None:
    gevent.sleep(CONFIG["warmup"])
    environment.runner.stats.reset_all()
    _window["start"] = time.monotonic()


@events.test_start.add_listener
def _on_test_start(environment, **kwargs) -> None:
    gevent.spawn(_reset_after_warmup, environment)


@events.test_stop.add_listener
def _on_test_stop(environment, **kwargs) -> None:
    _window["stop"] = time.monotonic()


@events.quitting.add_listener
def _on_quitting(environment, **kwargs) -> None:
    total = environment.runner.stats.total
    stop = _window["stop"] or time.monotonic()
    seconds = (stop - _window["start"]) if _window["start"] else 0.0
    errors = {}
    for error in environment.runner.stats.errors.values():
        errors[str(error.error)] = errors.get(str(error.error), 0) + error.occurrences
    result = {
        "requests": total.num_requests,
        "sent": _sent[0],
        "failures": total.num_failures,
        "seconds": round(seconds, 2),
        "rps": round(total.num_requests / seconds, 1) if seconds else 0.0,
        "p50_ms": total.get_response_time_percentile(0.50) if total.num_requests else None,
        "p95_ms": total.get_response_time_percentile(0.95) if total.num_requests else None,
        "p99_ms": total.get_response_time_percentile(0.99) if total.num_requests else None,
        "mean_ms": round(total.avg_response_time, 1),
        "avg_bytes": round(total.avg_content_length),
        "errors": errors,
    }
    with open(CONFIG["result_file"], "w", encoding="utf-8") as f:
        json.dump(result, f)
