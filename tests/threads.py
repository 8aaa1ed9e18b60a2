"""Running targets at the same moment in threads, each with its own database connection (concurrency tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together(*targets: Callable[[], object], timeout: float = 60) -> list[BaseException]:
    """Start every target in its own thread, release them together (a barrier), wait for all; return what
    they raised. Each thread closes its connection, so the test database can be dropped afterwards."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def wrap(target):
        def run():
            try:
                barrier.wait()
                target()
            except BaseException as exc:  # noqa: BLE001  reported to the test
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
