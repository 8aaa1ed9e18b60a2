"""A driver on a phone: the list with places left, the event page's share tags, one-tap register, ticket, .ics."""

from __future__ import annotations

import gzip
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Registration
from activities.services import registration_cancel, registration_create
from tests.activities.conftest import drivers, make_event

pytestmark = pytest.mark.django_db


def test_list_shows_places_left_to_anyone(client, clinic):
    response = client.get(reverse("activities:event_list"))
    assert response.status_code == 200
    assert clinic.title in response.content.decode()
    assert "50" in response.content.decode()


def test_event_page_has_wechat_share_tags(client, clinic):
    html = client.get(reverse("activities:event_detail", args=[clinic.pk])).content.decode()
    assert f'<meta property="og:title" content="{clinic.title}">' in html
    assert 'property="og:description"' in html


def test_draft_event_is_not_public(client, park, tree, kinds):
    draft = make_event(park, kinds["clinic"], tree["b1"], status="draft")
    assert client.get(reverse("activities:event_detail", args=[draft.pk])).status_code == 404


def test_anonymous_register_goes_to_phone_sign_in_and_back(client, clinic):
    response = client.post(reverse("activities:event_register", args=[clinic.pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/code/")
    assert f"next=/events/{clinic.pk}/" in response.url.replace("%2F", "/")


def test_one_tap_register_then_ticket(client, clinic, dong):
    client.force_login(dong)
    response = client.post(reverse("activities:event_register", args=[clinic.pk]))
    reg = Registration.objects.get(event=clinic, user=dong)
    assert response.url == reverse("activities:ticket", args=[reg.ticket_code])
    html = client.get(response.url).content.decode()
    assert "<svg" in html and reg.ticket_code in html
    # Double submission: still one row.
    client.post(reverse("activities:event_register", args=[clinic.pk]))
    assert Registration.objects.filter(event=clinic, user=dong).count() == 1


def test_register_with_a_child(client, park, tree, kinds, dong):
    event = make_event(park, kinds["school"], tree["b1"], allow_family=True, capacity=10)
    client.force_login(dong)
    data = {"family-TOTAL_FORMS": "4", "family-INITIAL_FORMS": "0", "family-MAX_NUM_FORMS": "4"}
    data.update({"family-0-name": "董小妹", "family-0-relation": "女儿", "family-0-age": ""})
    response = client.post(reverse("activities:event_register", args=[event.pk]), data)
    assert response.status_code == 200  # the child's age is required for a children's event
    assert not Registration.objects.exists()
    data["family-0-age"] = "8"
    client.post(reverse("activities:event_register", args=[event.pk]), data)
    reg = Registration.objects.get()
    assert reg.places == 2 and reg.family.get().name == "董小妹"


def test_full_event_shows_waiting_position(client, park, tree, kinds, dong):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=2)
    for u in drivers(park, 3):
        registration_create(event=event, user=u)
    client.force_login(dong)
    client.post(reverse("activities:event_register", args=[event.pk]))
    reg = Registration.objects.get(event=event, user=dong)
    html = client.get(reverse("activities:ticket", args=[reg.ticket_code])).content.decode()
    assert reg.status == "waiting"
    assert "2" in html  # number 2 on the waiting list


def test_ics_download(client, clinic, dong):
    reg, _ = registration_create(event=clinic, user=dong)
    client.force_login(dong)
    response = client.get(reverse("activities:ticket_ics", args=[reg.ticket_code]))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in body and "DTSTART:" in body and clinic.title in body


def test_cancel_until_start(client, clinic, dong):
    reg, _ = registration_create(event=clinic, user=dong)
    client.force_login(dong)
    client.post(reverse("activities:ticket_cancel", args=[reg.ticket_code]))
    reg.refresh_from_db()
    assert reg.status == "cancelled"


def test_cannot_cancel_after_start(client, park, tree, kinds, dong):
    from datetime import timedelta

    from django.utils import timezone

    event = make_event(park, kinds["clinic"], tree["b1"])
    reg, _ = registration_create(event=event, user=dong)
    Registration.objects.filter(pk=reg.pk)  # noqa: B018
    type(event).objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=1)
    )
    client.force_login(dong)
    client.post(reverse("activities:ticket_cancel", args=[reg.ticket_code]))
    reg.refresh_from_db()
    assert reg.status == "confirmed"


