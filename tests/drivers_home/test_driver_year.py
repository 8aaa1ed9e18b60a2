"""Distinct drivers and repeat visitors from the per-year day bits equal the answer from the check-ins."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from drivers_home.models import CheckIn, DriverYear
from drivers_home.services import checkin_create, driver_account_delete, driver_years_rebuild
from drivers_home.stats import _distinct_and_repeat_from_checkins, day_bounds, distinct_and_repeat
from tests.drivers_home.conftest import make_driver


@pytest.fixture
def visits(home, station):
    rng = random.Random(7)
    drivers = [make_driver(f"y{i}", f"1350000{i:04d}", f"司机{i}") for i in range(12)]
    tz = timezone.get_current_timezone()
    start = date(2025, 11, 20)
    for _ in range(120):
        day = start + timedelta(days=rng.randrange(70))  # across a month end and a year end
        at = timezone.make_aware(datetime.combine(day, time(rng.randrange(24), rng.randrange(60))), tz)
        checkin_create(driver=rng.choice(drivers), site=rng.choice([home, station]), now=at)
    return drivers


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2025, 11, 20), date(2026, 1, 28)),  # two years
        (date(2025, 12, 1), date(2025, 12, 31)),  # one whole month
        (date(2025, 12, 30), date(2026, 1, 2)),  # across new year, partial months
        (date(2026, 1, 5), date(2026, 1, 5)),  # one day
        (date(2024, 1, 1), date(2024, 12, 31)),  # nothing
    ],
)
def test_bits_agree_with_the_checkins(park, visits, start, end):
    lo, hi = day_bounds(start, end)
    expected = _distinct_and_repeat_from_checkins(CheckIn.objects.filter(created__gte=lo, created__lt=hi))
    assert distinct_and_repeat(park.pk, start, end) == expected
    # And a rebuild from the check-ins (the seed's path) gives the same rows.
    before = sorted(DriverYear.objects.values_list("driver_id", "year", *[f"m{i}" for i in range(1, 13)]))
    driver_years_rebuild(site_ids=list(park.sites.values_list("pk", flat=True)))
    after = sorted(DriverYear.objects.values_list("driver_id", "year", *[f"m{i}" for i in range(1, 13)]))
    assert before == after


def test_a_deleted_driver_still_counts_but_is_gone(park, dan, home):
    checkin_create(driver=dan, site=home)
    driver_account_delete(user=dan)
    row = DriverYear.objects.get()
    assert row.driver_id is None
    today = timezone.localdate()
    assert distinct_and_repeat(park.pk, today, today) == (1, 0)
