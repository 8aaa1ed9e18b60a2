"""Distinct drivers and repeat visitors: the cached closed days plus today's part equal a full scan.

The closed days' figure is cached under the park's DriverYearEpoch; these tests change the data in every
way that can change a past day (a new check-in today, the next day, a back-dated check-in, an account
deleted, retention) and compare with the scan of every row (_distinct_and_repeat_scan) and with the
answer from the check-ins themselves.
"""

import random
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drivers_home.models import CheckIn
from drivers_home.services import checkin_create, checkins_anonymise, driver_account_delete
from drivers_home.stats import (
    _distinct_and_repeat_from_checkins,
    _distinct_and_repeat_scan,
    day_bounds,
    distinct_and_repeat,
)
from tests.drivers_home.conftest import make_driver

TZ = timezone.get_current_timezone()


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)), TZ)


def periods(today: date) -> list[tuple[date, date]]:
    return [
        (today - timedelta(days=364), today),  # the page's year: across a year end
        (today - timedelta(days=29), today),
        (today - timedelta(days=3), today - timedelta(days=1)),  # all closed
        (today, today),  # only today
        (today - timedelta(days=40), today - timedelta(days=20)),
    ]


def assert_exact(park, today: date) -> None:
    for start, end in periods(today):
        lo, hi = day_bounds(start, end)
        by_checkins = _distinct_and_repeat_from_checkins(CheckIn.objects.filter(created__gte=lo, created__lt=hi))
        scan = _distinct_and_repeat_scan(park.pk, start, end)
        assert distinct_and_repeat(park.pk, start, end) == scan, (start, end)
        assert scan == by_checkins, (start, end)


@pytest.fixture
def drivers(db):
    return [make_driver(f"c{i}", f"1350001{i:04d}", f"司机{i}") for i in range(10)]


def visit_randomly(rng, drivers, sites, first: date, days: int, n: int) -> None:
    for _ in range(n):
        day = first + timedelta(days=rng.randrange(days))
        checkin_create(
            driver=rng.choice(drivers),
            site=rng.choice(sites),
            now=at(day, rng.randrange(24), rng.randrange(60)),
        )


@pytest.mark.parametrize("today", [date(2026, 1, 2), date(2026, 3, 1), date(2026, 12, 31), date(2027, 1, 1)])
def test_cached_figures_stay_exact_today_and_the_next_day(park, home, station, drivers, today):
    rng = random.Random(today.toordinal())
    with time_machine.travel(at(today, 9), tick=False):
        visit_randomly(rng, drivers, [home, station], today - timedelta(days=60), 60, 80)
        visit_randomly(rng, drivers, [home, station], today, 1, 0)
        assert_exact(park, today)  # cold
        assert_exact(park, today)  # from the cache
        # New check-ins today: a driver's first day, another's second day, another's third.
        for driver in rng.sample(drivers, 6):
            checkin_create(driver=driver, site=rng.choice([home, station]))
            assert_exact(park, today)
        newcomer = make_driver("new", "13500099999", "新司机")
        checkin_create(driver=newcomer, site=home)
        assert_exact(park, today)
    tomorrow = today + timedelta(days=1)
    with time_machine.travel(at(tomorrow, 0, 0, 1), tick=False):
        assert_exact(park, tomorrow)  # yesterday is closed now
        checkin_create(driver=drivers[0], site=home)
        assert_exact(park, tomorrow)
    with time_machine.travel(at(tomorrow, 23, 59, 59), tick=False):
        checkin_create(driver=drivers[1], site=station)
        assert_exact(park, tomorrow)


def test_a_back_dated_checkin_raises_the_epoch(park, home, drivers):
    today = timezone.localdate()
    checkin_create(driver=drivers[0], site=home, now=at(today - timedelta(days=3)))
    start = today - timedelta(days=10)
    assert distinct_and_repeat(park.pk, start, today) == (1, 0)
    checkin_create(driver=drivers[0], site=home, now=at(today - timedelta(days=2)))  # e.g. a repair
    assert distinct_and_repeat(park.pk, start, today) == (1, 1)
    checkin_create(driver=drivers[1], site=home, now=at(today - timedelta(days=2)))
    assert distinct_and_repeat(park.pk, start, today) == (2, 1)


