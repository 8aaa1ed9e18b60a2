"""The event list without a filter reads its count, its page (with places held and the driver's own
registrations) and the kinds by statements prepared once per connection, and writes its rows in Python: the
same list as the filtered path (the ORM, attach_taken, the registrations query), the same rows as the
template's old loop, in every state, for every kind of visitor, in both languages, with user text escaped.
The first page's statement also reads the count and the kinds' generation: the kinds are kept per process
under it, and an edited kind shows on the next request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from activities.models import Event, EventKind
from activities.services import (
    FamilyEntry,
    registration_cancel,
    registration_checkin,
    registration_create,
)
from activities.views.public import KIND_TABLES, list_rows_html, places_badge
from drivers_home.models import Site
from parkportal.roles import Role
from parkportal.rows import PreparedQuery
from tests.activities.conftest import drivers, make_event
from tests.conftest import make_user
from tests.generations import assert_keyed_and_triggered, statements, tables_read

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")
MARKUP = "<b>x</b> & \"q\" 'a'"

# templates/activities/event_list.html's loop before the rows were written in Python.
OLD_LOOP = Template(
    """{% load i18n %}{% for event in page.object_list %}
  <li class="event-item">
    <a href="{{ detail_prefix }}{{ event.pk }}/">
      <span class="event-when">{{ event.starts_at|date:"n月j日 D H:i" }}</span>
      <strong class="event-title">{{ event.title }}</strong>
      <span class="muted">{{ event.kind }} · {{ event.venue }}</span>
    </a>
    <span class="event-state">{{ event.places_badge }}
    {% if event.mine %}<span class="badge">{% if event.mine == "waiting" %}{% translate "On the waiting list" %}{% else %}{% translate "Registered" %}{% endif %}</span>{% endif %}</span>
  </li>
{% endfor %}"""
)


def _html(response) -> str:
    # The CSRF token is masked afresh for every response.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _ul(html: str) -> str:
    return re.search(r'<ul class="event-list">.*?</ul>', html, re.S).group()


@pytest.fixture
def many(park, other_park, tree, kinds, dong, wang, desi):
    """45 upcoming events (three pages) in every state, some past, cancelled, draft or in another park, and
    dong's registrations in every state."""
    now = timezone.now()
    site = Site.objects.create(park=park, name=MARKUP)
    events = []
    for i in range(45):
        start = now + timedelta(hours=2 + (i // 3))  # three at each time: the order falls back to the id
        events.append(
            make_event(
                park,
                kinds["clinic" if i % 2 else "school"],
                tree["b1"],
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=[None, 1, 2, 30][i % 4],
                site=site if i % 5 == 0 else None,
                allow_family=True,
                title=MARKUP if i == 4 else f"活动 {i}",
            )
        )
    running = make_event(park, kinds["legal"], tree["b1"])
    make_event(park, kinds["legal"], tree["b1"], starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    make_event(park, kinds["legal"], tree["b1"], status="draft")
    make_event(park, kinds["legal"], tree["b1"], status="cancelled")
    make_event(other_park, kinds["legal"], tree["b2"], title="别的园区")
    people = drivers(park, 3)
    registration_create(event=events[1], user=people[0])  # full
    registration_create(event=events[6], user=people[0], family=[FamilyEntry("小", "儿子", 5)])  # 2 places: full
    registration_create(event=events[3], user=people[1])
    registration_create(event=events[1], user=dong)  # waiting
    registration_create(event=events[2], user=dong)  # confirmed
    attended, _ = registration_create(event=running, user=dong)
    registration_checkin(registration=attended, by=desi)
    # Started an hour ago, not ended: still upcoming.
    Event.objects.filter(pk=running.pk).update(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    dropped, _ = registration_create(event=events[0], user=dong)
    registration_cancel(registration=dropped, by=dong)
    registration_create(event=events[2], user=wang)
    return events


def _visitors(park, dong, wang):
    return {
        "anonymous": None,
        "dong": dong,
        "wang": wang,
        "admin": make_user("admin", Role.PARK_ADMIN, park),
        "parkless driver": make_user("roaming", Role.DRIVER, None, phone="13912340009"),
    }


def _orm_rows(self, *values, shape=(), using="default"):
    return list(self.build(shape, *values).using(using))


def test_unfiltered_pages_equal_the_filtered_paths(client, park, many, dong, wang, monkeypatch):
    """`?audience=` filters nothing but takes the ORM path (attach_taken, the registrations query): the same
    rows, page by page; and the prepared statements give what the ORM gives for the same querysets."""
    seen = {}
    for name, visitor in _visitors(park, dong, wang).items():
        client.logout()
        if visitor is not None:
            client.force_login(visitor)
        for language in LANGUAGES:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            for page in (1, 2, 3):
                url = reverse("activities:event_list") + (f"?page={page}" if page > 1 else "")
                prepared = _html(client.get(url))
                filtered = client.get(reverse("activities:event_list"), {"audience": "", "page": page})
                assert _ul(prepared) == _ul(filtered.content.decode()), (name, language, page)
                with monkeypatch.context() as patch:
                    patch.setattr(PreparedQuery, "rows", _orm_rows)
                    assert _html(client.get(url)) == prepared, (name, language, page)
                seen[name, language, page] = prepared
    # Soonest first, then by id; 46 upcoming events of this park (the running one first) on three pages.
    ids = [int(pk) for page in (1, 2, 3) for pk in re.findall(r'href="/events/(\d+)/"', _ul(seen["dong", "en", page]))]
    upcoming = Event.objects.filter(park=park, status="published", ends_at__gte=timezone.now())
    assert ids == list(upcoming.order_by("starts_at", "pk").values_list("pk", flat=True)) and len(ids) == 46
    dong_page = seen["dong", "en", 1]
    assert dong_page.count("On the waiting list") == 1 and dong_page.count(">Registered<") == 2  # + attended
    assert seen["wang", "en", 1].count(">Registered<") == 1 and "On the waiting list" not in seen["wang", "en", 1]
    assert ">Registered<" not in seen["admin", "en", 1] and ">Registered<" not in seen["anonymous", "en", 1]
    assert "别的园区" in seen["anonymous", "en", 3] + seen["parkless driver", "en", 3]
    assert "<b>x</b>" not in dong_page and "&lt;b&gt;x&lt;/b&gt; &amp; &quot;q&quot; &#x27;a&#x27;" in dong_page


@pytest.mark.parametrize("language", LANGUAGES)
def test_rows_equal_the_templates_loop(park, tree, kinds, dong, language):
    """Every weekday, one- and two-digit months, days and hours, a time that is another day in UTC, every
    places badge and registration state, markup in every text."""
    tz = timezone.get_current_timezone()
    kind = EventKind.objects.create(park=park, slug="markup", name=MARKUP)
    site = Site.objects.create(park=park, name=MARKUP)
    starts = [datetime(2027, 1, 4 + day, 9, 5, tzinfo=tz) for day in range(7)]
    starts += [datetime(2027, 12, 31, 23, 59, tzinfo=tz), datetime(2027, 10, 10, 0, 30, tzinfo=tz)]
    events = []
    for i, start in enumerate(starts):
        events.append(
            make_event(
                park,
                kind if i % 2 else kinds["clinic"],
                tree["b1"],
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=[None, 1, 3][i % 3],
                site=site if i % 3 == 1 else None,
                venue_text=MARKUP if i % 2 else "",
                title=MARKUP if i % 2 else f"活动 {i}",
            )
        )
    registration_create(event=events[1], user=drivers(park, 1)[0])  # full
    shown = list(Event.objects.filter(pk__in=[e.pk for e in events]).order_by("starts_at"))
    with translation.override(language):
        for i, event in enumerate(shown):
            event.mine = [None, "confirmed", "waiting", "attended"][i % 4]
            event.places_badge = places_badge(event)
        old = OLD_LOOP.render(Context({"page": {"object_list": shown}, "detail_prefix": "/events/"}))
        assert list_rows_html(shown, "/events/") == old
    assert "<b>" not in old and old.count("&lt;b&gt;x&lt;/b&gt;") >= 9


def _queries(client, url: str) -> tuple[list[str], str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return statements(ctx.captured_queries), response.content.decode()


def test_the_first_page_is_one_statement_with_its_count_and_the_kinds_generation(client, many, dong, kinds):
    client.force_login(dong)
    url = reverse("activities:event_list")
    _queries(client, url)  # the kinds are read once, then kept
    first, html = _queries(client, url)
    # The session with its user, and the page of events with the list's length and the kinds' generation.
    assert len(first) == 2, "\n".join(first)
    assert "Page 1 of 3" in html
    assert kinds["clinic"].name in _ul(html) and kinds["school"].name in _ul(html)
    # Another page counts first (an offset from the address prepares nothing before the pager checked it); its
    # filter form is bound to the address and reads its own choices (as before: the kinds kept serve the rows).
    second, html = _queries(client, url + "?page=2")
    assert len(second) == 4, "\n".join(second)
    assert 'SELECT COUNT(*) AS "n"' in second[1] and "LIMIT 20 OFFSET 20" in second[2]
    assert "Page 2 of 3" in html in html
    # A page past the end is the last one, as the pager answers it.
    _sql, html = _queries(client, url + "?page=99")
    assert "Page 3 of 3" in html in html


def test_an_edited_kind_shows_on_the_next_request(client, many, dong, kinds):
    client.force_login(dong)
    url = reverse("activities:event_list")
    _sql, before = _queries(client, url)
    assert "义诊新名" not in before
    # QuerySet.update(), not save(): the generation trigger sees every write, not only the model's.
    EventKind.objects.filter(pk=kinds["clinic"].pk).update(name="义诊新名")
    sql, after = _queries(client, url)
    # The kinds are read again under the new generation, and the filter's form, kept per set of kinds, is
    # drawn again (it reads its own choices).
    assert len(sql) == 4, "\n".join(sql)
    assert_keyed_and_triggered(tables_read([sql[2]]), KIND_TABLES, "the kinds kept read a table not in their key")
    assert '"muted">义诊新名 · ' in _ul(after)  # the rows' kind names
    assert re.search(r"<option[^>]*>义诊新名</option>", after)  # and the filter's choices
    assert f'"muted">{kinds["clinic"].name} · ' in _ul(before)
    assert f'"muted">{kinds["clinic"].name} · ' not in after and f">{kinds['clinic'].name}</option>" not in after
    assert len(_queries(client, url)[0]) == 2  # kept again


def test_a_list_without_events_counts_nothing_and_still_offers_the_kinds(client, park, kinds, dong):
    client.force_login(dong)
    _queries(client, reverse("activities:event_list"))  # the filter's form is drawn once, then kept
    sql, html = _queries(client, reverse("activities:event_list"))
    assert "No upcoming events." in html in html
    assert "pagination" not in html
    assert re.search(rf"<option[^>]*>{kinds['clinic'].name}</option>", html)
    # The session with its user, the (empty) page, the kinds: no count, the empty first page is a count of 0.
    assert len(sql) == 3, "\n".join(sql)
