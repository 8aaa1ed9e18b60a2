"""The desk's count of who is inside is a range of two bounds (drivers_home.stats.inside_now_until), so that
PostgreSQL keeps the prepared statement's generic plan instead of planning it again on every request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from drivers_home.models import CheckIn
from drivers_home.services import checkin_create
from tests.drivers_home.conftest import make_driver


def _inside(client, site) -> int:
    return client.get(f"/home/desk/{site.pk}/").context["page"].paginator.count


@pytest.mark.django_db
def test_a_checkin_stamped_ahead_of_the_clock_is_inside(client, dora, home):
    """The upper bound is there for the planner, not to leave anyone out: a check-in stamped by a clock that runs
    ahead of this server's, by less than a window, still counts."""
    window = settings.PORTAL_RULES["CHECKIN_WINDOW"]
    now = timezone.now()
    ahead = make_driver("ahead", "13900030000", name="ahead", plate="川C00001")
    checkin_create(driver=ahead, site=home, now=now + window - timedelta(minutes=1))
    before = make_driver("before", "13900030001", name="before", plate="川C00002")
    checkin_create(driver=before, site=home, now=now - window - timedelta(minutes=1))
    client.force_login(dora)
    assert _inside(client, home) == 1


#: The desk's site statement among this connection's prepared statements (parkportal.rows names it so).
DESK_SITE_STATEMENTS = "FROM pg_prepared_statements WHERE name LIKE 'portal\\_desk\\_site\\_%%'"


def _desk_site_plans() -> tuple[int, int] | None:
    """(generic, custom) plans of the desk's site statement on this connection, None when it is not prepared."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generic_plans, custom_plans {DESK_SITE_STATEMENTS}")
        return cursor.fetchone()


def _forget_desk_site_statement() -> None:
    """DEALLOCATE the statement an earlier test on this connection prepared: its plan counts start at 0."""
    state = connections["default"].__dict__.get("_portal_server_prepared")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name {DESK_SITE_STATEMENTS}")
        for (name,) in cursor.fetchall():
            cursor.execute(f"DEALLOCATE {name}")
            if state is not None:
                state[1].discard(name)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_desk_count_keeps_its_generic_plan(client, dora, home):
    """PostgreSQL tries custom plans for a prepared statement's first five executions, then keeps the generic plan
    unless it expects more rows than the custom ones did. With `created >= $since` alone it expected a third of
    the site's check-ins and planned every request afresh (0 generic plans here, before the upper bound)."""
    now = timezone.now()
    drivers = [make_driver(f"plan{i}", f"1390004{i:04d}", name=f"司机{i}", plate=f"川D{i:05d}") for i in range(20)]
    # 3,000 check-ins of earlier days (the large park's busiest site has 3.4 million).
    CheckIn.objects.bulk_create(
        CheckIn(site=home, driver=drivers[i % 20], created=now - timedelta(hours=3 + i), via=CheckIn.Via.SELF)
        for i in range(3000)
    )
    checkin_create(driver=drivers[0], site=home, now=now)
    checkin_create(driver=drivers[1], site=home, now=now - timedelta(hours=1))
    with connection.cursor() as cursor:  # the planner's statistics, as autovacuum keeps them
        cursor.execute(f"ANALYZE {CheckIn._meta.db_table}")
    client.force_login(dora)
    _forget_desk_site_statement()
    for _request in range(8):
        assert _inside(client, home) == 2
    assert _desk_site_plans() == (3, 5)