def test_a_checkin_committed_after_midnight_raises_the_epoch(park, home, drivers, django_capture_on_commit_callbacks):
    today = date(2026, 5, 10)
    yesterday = today - timedelta(days=1)
    checkin_create(driver=drivers[1], site=home, now=at(yesterday, 10))
    with time_machine.travel(at(today, 0, 0, 1), tick=False):
        # Just after midnight a request caches yesterday's figure: the late check-in is not committed yet.
        assert distinct_and_repeat(park.pk, yesterday, today) == (1, 0)
    with django_capture_on_commit_callbacks() as callbacks:
        with time_machine.travel(at(yesterday, 23, 59, 59), tick=False):
            checkin_create(driver=drivers[0], site=home)  # read its clock before midnight, commits after
    assert callbacks
    with time_machine.travel(at(today, 0, 0, 2), tick=False):
        for callback in callbacks:
            callback()
        assert (
            distinct_and_repeat(park.pk, yesterday, today)
            == _distinct_and_repeat_scan(park.pk, yesterday, today)
            == (2, 0)
        )


def test_account_deletion_and_retention_change_past_figures(park, home, drivers):
    today = date(2026, 1, 10)
    with time_machine.travel(at(today, 10), tick=False):
        # drivers[0] came in both years: one person while he has an account, two anonymous rows after.
        for day in (date(2025, 12, 20), date(2026, 1, 5)):
            checkin_create(driver=drivers[0], site=home, now=at(day))
        checkin_create(driver=drivers[1], site=home, now=at(date(2025, 12, 21)))
        checkin_create(driver=drivers[1], site=home)
        assert_exact(park, today)
        start = today - timedelta(days=364)
        assert distinct_and_repeat(park.pk, start, today) == (2, 2)
        driver_account_delete(user=drivers[0])
        assert distinct_and_repeat(park.pk, start, today) == _distinct_and_repeat_scan(park.pk, start, today) == (3, 1)
        # Deleted today after checking in today: his anonymous row still counts today.
        driver_account_delete(user=drivers[1])
        assert distinct_and_repeat(park.pk, start, today) == _distinct_and_repeat_scan(park.pk, start, today)
    with time_machine.travel(at(date(2026, 1, 12), 10), tick=False):
        checkin_create(driver=drivers[2], site=home, now=at(date(2025, 12, 22)))
        checkin_create(driver=drivers[2], site=home, now=at(date(2026, 1, 11)))
        start = date(2025, 12, 1)
        before = distinct_and_repeat(park.pk, start, date(2026, 1, 12))
        checkins_anonymise(before=at(date(2026, 1, 1), 0))
        after = distinct_and_repeat(park.pk, start, date(2026, 1, 12))
        assert after == _distinct_and_repeat_scan(park.pk, start, date(2026, 1, 12))
        assert after != before


def test_steady_state_is_one_query(park, home, station, drivers):
    rng = random.Random(3)
    today = timezone.localdate()
    visit_randomly(rng, drivers, [home, station], today - timedelta(days=40), 41, 60)
    start = today - timedelta(days=364)
    expected = distinct_and_repeat(park.pk, start, today)
    with CaptureQueriesContext(connection) as queries:
        assert distinct_and_repeat(park.pk, start, today) == expected
    assert len(queries) == 1
    checkin_create(driver=make_driver("q", "13500088888", "Q"), site=home)
    with CaptureQueriesContext(connection) as queries:
        assert distinct_and_repeat(park.pk, start, today) == (expected[0] + 1, expected[1])
    assert len(queries) == 2  # the fingerprint, today's part: the closed days come from the cache


