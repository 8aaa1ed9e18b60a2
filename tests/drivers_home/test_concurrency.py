"""Double taps at the same instant, on PostgreSQL: one check-in, one summary count."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from drivers_home.models import CheckIn, DailyStat, DriverYear, FloatingMemberRequest
from drivers_home.services import checkin_create, checkin_create_by_token, desk_checkin, floating_request_create
from tests.drivers_home.conftest import make_driver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("run", range(3))
def test_concurrent_double_taps_make_one_checkin(dan, home, run):
    results = _race(12, lambda: checkin_create(driver=dan, site=home))
    assert CheckIn.objects.filter(driver=dan, site=home).count() == 1
    assert sum(1 for _c, created in results if created) == 1
    assert len({c.pk for c, _created in results}) == 1
    assert sum(DailyStat.objects.filter(kind="hour").values_list("count", flat=True)) == 1


def test_concurrent_taps_of_two_drivers_count_both(dan, dave, home):
    _race(8, lambda: checkin_create(driver=dan, site=home))
    _race(8, lambda: checkin_create(driver=dave, site=home))
    assert CheckIn.objects.count() == 2
    assert sum(DailyStat.objects.filter(kind="hour").values_list("count", flat=True)) == 2


@pytest.mark.parametrize("run", range(3))
def test_concurrent_double_taps_on_the_poster_make_one_checkin(dan, home, run):
    """The poster's path takes the site and the profile lock in one statement: still one check-in, counted
    once in every summary row and in the visiting days."""
    results = _race(12, lambda: checkin_create_by_token(driver=dan, token=home.token))
    assert CheckIn.objects.filter(driver=dan, site=home).count() == 1
    assert sum(1 for _c, created in results if created) == 1
    assert len({c.pk for c, _created in results}) == 1
    assert sorted(DailyStat.objects.values_list("kind", "count")) == [("hour", 1), ("province", 1), ("vehicle", 1)]
    day = timezone.localtime(CheckIn.objects.get().created).date()
    assert getattr(DriverYear.objects.get(driver=dan), f"m{day.month}") == 1 << (day.day - 1)


def test_many_drivers_tapping_at_once_are_each_counted_once(home, station):
    """12 drivers, each tapping three times at once at one of two sites: 12 check-ins, and the summary's
    counts per site and per province add up to them."""
    drivers = [
        make_driver(f"race{i}", f"1390000{i:04d}", f"司机{i}", province=("四川", "湖南")[i % 2]) for i in range(12)
    ]
    sites = [home, station]
    taps = iter([(d, sites[i % 2]) for i, d in enumerate(drivers)] * 3)
    _race(36, lambda: (lambda d, s: checkin_create_by_token(driver=d, token=s.token))(*next(taps)))
    assert CheckIn.objects.count() == 12
    for i, driver in enumerate(drivers):
        assert CheckIn.objects.get(driver=driver).site == sites[i % 2]
    for site in sites:
        rows = DailyStat.objects.filter(site=site)
        assert sum(rows.filter(kind="hour").values_list("count", flat=True)) == 6
        assert sorted(rows.filter(kind="province").values_list("key", "count")) == [
            ("四川" if site == home else "湖南", 6)
        ]
    assert DriverYear.objects.count() == 12


@pytest.mark.parametrize("poster", ["by token", "by site"])
@pytest.mark.parametrize("run", range(3))
def test_poster_and_desk_at_once_make_one_checkin(dan, dora, home, run, poster):
    """The desk locks the site and then the profile; the poster locks the profile, and its COMMIT checks the
    check-in's foreign key to the site (FOR KEY SHARE on the site's row): neither may wait for the other, and
    the driver is checked in once. Before the desk's lock was FOR NO KEY UPDATE, 2 runs of 3 deadlocked."""

    def tap(i):
        if i % 2 and poster == "by token":  # the poster's view: site and profile lock in one statement
            return checkin_create_by_token(driver=dan, token=home.token)
        if i % 2:
            return checkin_create(driver=dan, site=home)
        checkin, created, _new = desk_checkin(site=home, staff=dora, phone=dan.phone)
        return checkin, created

    taps = iter(range(12))
    results = _race(12, lambda: tap(next(taps)))
    assert CheckIn.objects.filter(driver=dan).count() == 1
    assert sum(1 for _c, created in results if created) == 1
    assert sum(DailyStat.objects.filter(kind="hour").values_list("count", flat=True)) == 1


def test_concurrent_party_member_requests_make_one(dan, park):
    _race(
        8,
        lambda: floating_request_create(
            driver=dan, park=park, home_organisation="某党支部", certificate="LD1", home_contact_phone="02888888888"
        ),
    )
    assert FloatingMemberRequest.objects.filter(driver=dan).count() == 1


def test_double_submitted_desk_form_for_a_new_driver_makes_one_driver(dora, home):
    from drivers_home.models import DriverProfile
    from drivers_home.services import desk_checkin

    _race(6, lambda: desk_checkin(site=home, staff=dora, phone="13300000000", plate="川B54321", spoken_consent=True))
    assert DriverProfile.objects.filter(plate="川B54321").count() == 1
    assert CheckIn.objects.filter(site=home).count() == 1
