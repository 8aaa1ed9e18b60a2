"""The traffic page's content is kept in the process under what it shows (drivers_home.views.staff._content_memo,
keyed by stats.traffic_today): served again while nothing it shows has changed, computed again after any change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from drivers_home import stats
from drivers_home.models import Service, Site
from drivers_home.services import checkin_create, checkin_set_services, floating_request_create
from tests.generations import assert_keyed_and_triggered, statements, tables_read


def _get(client, url: str = "/home/traffic/", **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def _content(response) -> str:
    """The page's content block (the rest of the page carries a fresh CSRF token each time)."""
    return str(response.context["content"])


def _computed(response) -> bool:
    """Whether the request computed the figures (they are in the context only then)."""
    return "f" in response.context


@pytest.fixture
def visited(alice, dan, dave, home, station, services):
    now = timezone.now()
    checkin_create(driver=dan, site=home, now=now - timedelta(days=2))
    checkin, _created = checkin_create(driver=dave, site=home, now=now - timedelta(seconds=30))
    return checkin


def test_the_content_is_served_again_while_nothing_changes(client, alice, visited):
    client.force_login(alice)
    first, cold = _get(client)
    again, warm = _get(client)
    assert _computed(first) and not _computed(again)
    assert _content(again) == _content(first)
    # The session with its user, today's rows (with the epoch, the floating requests and the names' generation);
    # the names were read for the first.
    assert warm == 2 and cold > warm


def test_each_change_of_what_it_shows_is_shown_at_once(
    client, alice, dan, dave, park, home, station, services, visited
):
    now = timezone.now()

    def total(n):
        return lambda f, html: f["total"] == n and f'id="total">{n}<' in html

    changes = [
        ("a check-in today", lambda: checkin_create(driver=dan, site=station), total(3)),
        (
            "services ticked today",
            lambda: checkin_set_services(checkin=visited, services=[services[2]]),
            lambda f, html: dict(f["services"]) == {"手机充电": 1} and "手机充电" in html,
        ),
        (
            "a service renamed",
            lambda: Service.objects.filter(pk=services[2].pk).update(name="热水"),
            lambda f, html: "热水" in html and "手机充电" not in html,
        ),
        (
            "a site renamed",
            lambda: Site.objects.filter(pk=station.pk).update(name="南门驿站"),
            lambda f, html: "南门驿站" in html and station.name not in html,
        ),
        (
            "a back-dated check-in",
            lambda: checkin_create(driver=dave, site=station, now=now - timedelta(days=1)),
            total(4),
        ),
        (
            "a floating member found",
            lambda: floating_request_create(
                driver=dan, park=park, home_organisation="某党支部", certificate="LD1", home_contact_phone="02888888888"
            ),
            lambda f, html: f["floating_found"] == 1 and "已接收 0 人" in html,
        ),
    ]
    client.force_login(alice)
    before, _n = _get(client)
    assert before.context["f"]["floating_found"] == 0
    for what, change, shows in changes:
        change()
        after, _n = _get(client)
        assert _computed(after), what
        assert _content(after) != _content(before), what
        assert shows(after.context["f"], _content(after)), what
        kept, _n = _get(client)
        assert not _computed(kept) and _content(kept) == _content(after), what
        before = after


def test_languages_and_periods_are_kept_apart(client, alice, visited):
    client.force_login(alice)
    chinese, _n = _get(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("en"):
        english, _n = _get(client, HTTP_ACCEPT_LANGUAGE="en")
    assert _computed(chinese) and _computed(english)
    assert "按时段" in chinese.content.decode() and "Per hour of the day" not in chinese.content.decode()
    assert "Per hour of the day" in english.content.decode()
    start = (timezone.localdate() - timedelta(days=1)).isoformat()
    shorter, _n = _get(client, f"/home/traffic/?start={start}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert _computed(shorter) and shorter.context["f"]["total"] == 1
    again, _n = _get(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert not _computed(again) and _content(again) == _content(chinese)


def test_the_names_come_from_the_tables_in_the_key(db, home, station, services):
    with CaptureQueriesContext(connection) as ctx:
        sites, names = stats._names([home.pk, station.pk], [s.pk for s in services])
    assert sites == {home.pk: home.name, station.pk: station.name}
    assert names == {s.pk: s.name for s in services}
    read = tables_read(statements(ctx.captured_queries))
    assert_keyed_and_triggered(read, stats.NAME_TABLES, "the traffic page's names are read from a table not in its key")


def test_nothing_is_kept_without_a_checkin_today(client, alice, dan, home):
    checkin_create(driver=dan, site=home, now=timezone.now() - timedelta(days=2))
    client.force_login(alice)
    first, _n = _get(client)
    again, _n = _get(client)
    assert _computed(first) and _computed(again)
    assert again.context["f"]["total"] == 1