def test_traffic_from_the_cache_equals_a_fresh_computation(park, alice, home, station, drivers, services):
    """The whole traffic page's figures: closed days from the cache plus today's rows, after every kind of
    change, equal the figures computed with an empty cache."""
    from django.core.cache import cache

    from drivers_home.services import checkin_set_services
    from drivers_home.stats import traffic

    def fresh(start, end):
        cache.clear()
        return traffic(alice, start, end)

    rng = random.Random(11)
    today = date(2026, 1, 1)
    start = today - timedelta(days=364)
    with time_machine.travel(at(today, 8), tick=False):
        visit_randomly(rng, drivers, [home, station], today - timedelta(days=20), 21, 40)
        old = CheckIn.objects.filter(created__lt=at(today - timedelta(days=2), 0)).first()
        traffic(alice, start, today)  # warm
        checkin_create(driver=drivers[3], site=home)  # today
        assert traffic(alice, start, today) == fresh(start, today)
        before = traffic(alice, start, today)
        checkin_set_services(checkin=old, services=services[:2])  # an earlier day's summary changes
        after = traffic(alice, start, today)
        assert after != before and after == fresh(start, today)
        traffic(alice, today - timedelta(days=10), today - timedelta(days=1))
        checkin_create(driver=drivers[4], site=station, now=at(today - timedelta(days=5)))  # back-dated
        period = (today - timedelta(days=10), today - timedelta(days=1))
        assert traffic(alice, *period) == fresh(*period)
    with time_machine.travel(at(today + timedelta(days=1), 9), tick=False):
        tomorrow = today + timedelta(days=1)
        traffic(alice, start, tomorrow)
        checkin_create(driver=drivers[5], site=home)
        assert traffic(alice, start, tomorrow) == fresh(start, tomorrow)


def test_a_site_moved_to_another_park_moves_its_past_days_in_the_cached_figures(
    park, other_park, alice, olga, home, station, drivers
):
    """The traffic page's closed-day sums are cached; a site moved to another park (in the back office)
    takes its past days with it, for both parks at once."""
    from drivers_home.stats import traffic

    today = timezone.localdate()
    checkin_create(driver=drivers[0], site=home, now=at(today - timedelta(days=3)))
    checkin_create(driver=drivers[1], site=station, now=at(today - timedelta(days=2)))
    start = today - timedelta(days=10)
    assert traffic(alice, start, today)["total"] == 2 and traffic(olga, start, today)["total"] == 0
    station.park = other_park
    station.save()
    assert traffic(alice, start, today)["total"] == 1
    assert traffic(olga, start, today)["total"] == 1


@pytest.mark.parametrize("change", ["delete", "move to another park", "move to yesterday"])
def test_a_checkin_changed_in_the_admin_changes_todays_cached_figures(
    park, other_park, alice, home, far, drivers, change
):
    """Today's part is cached under the count of today's summary rows, which an edit or a deletion in the admin
    does not touch: the check-in's signals raise the epoch, and the page equals a fresh computation."""
    from django.core.cache import cache

    from drivers_home.stats import traffic

    def fresh(start, end):
        cache.clear()
        return traffic(alice, start, end)

    today = timezone.localdate()
    start = today - timedelta(days=30)
    checkin_create(driver=drivers[0], site=home, now=at(today - timedelta(days=3)))
    for driver in drivers[:3]:
        checkin_create(driver=driver, site=home)
    before = traffic(alice, start, today)  # cached now
    assert (before["distinct_drivers"], before["repeat_visitors"]) == (3, 1)
    checkin = CheckIn.objects.filter(driver=drivers[1]).get()
    if change == "delete":
        checkin.delete()
    elif change == "move to another park":
        checkin.site = far
        checkin.save()
    else:
        checkin.created -= timedelta(days=1)
        checkin.save()
    after = traffic(alice, start, today)
    assert after == fresh(start, today)
    assert after["distinct_drivers"] == 2
