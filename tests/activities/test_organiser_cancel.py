"""An organiser or the desk cancels one person's registration: confirmation page, POST, scope, promotion and SMS,
the double tap, the started event, a re-registration since the page was read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import Event, Registration
from activities.services import (
    RegistrationError,
    registration_cancel,
    registration_cancel_by_organiser,
    registration_checkin,
    registration_create,
)
from parkportal.models import SmsMessage
from tests.activities.conftest import drivers, make_event

pytestmark = pytest.mark.django_db


def _url(registration, **query) -> str:
    url = reverse("activities:registration_cancel", args=[registration.event_id, registration.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _confirm(client, registration, **extra):
    """GET the confirmation page, then POST its form as the browser would (with the hidden field it carries)."""
    page = client.get(_url(registration))
    assert page.status_code == 200
    data = {"registered": page.context["form"]["registered"].value(), **extra}
    return client.post(_url(registration), data)


@pytest.fixture
def full(park, tree, kinds):
    """A clinic with 2 places: two people confirmed, two waiting."""
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=2, title="两个名额的义诊")
    people = drivers(park, 4)
    regs = [registration_create(event=event, user=u)[0] for u in people]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waiting", "waiting"]
    return event, regs


def test_park_admin_cancels_and_the_first_waiting_is_promoted_and_texted(
    client, alice, full, django_capture_on_commit_callbacks
):
    event, (a, b, c, d) = full
    client.force_login(alice)
    page = client.get(_url(a)).content.decode()
    assert a.name in page and "177****0000" in page and 'class="cancel-registration"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = _confirm(client, a)
    assert response.status_code == 302 and response.url == reverse("activities:manage_event", args=[event.pk])
    a.refresh_from_db()
    c.refresh_from_db()
    d.refresh_from_db()
    assert a.status == "cancelled" and a.cancelled_by == alice and a.cancelled_at is not None
    assert c.status == "confirmed" and c.position is None
    assert d.status == "waiting"
    # The promoted person gets the text a driver's own cancellation sends; the cancelled one is told.
    assert SmsMessage.objects.filter(phone=c.phone, body__contains=c.ticket_code).count() == 1
    assert SmsMessage.objects.filter(phone=a.phone, body__contains=event.title).count() == 1
    assert not SmsMessage.objects.filter(phone=d.phone).exists()
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any(a.name in m for m in shown) and any(c.name in m for m in shown)
    # The event page says who cancelled, and offers no cancel on the cancelled row.
    html = client.get(reverse("activities:manage_event", args=[event.pk]) + "?status=cancelled").content.decode()
    assert "由 alice 操作" in html and _url(a) not in html


def test_event_page_offers_cancel_on_active_rows(client, alice, full):
    event, (a, b, c, d) = full
    client.force_login(alice)
    html = client.get(reverse("activities:manage_event", args=[event.pk])).content.decode()
    assert all(_url(r) in html for r in (a, b, c, d))


def test_cancelling_someone_waiting_promotes_nobody(client, alice, full, django_capture_on_commit_callbacks):
    event, (a, b, c, d) = full
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(client, c)
    assert [Registration.objects.get(pk=r.pk).status for r in (a, b, c, d)] == [
        "confirmed",
        "confirmed",
        "cancelled",
        "waiting",
    ]
    assert list(SmsMessage.objects.values_list("phone", flat=True)) == [c.phone]


def test_secretary_cancels_in_the_subtree_only(client, sam, clinic, other_event, dong, wang):
    mine = registration_create(event=clinic, user=dong)[0]
    outside = registration_create(event=other_event, user=wang)[0]
    client.force_login(sam)
    assert _confirm(client, mine).status_code == 302
    assert client.get(_url(outside)).status_code == 404
    assert client.post(_url(outside), {"registered": outside.created.isoformat()}).status_code == 404
    assert Registration.objects.get(pk=mine.pk).status == "cancelled"
    assert Registration.objects.get(pk=outside.pk).status == "confirmed"


def test_desk_cancels_from_the_door_page(client, desi, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(desi)
    door = client.get(reverse("activities:door", args=[clinic.pk]) + "?q=0001").content.decode()
    assert _url(registration, next="door") in door
    page = client.get(_url(registration, next="door"))
    assert reverse("activities:door", args=[clinic.pk]) in page.content.decode()
    response = client.post(
        _url(registration), {"registered": page.context["form"]["registered"].value(), "next": "door"}
    )
    # Desk staff go back to the door page (the organisers' event page is not theirs).
    assert response.url == reverse("activities:door", args=[clinic.pk])
    registration.refresh_from_db()
    assert registration.status == "cancelled" and registration.cancelled_by == desi


def test_organiser_coming_from_the_door_goes_back_there(client, alice, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(alice)
    response = _confirm(client, registration, next="door")
    assert response.url == reverse("activities:door", args=[clinic.pk])


def test_another_parks_staff_get_404_and_change_nothing(client, olga, other_park, clinic, dong):
    from parkportal.roles import Role
    from tests.conftest import make_user

    registration = registration_create(event=clinic, user=dong)[0]
    other_desk = make_user("otherdesk", Role.DESK, other_park)
    for user in (olga, other_desk):
        client.force_login(user)
        assert client.get(_url(registration)).status_code == 404
        assert client.post(_url(registration), {"registered": registration.created.isoformat()}).status_code == 404
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"


def test_a_registration_of_another_event_in_the_url_is_404(client, alice, clinic, other_event, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(alice)
    url = reverse("activities:registration_cancel", args=[other_event.pk, registration.pk])
    assert client.get(url).status_code == 404


def test_drivers_are_refused(client, clinic, dong, wang):
    theirs = registration_create(event=clinic, user=wang)[0]
    mine = registration_create(event=clinic, user=dong)[0]
    client.force_login(dong)
    for registration in (theirs, mine):
        assert client.get(_url(registration)).status_code == 403
        assert client.post(_url(registration), {"registered": registration.created.isoformat()}).status_code == 403
    assert Registration.objects.filter(event=clinic, status="confirmed").count() == 2


def test_anonymous_is_sent_to_sign_in(client, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    response = client.post(_url(registration), {"registered": registration.created.isoformat()})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"


def test_post_without_csrf_token_is_refused(alice, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(_url(registration), {"registered": registration.created.isoformat()}).status_code == 403
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"


def test_only_get_and_post(client, alice, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(alice)
    assert client.put(_url(registration)).status_code == 405
    assert client.delete(_url(registration)).status_code == 405


def test_a_post_without_the_confirmation_field_cancels_nothing(client, alice, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(alice)
    assert client.post(_url(registration), {}).status_code == 400
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"


def test_double_tap_cancels_once_and_promotes_once(client, alice, full, django_capture_on_commit_callbacks):
    event, (a, b, c, d) = full
    client.force_login(alice)
    data = {"registered": client.get(_url(a)).context["form"]["registered"].value()}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_url(a), data)
        second = client.post(_url(a), data)
    assert first.status_code == second.status_code == 302
    statuses = [Registration.objects.get(pk=r.pk).status for r in (a, b, c, d)]
    assert statuses == ["cancelled", "confirmed", "confirmed", "waiting"]
    assert SmsMessage.objects.filter(phone=c.phone).count() == 1
    assert SmsMessage.objects.filter(phone=a.phone).count() == 1
    assert SmsMessage.objects.filter(phone=d.phone).count() == 0
    assert any("此前已取消" in str(m) for m in second.wsgi_request._messages)


def test_no_cancel_once_the_event_has_started(client, alice, clinic, dong, wang):
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(alice)
    data = {"registered": client.get(_url(registration)).context["form"]["registered"].value()}
    Event.objects.filter(pk=clinic.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=2)
    )
    page = client.get(_url(registration))
    assert page.context["refusal"] and "cancel-registration" not in page.content.decode()
    response = client.post(_url(registration), data)
    assert response.status_code == 302
    assert any("活动已开始" in str(m) for m in response.wsgi_request._messages)
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"
    html = client.get(reverse("activities:manage_event", args=[clinic.pk])).content.decode()
    assert _url(registration) not in html


def test_no_cancel_of_someone_checked_in(client, alice, desi, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    registration_checkin(registration=registration, by=desi)  # the door opens before the start
    client.force_login(alice)
    page = client.get(_url(registration))
    assert page.context["refusal"]
    response = client.post(_url(registration), {"registered": registration.created.isoformat()})
    assert response.status_code == 302
    assert Registration.objects.get(pk=registration.pk).status == "attended"


def test_no_cancel_on_a_cancelled_event(alice, clinic, dong):
    from activities.services import event_cancel

    registration = registration_create(event=clinic, user=dong)[0]
    event_cancel(event=clinic, notify=False)
    with pytest.raises(RegistrationError):
        registration_cancel_by_organiser(registration=registration, by=alice)


def test_a_late_second_tap_does_not_cancel_a_new_registration(client, alice, clinic, dong):
    """The organiser cancels; the driver registers again; the organiser's form is sent again (back button,
    a slow network's retry): the new registration is not the one the page showed, and stays."""
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(alice)
    data = {"registered": client.get(_url(registration)).context["form"]["registered"].value()}
    client.post(_url(registration), data)
    again, created = registration_create(event=clinic, user=dong)
    assert created and again.pk == registration.pk and again.cancelled_by is None
    response = client.post(_url(registration), data)
    assert response.status_code == 302
    assert any("已有变化" in str(m) for m in response.wsgi_request._messages)
    assert Registration.objects.get(pk=registration.pk).status == "confirmed"


def test_driver_cancelling_records_themself_and_the_page_says_no_one_else(client, alice, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    registration_cancel(registration=registration, by=dong)
    registration.refresh_from_db()
    assert registration.cancelled_by == dong and registration.cancelled_at is not None
    client.force_login(alice)
    page = client.get(_url(registration))
    assert page.status_code == 200 and page.context["refusal"] is None
    assert "cancel-registration" not in page.content.decode()


def test_database_refuses_a_canceller_on_an_active_registration(clinic, dong, alice):
    from django.db import IntegrityError, transaction

    registration = registration_create(event=clinic, user=dong)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(cancelled_by=alice)


def test_confirmation_page_in_chinese_and_english(client, alice, clinic, dong):
    registration = registration_create(event=clinic, user=dong)[0]
    client.force_login(alice)
    zh = client.get(_url(registration)).content.decode()
    assert "取消此报名" in zh and "Cancel this registration" not in zh
    client.cookies["django_language"] = "en"
    en = client.get(_url(registration)).content.decode()
    assert "Cancel this registration" in en
