"""The poster's check-in sends statements PostgreSQL parsed and planned once per connection (PREPARE), not its
SQL each time (planning was 0.24 of the 0.61 ms of the database's CPU per check-in), and sends both in one
round trip."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drivers_home.models import CheckIn, DailyStat
from drivers_home.services import checkin_create_by_token

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'portal\\_checkin\\_%%'")
        return {name for (name,) in cursor.fetchall()}


def test_a_second_tap_executes_what_the_first_prepared(home, dan, dave):
    checkin_create_by_token(driver=dan, token=home.token)
    prepared = _prepared_names()
    # (the desk's check-in prepares its own statement, also on this connection if an earlier test ran it)
    assert {"portal_checkin_lock", "portal_checkin_tap"} <= {name.rsplit("_", 1)[0] for name in prepared}

    with CaptureQueriesContext(connection) as queries:
        checkin, created = checkin_create_by_token(driver=dave, token=home.token)
    lock, tap = (next(n for n in prepared if n.startswith(p)) for p in ("portal_checkin_lock", "portal_checkin_tap"))
    [sent] = [q["sql"] for q in queries.captured_queries]  # one round trip: no BEGIN, SAVEPOINT or COMMIT
    assert sent.startswith(f"EXECUTE {lock} (") and f"; EXECUTE {tap} (" in sent, sent
    assert _prepared_names() == prepared  # nothing prepared again

    # What the prepared statements wrote: the check-in, and the summary rows of both taps.
    assert created and CheckIn.objects.get(pk=checkin.pk).driver == dave
    hour = DailyStat.objects.get(site=home, kind=DailyStat.Kind.HOUR, key=str(timezone.localtime(checkin.created).hour))
    assert hour.count == 2
    again, created = checkin_create_by_token(driver=dave, token=home.token)
    assert not created and again.pk == checkin.pk