def test_driver_sees_only_their_own_registrations(client, clinic, dong, wang):
    mine, _ = registration_create(event=clinic, user=dong)
    theirs, _ = registration_create(event=clinic, user=wang)
    client.force_login(dong)
    assert client.get(reverse("activities:ticket", args=[theirs.ticket_code])).status_code == 404
    assert client.get(reverse("activities:ticket_ics", args=[theirs.ticket_code])).status_code == 404
    assert client.post(reverse("activities:ticket_cancel", args=[theirs.ticket_code])).status_code == 404
    html = client.get(reverse("activities:mine")).content.decode()
    assert mine.ticket_code in html and theirs.ticket_code not in html
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_driver_pages_are_light(client, clinic, dong):
    """Each driver page, gzipped with its stylesheets, stays under 60 KB."""
    from django.contrib.staticfiles import finders

    css = sum(len(gzip.compress(open(finders.find(p), "rb").read())) for p in ("css/portal.css", "css/activities.css"))
    reg, _ = registration_create(event=clinic, user=dong)
    client.force_login(dong)
    for url in (
        reverse("activities:event_list"),
        reverse("activities:event_detail", args=[clinic.pk]),
        reverse("activities:ticket", args=[reg.ticket_code]),
        reverse("activities:mine"),
    ):
        html = client.get(url).content
        total = len(gzip.compress(html)) + css
        assert total < 60 * 1024, (url, total)


def test_ics_lines_are_folded_at_75_octets(client, park, tree, kinds, dong):
    event = make_event(park, kinds["clinic"], tree["b1"], title="健康义诊" * 12)
    reg, _ = registration_create(event=event, user=dong)
    client.force_login(dong)
    body = client.get(reverse("activities:ticket_ics", args=[reg.ticket_code])).content
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    unfolded = body.decode().replace("\r\n ", "")
    assert "SUMMARY:" + "健康义诊" * 12 in unfolded


def test_ticket_shows_the_family_and_the_qr_code_of_its_own_checkin_url(client, park, tree, kinds, dong, wang):
    """The QR code is memoised per URL (views.public._qr_svg): each ticket still gets its own."""
    from activities.services import FamilyEntry
    from activities.views.public import _qr_svg

    event = make_event(park, kinds["school"], tree["b1"], allow_family=True, capacity=10)
    mine, _ = registration_create(event=event, user=dong, family=[FamilyEntry("董小妹", "女儿", 8)])
    theirs, _ = registration_create(event=event, user=wang)
    client.force_login(dong)
    html = client.get(reverse("activities:ticket", args=[mine.ticket_code])).content.decode()
    assert "董小妹" in html and "女儿" in html
    url = "http://testserver" + reverse("activities:checkin", args=[mine.ticket_code])
    assert _qr_svg(url) in html
    other = _qr_svg("http://testserver" + reverse("activities:checkin", args=[theirs.ticket_code]))
    assert other != _qr_svg(url) and other not in html


def test_ticket_of_the_waiting_list_has_no_qr_code(client, park, tree, kinds, dong, wang):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=1)
    registration_create(event=event, user=wang)
    reg, _ = registration_create(event=event, user=dong)
    client.force_login(dong)
    html = client.get(reverse("activities:ticket", args=[reg.ticket_code])).content.decode()
    assert reg.status == "waiting" and "<svg" not in html


def test_list_filter_form_follows_the_kinds(client, clinic, dong, park):
    """The empty filter form is memoised per (language, park, kinds): a new or renamed kind shows at once."""
    from activities.models import EventKind

    client.force_login(dong)
    html = client.get(reverse("activities:event_list")).content.decode()
    assert "健康义诊" in html and "卡友大讲堂" not in html
    lecture = EventKind.objects.create(park=park, slug="lecture", name="卡友大讲堂")
    assert (
        f'<option value="{lecture.pk}">卡友大讲堂</option>'
        in client.get(reverse("activities:event_list")).content.decode()
    )
    EventKind.objects.filter(pk=lecture.pk).update(name="卡友讲堂")
    html = client.get(reverse("activities:event_list")).content.decode()
    assert f'<option value="{lecture.pk}">卡友讲堂</option>' in html and "卡友大讲堂" not in html
    # A bound form keeps what was chosen.
    html = client.get(reverse("activities:event_list"), {"kind": lecture.pk}).content.decode()
    assert f'<option value="{lecture.pk}" selected>卡友讲堂</option>' in html
    # Each row links to its event page.
    html = client.get(reverse("activities:event_list")).content.decode()
    assert f'href="{reverse("activities:event_detail", args=[clinic.pk])}"' in html


