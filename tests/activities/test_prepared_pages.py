"""The event page and the ticket read their row through a statement prepared once per connection
(parkportal.rows.PreparedQuery): every page must be the one the ORM's own evaluation of the same queryset
gives, in every state, for every kind of visitor, in both languages, with user text escaped."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from activities.models import FamilyMember, Registration
from activities.services import (
    FamilyEntry,
    event_cancel,
    registration_cancel,
    registration_checkin,
    registration_create,
)
from parkportal.roles import Role
from parkportal.rows import PreparedQuery
from tests.activities.conftest import drivers, make_event
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")
MARKUP = "<script>alert('x')</script> & \"q\""


def _orm_rows(self, *values, shape=(), using="default"):
    """What PreparedQuery.rows stands for: the ORM evaluating the same queryset with the request's values."""
    return list(self.build(shape, *values).using(using))


def _page(client, url: str, language: str, *, orm: bool, monkeypatch) -> tuple[int, str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with monkeypatch.context() as patch:
        if orm:
            patch.setattr(PreparedQuery, "rows", _orm_rows)
        response = client.get(url)
    # The CSRF token is masked afresh for every response.
    return response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _assert_same_pages(client, urls, monkeypatch) -> list[str]:
    pages = []
    for url in urls:
        for language in LANGUAGES:
            prepared = _page(client, url, language, orm=False, monkeypatch=monkeypatch)
            assert prepared == _page(client, url, language, orm=True, monkeypatch=monkeypatch), (url, language)
            pages.append(prepared)
    return pages


@pytest.fixture
def events(park, other_park, tree, kinds, dong, wang):
    """An event in every state a driver meets, and dong's and wang's registrations in every state."""
    unlimited = make_event(park, kinds["clinic"], tree["b1"], capacity=None, title="不限名额")
    full = make_event(park, kinds["clinic"], tree["b1"], capacity=1, title="满员")
    open_ = make_event(park, kinds["school"], tree["b1"], capacity=30, allow_family=True, partners="卫健委")
    cancelled = make_event(park, kinds["legal"], tree["b2"], title="取消了")
    draft = make_event(park, kinds["legal"], tree["b2"], status="draft")
    foreign = make_event(other_park, kinds["legal"], tree["b2"], title="别的园区")
    someone = drivers(park, 1)[0]
    registration_create(event=full, user=someone)
    waiting, _ = registration_create(event=full, user=dong)  # waits behind `someone`
    confirmed, _ = registration_create(event=open_, user=dong, family=[FamilyEntry("董小妹", "女儿", 8)])
    theirs, _ = registration_create(event=open_, user=wang)
    dropped, _ = registration_create(event=unlimited, user=dong)
    registration_cancel(registration=dropped, by=dong)
    on_cancelled, _ = registration_create(event=cancelled, user=dong)
    event_cancel(event=cancelled, notify=False)
    attended, _ = registration_create(event=unlimited, user=wang)
    return {
        "events": [unlimited, full, open_, cancelled, draft, foreign],
        "tickets": {
            "waiting": waiting,
            "confirmed": confirmed,
            "theirs": theirs,
            "cancelled": dropped,
            "event cancelled": on_cancelled,
            "attended": attended,
        },
    }


def _visitors(park, dong, wang, desi):
    return {
        "anonymous": None,
        "dong": dong,
        "wang": wang,
        "desk": desi,
        "admin": make_user("admin", Role.PARK_ADMIN, park),
        "parkless driver": make_user("roaming", Role.DRIVER, None, phone="13912340009"),
    }


def test_event_pages_equal_the_orms(client, park, events, dong, wang, desi, monkeypatch):
    urls = [reverse("activities:event_detail", args=[event.pk]) for event in events["events"]]
    urls.append(reverse("activities:event_detail", args=[2**63]))  # no such id, and too big for a column
    statuses = {}
    for name, visitor in _visitors(park, dong, wang, desi).items():
        client.logout()
        if visitor is not None:
            client.force_login(visitor)
        statuses[name] = [status for status, _html in _assert_same_pages(client, urls, monkeypatch)]
    # Six events and a missing one, in two languages: the draft and the missing one are never shown, the
    # other park's event only to those without a park of their own.
    assert statuses["dong"] == [200] * 8 + [404] * 6
    assert statuses["anonymous"] == statuses["parkless driver"] == [200] * 8 + [404, 404, 200, 200, 404, 404]


def test_event_page_shows_the_drivers_own_registration_in_every_state(client, events, dong, monkeypatch):
    client.force_login(dong)
    unlimited, full, open_, cancelled, *_ = events["events"]
    pages = {
        event.title: html
        for event, (_status, html) in zip(
            [unlimited, full, open_, cancelled],
            _assert_same_pages(
                client, [reverse("activities:event_detail", args=[e.pk]) for e in (unlimited, full, open_, cancelled)],
                monkeypatch,
            )[::2],
            strict=True,
        )
    }  # fmt: skip
    tickets = events["tickets"]
    assert tickets["cancelled"].ticket_code not in pages[unlimited.title]  # cancelled: not theirs any more
    assert tickets["waiting"].ticket_code in pages[full.title]
    assert tickets["confirmed"].ticket_code in pages[open_.title]
    assert tickets["theirs"].ticket_code not in pages[open_.title]


def test_tickets_equal_the_orms(client, park, events, dong, wang, desi, monkeypatch):
    tickets = events["tickets"]
    registration_checkin(registration=tickets["attended"], by=desi)
    urls = [reverse("activities:ticket", args=[reg.ticket_code]) for reg in tickets.values()]
    urls.append(reverse("activities:ticket", args=["no-such-code"]))
    for name, visitor in _visitors(park, dong, wang, desi).items():
        client.logout()
        if visitor is not None:
            client.force_login(visitor)
        statuses = [status for status, _html in _assert_same_pages(client, urls, monkeypatch)]
        if name == "dong":  # his own four, wang's two and the missing one
            assert statuses == [200] * 4 + [404] * 2 + [200] * 4 + [404] * 4
        elif name == "wang":
            assert statuses == [404] * 4 + [200] * 2 + [404] * 4 + [200] * 2 + [404] * 2
        elif name == "anonymous":
            assert set(statuses) == {302}
        elif name == "parkless driver":
            assert set(statuses) == {404}
        else:
            assert set(statuses) == {403}


def test_a_ticket_shows_family_members_the_admin_added(client, events, dong, monkeypatch):
    """`has_family` asks the database, not `places`: a member added in the admin shows on the ticket."""
    waiting = events["tickets"]["waiting"]
    FamilyMember.objects.create(registration=waiting, name="董大妈", relation="母亲")
    client.force_login(dong)
    (status, html), _en = _assert_same_pages(
        client, [reverse("activities:ticket", args=[waiting.ticket_code])], monkeypatch
    )
    assert status == 200 and "董大妈" in html


def test_user_text_is_escaped(client, park, tree, kinds, dong, monkeypatch):
    kinds["clinic"].name = MARKUP
    kinds["clinic"].save()
    tree["b1"].name = MARKUP
    tree["b1"].save()
    event = make_event(
        park, kinds["clinic"], tree["b1"], title=MARKUP, venue_text=MARKUP, partners=MARKUP, description=MARKUP
    )
    dong.display_name = MARKUP
    dong.save()
    registration, _ = registration_create(event=event, user=dong, family=[])
    Registration.objects.filter(pk=registration.pk).update(name=MARKUP)
    FamilyMember.objects.create(registration=registration, name=MARKUP, relation="<i>&\"'")
    client.force_login(dong)
    urls = [
        reverse("activities:event_detail", args=[event.pk]),
        reverse("activities:ticket", args=[registration.ticket_code]),
    ]
    for status, html in _assert_same_pages(client, urls, monkeypatch):
        assert status == 200
        assert (
            "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;" in html
        )
        assert "<i>" not in html
    assert "&lt;i&gt;&amp;&quot;&#x27;" in html  # the family member's relation, on the ticket


def test_places_and_waiting_rank_in_the_query_equal_the_live_counts(park, tree, kinds, desi):
    """The event page reads the places held and the driver's waiting rank inside its one query, the ticket
    its waiting rank: the same figures as places_left()'s own count and waiting_rank(), through
    confirmations, check-ins, a family group, cancellations (gaps in the positions) and promotions."""
    from activities.models import Event
    from activities.services import waiting_rank
    from activities.views.public import _event_page, _ticket

    event = make_event(park, kinds["school"], tree["b1"], capacity=4, allow_family=True)
    unlimited = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    people = drivers(park, 8)
    regs = [registration_create(event=event, user=people[0], family=[FamilyEntry("小董", "儿子", 6)])[0]]
    regs += [registration_create(event=event, user=u)[0] for u in people[1:]]
    registration_create(event=unlimited, user=people[0])
    registration_checkin(registration=regs[1], by=desi)

    def check():
        for reg in Registration.objects.filter(event__in=[event, unlimited]):
            ticket = _ticket.rows(reg.ticket_code, reg.user_id, park.pk, shape=(True,))[0]
            assert ticket.rank == waiting_rank(reg)
        for person in people:
            for shown in (event, unlimited):
                row = _event_page.rows(shown.pk, person.pk, park.pk, shape=(True, True))[0]
                assert row.places_left() == Event.objects.get(pk=shown.pk).places_left()
                mine = Registration.objects.filter(event=shown, user=person).exclude(status="cancelled").first()
                assert row.my_pk == (mine.pk if mine else None)
                assert row.my_rank == (waiting_rank(mine) if mine else None)

    check()  # 1 family group of 2 and 2 others confirmed (one attended), 5 waiting
    assert [r.status for r in Registration.objects.filter(pk__in=[r.pk for r in regs]).order_by("pk")][2:4] == [
        "confirmed",
        "waiting",
    ]
    registration_cancel(registration=regs[4], by=None)  # a gap in the waiting positions
    check()
    registration_cancel(registration=regs[0], by=None)  # two places free: the first two waiting move up
    check()
    event_cancel(event=event, notify=False)
    check()


# templates/activities/event_detail.html before its share tags and facts were written in Python.
OLD_EVENT_PAGE = """{% extends "base.html" %}{% load i18n %}
{% block title %}{{ event.title }}{% endblock %}
{% block meta %}
  <meta name="description" content="{{ event.description|truncatechars:120 }}">
  <meta property="og:type" content="website">
  <meta property="og:title" content="{{ event.title }}">
  <meta property="og:description" content="{{ event.starts_at|date:'Y-m-d H:i' }} · {{ event.venue }} · {{ event.description|truncatechars:100 }}">
  <meta property="og:url" content="{{ page_url }}">
  {% if og_image %}<meta property="og:image" content="{{ og_image }}">{% endif %}
{% endblock %}
{% block head %}{% include "activities/_head.html" %}{% endblock %}
{% block content %}
<p><a href="{% url 'activities:event_list' %}">← {% translate "All events" %}</a></p>
{% if event.cover_thumb %}<img class="event-cover" src="{{ event.cover_thumb.url }}" alt="" width="320">{% endif %}
<h1>{{ event.title }}</h1>
<p>{% include "activities/_places.html" %} <span class="badge">{{ event.kind }}</span></p>
<dl class="facts panel">
  <dt>{% translate "When" %}</dt><dd>{{ event.starts_at|date:"Y-m-d D H:i" }} – {{ event.ends_at|date:"H:i" }}</dd>
  <dt>{% translate "Where" %}</dt><dd>{{ event.venue }}</dd>
  <dt>{% translate "Organiser" %}</dt><dd>{{ event.organiser }}</dd>
  {% if event.partners %}<dt>{% translate "Partners" %}</dt><dd>{{ event.partners }}</dd>{% endif %}
  <dt>{% translate "For" %}</dt><dd>{{ event.get_audience_display }}</dd>
  {% if event.registration_closes %}<dt>{% translate "Register by" %}</dt><dd>{{ event.registration_closes|date:"Y-m-d H:i" }}</dd>{% endif %}
</dl>
{% if event.description %}<div class="event-description">{{ event.description|linebreaks }}</div>{% endif %}

<section class="panel register-box">
{% if registration %}
  {% if registration.status == "waiting" %}
    <p>{% blocktranslate with n=rank %}You are number {{ n }} on the waiting list.{% endblocktranslate %}</p>
  {% else %}
    <p>{% translate "You are registered." %}</p>
  {% endif %}
  <p><a class="button big" href="{% url 'activities:ticket' registration.ticket_code %}">{% translate "Show my ticket" %}</a></p>
{% elif state == "open" %}
  {% if user.is_authenticated and user.role != "driver" %}
    <p class="muted">{% translate "Drivers register from their phones." %}</p>
  {% else %}
  <form method="post" action="{% url 'activities:event_register' event.pk %}">{% csrf_token %}
    <button type="submit" class="big">{% if places_left == 0 %}{% translate "Join the waiting list" %}{% else %}{% translate "Register" %}{% endif %}</button>
  </form>
  {% if event.allow_family %}<p><a href="{% url 'activities:event_register' event.pk %}">{% translate "Register with family members" %}</a></p>{% endif %}
  {% if not user.is_authenticated %}<p class="hint">{% translate "You will sign in with your phone number and a code by SMS, then come back here." %}</p>{% endif %}
  {% endif %}
{% elif state == "not_yet" %}
  <p>{% blocktranslate with when=event.registration_opens|date:"Y-m-d H:i" %}Registration opens {{ when }}.{% endblocktranslate %}</p>
{% elif state == "cancelled" %}
  <p>{% translate "This event has been cancelled." %}</p>
{% else %}
  <p>{% translate "Registration for this event has closed." %}</p>
{% endif %}
</section>
{% endblock %}
"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_event_page_equals_the_template_of_before(client, park, tree, kinds, dong, desi, language, settings):
    """Share tags and facts written in Python (views.public.event_meta_html, event_facts_html): the page is
    the one the template of before renders from the same context, in every state, with markup, line breaks,
    long descriptions cut at 100 and 120 characters, a cover, partners, a closing time, every weekday and
    audience, and a query string in the shared URL."""
    from datetime import timedelta

    from django.template import RequestContext, Template
    from django.utils import timezone

    from activities.models import Audience, Event

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    long_text = ("第一段 " + MARKUP + " ") * 12 + "\n\n第二段\n第三行 & <i>"
    start = timezone.localtime(timezone.now()).replace(hour=8, minute=5, second=0, microsecond=0)
    events = []
    for day, audience in zip(range(7), [*Audience.values, *Audience.values], strict=False):
        event = make_event(
            park,
            kinds["clinic" if day % 2 else "legal"],
            tree["b1"],
            starts_at=start + timedelta(days=day + 1),
            ends_at=start + timedelta(days=day + 1, hours=3, minutes=50),
            capacity=[None, 1, 30][day % 3],
            audience=audience,
            title=MARKUP if day % 2 else f"活动{day}",
            description=["", MARKUP, long_text, "短"][day % 4],
            partners=MARKUP if day % 3 == 0 else "",
            venue_text=MARKUP if day % 2 else "",
            registration_closes=(start + timedelta(days=day)) if day % 2 else None,
        )
        events.append(event)
    Event.objects.filter(pk=events[0].pk).update(cover_thumb="events/covers/2026/11/a&b <c>.jpg")
    event_cancel(event=events[3], notify=False)
    registration_create(event=events[1], user=drivers(park, 1)[0])  # full
    registration_create(event=events[1], user=dong)  # dong waits
    registration_create(event=events[2], user=dong)
    old = Template(OLD_EVENT_PAGE)
    pages = 0
    for visitor in (None, dong, desi):
        client.logout()
        if visitor is not None:
            client.force_login(visitor)
        for event in events:
            for query in ("", '?from=wechat&x="1"'):
                response = client.get(reverse("activities:event_detail", args=[event.pk]) + query)
                assert response.status_code == 200
                context = RequestContext(response.wsgi_request, response.context[0].flatten())
                expected = old.render(context)
                strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
                assert strip.sub("", response.content.decode()) == strip.sub("", expected), (event.title, query)
                pages += 1
    assert pages == 3 * 7 * 2


# templates/activities/ticket.html before the ticket was written in Python.
OLD_TICKET = """{% extends "base.html" %}{% load i18n %}
{% block title %}{% translate "Ticket" %} · {{ event.title }}{% endblock %}
{% block head %}{% include "activities/_head.html" %}{% endblock %}
{% block content %}
<h1>{{ event.title }}</h1>
<section class="ticket panel">
  {% if registration.status == "confirmed" %}
    <p class="ticket-status badge badge-ok">{% translate "Confirmed" %}</p>
    <div class="qr">{{ qr }}</div>
    <p class="hint">{% translate "Show this code at the door." %}</p>
  {% elif registration.status == "attended" %}
    <p class="ticket-status badge badge-ok">{% translate "Checked in" %}</p>
  {% elif registration.status == "waiting" %}
    <p class="ticket-status badge badge-warn">{% blocktranslate with n=rank %}Waiting list: number {{ n }}{% endblocktranslate %}</p>
    <p class="hint">{% translate "We will text you if a place becomes free." %}</p>
  {% else %}
    <p class="ticket-status badge badge-alert">{% translate "Cancelled" %}</p>
  {% endif %}
  <p class="ticket-code">{% translate "Ticket code" %} <strong>{{ registration.ticket_code }}</strong></p>
  <dl class="facts">
    <dt>{% translate "Name" %}</dt><dd>{{ registration.name }}</dd>
    <dt>{% translate "When" %}</dt><dd>{{ event.starts_at|date:"Y-m-d D H:i" }} – {{ event.ends_at|date:"H:i" }}</dd>
    <dt>{% translate "Where" %}</dt><dd>{{ event.venue }}</dd>
    <dt>{% translate "Places" %}</dt><dd>{{ registration.places }}</dd>
    {% for f in family %}<dt>{{ f.relation }}</dt><dd>{{ f.name }}{% if f.age is not None %} ({% blocktranslate with age=f.age %}{{ age }} years{% endblocktranslate %}){% endif %}</dd>{% endfor %}
  </dl>
</section>
{% if event.status == "cancelled" %}<p class="msg msg-error">{% translate "This event has been cancelled." %}</p>{% endif %}
<div class="actions">
  {% if registration.is_active %}<a class="button secondary" href="{% url 'activities:ticket_ics' registration.ticket_code %}">{% translate "Add to calendar" %}</a>{% endif %}
  <a class="button secondary" href="{% url 'activities:event_detail' event.pk %}">{% translate "Event page" %}</a>
</div>
{% if can_cancel %}
<form method="post" action="{% url 'activities:ticket_cancel' registration.ticket_code %}" class="cancel-form">{% csrf_token %}
  <button type="submit" class="secondary">{% translate "Cancel my registration" %}</button>
</form>
{% endif %}
{% endblock %}
"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_ticket_equals_the_template_of_before(client, park, tree, kinds, dong, desi, language, settings):
    """The ticket written in Python (views.public.ticket_html): the page the template of before renders from
    the same context, in every state (confirmed with its QR code, waiting with its rank, attended,
    cancelled, on a cancelled event), with family members with and without an age, and markup."""
    from django.template import RequestContext, Template

    from activities.models import FamilyMember

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    full = make_event(park, kinds["school"], tree["b1"], capacity=2, allow_family=True, title=MARKUP)
    other = make_event(park, kinds["clinic"], tree["b1"], capacity=None, venue_text=MARKUP)
    people = drivers(park, 3)
    registration_create(event=full, user=people[0], family=[FamilyEntry(MARKUP, "<b>", None)])
    registration_create(event=full, user=people[1])  # waits first
    waiting, _ = registration_create(event=full, user=dong, family=[FamilyEntry("董小妹", "女儿", 8)])
    confirmed, _ = registration_create(event=other, user=dong)
    FamilyMember.objects.create(registration=confirmed, name=MARKUP, relation="母亲", age=None)
    Registration.objects.filter(pk=confirmed.pk).update(name=MARKUP)
    attended, _ = registration_create(event=make_event(park, kinds["legal"], tree["b2"]), user=dong)
    registration_checkin(registration=attended, by=desi)
    dropped, _ = registration_create(event=make_event(park, kinds["legal"], tree["b2"]), user=dong)
    registration_cancel(registration=dropped, by=dong)
    on_cancelled, _ = registration_create(event=make_event(park, kinds["legal"], tree["b2"]), user=dong)
    event_cancel(event=on_cancelled.event, notify=False)
    old = Template(OLD_TICKET)
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    client.force_login(dong)
    for registration in (waiting, confirmed, attended, dropped, on_cancelled):
        response = client.get(reverse("activities:ticket", args=[registration.ticket_code]))
        assert response.status_code == 200
        expected = old.render(RequestContext(response.wsgi_request, response.context[0].flatten()))
        assert strip.sub("", response.content.decode()) == strip.sub("", expected), registration.status
    assert "<svg" in client.get(reverse("activities:ticket", args=[confirmed.ticket_code])).content.decode()
