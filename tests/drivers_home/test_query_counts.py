"""The staff pages run the same number of queries for 5 and for 50 rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drivers_home.services import checkin_create, floating_request_create
from tests.drivers_home.conftest import make_driver


def _grow(n: int, site, park):
    now = timezone.now()
    for i in range(n):
        driver = make_driver(f"grow{n}-{i}", f"135{n:02d}{i:06d}", f"司机{i}")
        checkin_create(driver=driver, site=site, now=now - timedelta(minutes=i))
        checkin_create(driver=driver, site=site, now=now - timedelta(days=2, minutes=i))
        floating_request_create(
            driver=driver,
            park=park,
            home_organisation="某党支部",
            certificate=f"LD{i}",
            home_contact_phone="02888888888",
        )


def _count(client, url: str) -> int:
    # Once to warm the caches (traffic: distinct drivers of the closed days, today's part), then the
    # steady state; tests/test_query_budgets.py holds the cold requests to the same budget.
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("who", "url", "budget"),
    [
        # The session with its user, then (warm) today's summary rows with the epoch, the floating requests
        # (today's fingerprint comes from them) and the names' generation: the content is kept under them.
        ("alice", "/home/traffic/", 2),
        # The same, then the site and service names.
        ("alice", "/home/traffic/export.xlsx", 3),
        # The session with its user, count, page of requests with driver+profile+organisation.
        ("alice", "/home/floating/", 3),
        # The session with its user, sites, services, desk staff (prefetches).
        ("alice", "/home/sites/", 4),
        # The session with its user, site with the count of who is inside, today's summary with the service
        # names, page of who is inside.
        ("dora", "/home/desk/{site}/", 4),
    ],
)
def test_query_counts_do_not_grow(client, request, park, home, dora, alice, who, url, budget):
    client.force_login(request.getfixturevalue(who))
    url = url.format(site=home.pk)
    _grow(5, home, park)
    small = _count(client, url)
    _grow(45, home, park)
    large = _count(client, url)
    assert small == large <= budget, (small, large)


def test_my_page_constant(client, dan, home, station):
    client.force_login(dan)
    now = timezone.now()
    for i in range(5):
        checkin_create(driver=dan, site=home, now=now - timedelta(days=i))
    small = _count(client, "/home/me/")
    for i in range(5, 50):
        checkin_create(driver=dan, site=station, now=now - timedelta(days=i))
    large = _count(client, "/home/me/")
    # The session with its user, profile, count, page, services prefetch, floating requests.
    assert small == large <= 7