def test_one_tap_register_without_a_limit_query_count(client, park, tree, kinds, dong):
    """The session with its user, then one transaction: the event it may see under a shared lock (the visibility
    read is the lock), and the insert that writes nothing if the person has a row or anyone waits. On PostgreSQL
    the two go in one round trip (a savepoint around it here, inside the test's transaction). Never the locked
    path's FOR UPDATE and aggregate."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    client.force_login(dong)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("activities:event_register", args=[event.pk]))
    # (A PREPARE runs once per server session, the first time a statement is used on it: not per request.)
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("PREPARE ")]
    # session with user, SAVEPOINT, the event FOR SHARE, INSERT … WHERE NOT EXISTS, RELEASE
    assert len(sql) <= 5, sql
    # On PostgreSQL the path's statements are prepared (EXECUTE portal_<name>_…): named, not shown.
    locked_path = ("FOR UPDATE", "SUM(", "portal_tap_event_for_update_", "portal_registration_state_")
    assert not any(part in q for q in sql for part in locked_path), sql
    assert any("FOR SHARE" in q or "portal_tap_event_for_share_" in q for q in sql) or connection.vendor == "sqlite"
    assert sum("INSERT INTO" in q or "portal_registration_insert_" in q or "portal_tap_insert_" in q for q in sql) == 1
    if connection.vendor == "postgresql":  # the lock and the insert together: one query
        assert any(
            re.match(r"EXECUTE portal_tap_event_for_share_\w+ \(.*\); EXECUTE portal_tap_insert_", q) for q in sql
        )
    reg = Registration.objects.get(event=event, user=dong)
    assert response.url == reverse("activities:ticket", args=[reg.ticket_code]) and reg.status == "confirmed"


def test_event_page_shows_only_the_drivers_own_active_registration(client, park, tree, kinds, dong, wang):
    """The event page reads the driver's registration in the event's own query (a join filtered on the
    driver): someone else's row, or their own cancelled one, must not show as theirs."""
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=1)
    url = reverse("activities:event_detail", args=[event.pk])
    client.force_login(dong)
    assert ngettext("%(n)s place left", "%(n)s places left", 1) % {"n": 1} in client.get(url).content.decode()
    theirs, _created = registration_create(event=event, user=wang)
    html = client.get(url).content.decode()
    assert theirs.ticket_code not in html and _("Join the waiting list") in html  # full
    mine, _created = registration_create(event=event, user=dong)
    other = drivers(park, 1)[0]
    registration_create(event=event, user=other)  # waits behind dong
    html = client.get(url).content.decode()
    assert mine.status == "waiting" and reverse("activities:ticket", args=[mine.ticket_code]) in html
    assert _("You are number %(n)s on the waiting list.") % {"n": 1} in html
    registration_cancel(registration=theirs, by=wang)  # dong is promoted
    html = client.get(url).content.decode()
    assert reverse("activities:ticket", args=[mine.ticket_code]) in html and _("You are registered.") in html
    registration_cancel(registration=Registration.objects.get(pk=mine.pk), by=dong)
    html = client.get(url).content.decode()
    assert mine.ticket_code not in html and theirs.ticket_code not in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_list_places_badge_is_the_templates(park, tree, kinds, language):
    """The list builds the _places.html badge in Python (views.public.places_badge): the same HTML in every
    state, in both languages."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from activities.services import event_cancel
    from activities.views.public import places_badge

    events = [
        make_event(park, kinds["clinic"], tree["b1"], capacity=None, title="不限"),
        make_event(park, kinds["clinic"], tree["b1"], capacity=1, title="一个"),
        make_event(park, kinds["clinic"], tree["b1"], capacity=3, title="三个"),
        make_event(park, kinds["clinic"], tree["b1"], capacity=2, title="满"),
        make_event(park, kinds["clinic"], tree["b1"], capacity=2, title="取消"),
    ]
    people = drivers(park, 2)
    for u in people:
        registration_create(event=events[3], user=u)
    registration_create(event=events[2], user=people[0])
    event_cancel(event=events[4], notify=False)
    badges = set()
    with translation.override(language):
        for event in events:
            fresh = type(event).objects.get(pk=event.pk)
            expected = render_to_string("activities/_places.html", {"event": fresh}).strip()
            assert str(places_badge(fresh)) == expected
            badges.add(expected)
    assert len(badges) == 5
