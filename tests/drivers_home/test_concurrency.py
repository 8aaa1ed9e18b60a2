"""Double taps at the same instant, on PostgreSQL: one check-in, one summary count."""

import threading

import pytest
from django.db import connection

from drivers_home.models import CheckIn, DailyStat, FloatingMemberRequest
from drivers_home.services import checkin_create, desk_checkin, floating_request_create

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
def test_poster_and_desk_at_once_make_one_checkin(dan, dora, home, run):
    """The desk locks the site and then the profile; the poster locks the profile, and its COMMIT checks the
    check-in's foreign key to the site (FOR KEY SHARE on the site's row): neither may wait for the other, and
    the driver is checked in once. Before the desk's lock was FOR NO KEY UPDATE, 2 runs of 3 deadlocked."""

    def tap(i):
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
