"""The statements of stats.py written as SQL give what the querysets they replaced gave (PostgreSQL and SQLite)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Cast
from django.utils import timezone

from drivers_home import stats
from drivers_home.models import DailyStat, FloatingMemberRequest, Service, Site
from drivers_home.services import checkin_create, checkin_set_services, floating_request_create
from tests.drivers_home.conftest import make_driver


def _old_today_rows(site: Site) -> list[tuple]:
    """Round 3's query of stats.today_at_site."""
    name = Case(
        When(
            kind=DailyStat.Kind.SERVICE,
            then=Subquery(Service.objects.filter(pk=Cast(OuterRef("key"), IntegerField())).values("name")[:1]),
        ),
        default=None,
    )
    return list(
        DailyStat.objects.filter(site=site, day=timezone.localdate(), kind__in=["hour", "service"])
        .annotate(name=name)
        .values_list("kind", "key", "count", "name")
    )


def _old_today_at_site(site: Site) -> dict:
    rows = _old_today_rows(site)
    by_hour_raw = {int(k): n for kind, k, n, _name in rows if kind == "hour"}
    services = [(name or k, n) for kind, k, n, name in rows if kind == "service" and n]
    hours = [(h, by_hour_raw.get(h, 0)) for h in range(24) if by_hour_raw.get(h)]
    return {
        "today": timezone.localdate(),
        "count": sum(by_hour_raw.values()),
        "hours": hours,
        "max_hour": max(by_hour_raw.values(), default=0) or 1,
        "services": sorted(services, key=lambda x: -x[1]),
    }


def test_today_at_site_is_the_querysets(park, home, station, services, dan, dave):
    assert stats.today_at_site(home) == _old_today_at_site(home)  # nothing yet
    now = timezone.now()
    a, _ = checkin_create(driver=dan, site=home, now=now - timedelta(minutes=5))
    b, _ = checkin_create(driver=dave, site=home)
    checkin_create(driver=dan, site=station)
    checkin_create(driver=dave, site=home, now=now - timedelta(days=1))  # yesterday: not on the page
    checkin_set_services(checkin=a, services=services)
    checkin_set_services(checkin=b, services=services[1:])
    checkin_set_services(checkin=b, services=services[2:])  # a service unticked: its row stays at 0
    Service.objects.filter(pk=services[2].pk).update(name="<b>充电&</b>")  # names are read now
    for site in (home, station):
        assert stats.today_at_site(site) == _old_today_at_site(site)
    figures = stats.today_at_site(home)
    assert figures["count"] == 2 and figures["services"][0] == ("<b>充电&</b>", 2)


@pytest.mark.parametrize("which", [("sites",), ("services",), ("sites", "services"), ("sites", "services", "unknown")])
def test_names_are_the_querysets(home, station, far, services, which):
    site_ids = [home.pk, station.pk, far.pk] if "sites" in which else []
    service_ids = [s.pk for s in services] if "services" in which else []
    if "unknown" in which:
        site_ids.append(999_999)
        service_ids.append(999_998)
    sites = Site.objects.filter(pk__in=site_ids)
    expected = (
        dict(sites.values_list("pk", "name")),
        dict(Service.objects.filter(pk__in=service_ids).values_list("pk", "name")),
    )
    assert stats._names(site_ids, service_ids) == expected
    assert stats._names([], []) == ({}, {})


def test_floating_counts_are_the_aggregate(park, other_park, tree):
    drivers = [make_driver(f"f{i}", f"1370000{i:04d}", f"司机{i}") for i in range(5)]
    for i, driver in enumerate(drivers):
        request = floating_request_create(
            driver=driver,
            park=park if i < 4 else other_park,
            home_organisation="某党支部",
            certificate=f"LD{i}",
            home_contact_phone="02888888888",
        )
        mine = FloatingMemberRequest.objects.filter(pk=request.pk)
        if i in (1, 2):
            mine.update(status=FloatingMemberRequest.Status.ACCEPTED, organisation=tree["g1"])
        if i == 0:
            mine.update(status=FloatingMemberRequest.Status.DECLINED)
        if i == 3:
            mine.update(created=timezone.now() - timedelta(days=40))
    today = timezone.localdate()
    for start in (today - timedelta(days=10), today - timedelta(days=60), today):
        lo, hi = stats.day_bounds(start, today)
        for park_id in (park.pk, other_park.pk):
            expected = FloatingMemberRequest.objects.filter(park_id=park_id, created__gte=lo, created__lt=hi).aggregate(
                found=Count("pk"), accepted=Count("pk", filter=Q(status=FloatingMemberRequest.Status.ACCEPTED))
            )
            assert stats._floating_counts(park_id, lo, hi) == expected
    lo, hi = stats.day_bounds(today - timedelta(days=60), today)
    assert stats._floating_counts(park.pk, lo, hi) == {"found": 4, "accepted": 2}


@pytest.mark.parametrize("who", ["alice", "sam", "olga"])
def test_todays_rows_statement_is_the_fingerprint_summary_and_floating_counts(
    request, park, other_park, home, station, far, services, dan, dave, who
):
    """The traffic page's prepared statement of today (stats._today_rows): its rows give the fingerprint of
    _today_fingerprint, the summary of _summary_of_day over DailyStat.visible_to, and _floating_counts."""
    from drivers_home.models import DriverYearEpoch

    user = request.getfixturevalue(who)
    checkin_create(driver=dan, site=home)
    checkin_create(driver=dave, site=station)
    checkin_create(driver=dave, site=far)
    checkin_set_services(checkin=dan.checkins.get(), services=services[:2])
    DriverYearEpoch.objects.create(park=park, epoch=7)
    floating_request_create(
        driver=dan, park=park, home_organisation="某党支部", certificate="LD1", home_contact_phone="02888888888"
    )
    today = timezone.localdate()
    for start in (today - timedelta(days=30), today):
        lo, hi = stats.day_bounds(start, today)
        rows = stats._today_rows.rows(user.pk, user.park_id, lo, hi, shape=(user.role, today))
        assert rows, who  # each park has a check-in today
        count = sum(r["count"] for r in rows if r["kind"] == DailyStat.Kind.HOUR)
        assert (int(rows[0]["epoch"] or 0), count) == stats._today_fingerprint(user.park_id, today)
        expected = stats._summary_of_day(DailyStat.objects.visible_to(user), today)
        assert stats._summary_of_rows(rows, today) == expected
        floating = {"found": rows[0]["floating_found"], "accepted": rows[0]["floating_accepted"]}
        assert floating == stats._floating_counts(user.park_id, lo, hi)
        assert floating["found"] == (1 if who != "olga" else 0)
