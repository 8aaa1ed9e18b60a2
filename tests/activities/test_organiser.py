"""Organisers: create with field errors for bad input, publish, cancel, registrations, export, message, scope."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.models import Broadcast, Event, Outcome, Registration
from activities.services import registration_create
from parkportal.models import SmsMessage
from tests.activities.conftest import drivers, make_event

pytestmark = pytest.mark.django_db


def _form(kinds, tree, **over):
    start = timezone.localtime() + timedelta(days=5)
    data = {
        "kind": kinds["clinic"].pk,
        "title": "九月健康义诊",
        "organiser": tree["b1"].pk,
        "venue_text": "卡车司机之家",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "audience": "drivers",
        "capacity": "60",
        "description": "血压、血糖、颈腰椎检查",
        "submit_token": "6f1c3c1e-3f59-4f0e-8a57-7d1b1f7b2c11",
    }
    data.update(over)
    return data


def test_create_publish_and_double_submit(client, alice, kinds, tree):
    client.force_login(alice)
    url = reverse("activities:event_create")
    first = client.post(url, _form(kinds, tree))
    second = client.post(url, _form(kinds, tree))
    assert first.status_code == 302 and second.url == first.url
    event = Event.objects.get()
    assert event.status == "draft" and event.park_id == alice.park_id
    client.post(reverse("activities:event_publish", args=[event.pk]))
    event.refresh_from_db()
    assert event.status == "published"


@pytest.mark.parametrize(
    "over,field",
    [
        ({"starts_at": "2020-01-01T09:00", "ends_at": "2020-01-01T12:00"}, "starts_at"),
        ({"capacity": "-5"}, "capacity"),
        ({"capacity": "0"}, "capacity"),
        ({"venue_text": ""}, "venue_text"),
        ({"ends_at": "1999-01-01T00:00"}, "ends_at"),
    ],
)
def test_bad_input_gives_field_errors_and_saves_nothing(client, alice, kinds, tree, over, field):
    client.force_login(alice)
    response = client.post(reverse("activities:event_create"), _form(kinds, tree, **over))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Event.objects.exists()


def test_window_must_close_after_it_opens(client, alice, kinds, tree):
    client.force_login(alice)
    now = timezone.localtime()
    response = client.post(
        reverse("activities:event_create"),
        _form(
            kinds,
            tree,
            registration_opens=(now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            registration_closes=(now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert "registration_closes" in response.context["form"].errors
    assert not Event.objects.exists()


def test_secretary_sees_only_subtree_events(client, sam, clinic, other_event):
    client.force_login(sam)
    html = client.get(reverse("activities:manage")).content.decode()
    assert clinic.title in html and other_event.title not in html
    assert client.get(reverse("activities:manage_event", args=[other_event.pk])).status_code == 404
    assert client.get(reverse("activities:manage_event", args=[clinic.pk])).status_code == 200


def test_other_park_admin_gets_404(client, olga, clinic):
    client.force_login(olga)
    assert client.get(reverse("activities:manage_event", args=[clinic.pk])).status_code == 404
    assert client.get(reverse("activities:event_export", args=[clinic.pk])).status_code == 404


def test_driver_cannot_manage(client, dong, clinic):
    client.force_login(dong)
    assert client.get(reverse("activities:manage")).status_code == 403


def test_export_masks_phones(client, alice, clinic, dong):
    registration_create(event=clinic, user=dong)
    client.force_login(alice)
    response = client.get(reverse("activities:event_export", args=[clinic.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "139****0001"


def test_message_all_registrants_once(client, alice, clinic, park, django_capture_on_commit_callbacks):
    for u in drivers(park, 3):
        registration_create(event=clinic, user=u)
    client.force_login(alice)
    data = {"body": "明天上午九点开始，请带身份证", "submit_token": "0f1c3c1e-3f59-4f0e-8a57-7d1b1f7b2c11"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("activities:event_message", args=[clinic.pk]), data)
        client.post(reverse("activities:event_message", args=[clinic.pk]), data)
    assert Broadcast.objects.count() == 1
    assert SmsMessage.objects.filter(body__contains="请带身份证").count() == 3


def test_cancel_event_texts_registrants(client, alice, clinic, dong, django_capture_on_commit_callbacks):
    registration_create(event=clinic, user=dong)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("activities:event_cancel", args=[clinic.pk]))
    clinic.refresh_from_db()
    assert clinic.status == "cancelled"
    assert SmsMessage.objects.filter(phone=dong.phone).count() == 1


def test_outcome_recorded_per_kind_figures(client, alice, park, tree, kinds):
    event = make_event(park, kinds["clinic"], tree["b1"])
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=3)
    )
    client.force_login(alice)
    response = client.get(reverse("activities:event_outcome", args=[event.pk]))
    assert "血压检测" in response.content.decode()
    client.post(
        reverse("activities:event_outcome", args=[event.pk]),
        {"people_served": "120", "fig_staff": "8", "fig_bp": "110", "report": "顺利"},
    )
    outcome = Outcome.objects.get(event=event)
    assert outcome.figures == {"staff": 8, "bp": 110} and outcome.people_served == 120
    report = client.get(reverse("activities:report")).content.decode()
    assert "健康义诊" in report and "120" in report


def test_negative_outcome_figure_refused(client, alice, park, tree, kinds):
    event = make_event(park, kinds["clinic"], tree["b1"])
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(days=2))
    client.force_login(alice)
    client.post(reverse("activities:event_outcome", args=[event.pk]), {"people_served": "-1", "fig_staff": "8"})
    assert not Outcome.objects.exists()


def test_calendar_renders_month(client, alice, clinic):
    client.force_login(alice)
    month = timezone.localtime(clinic.starts_at).strftime("%Y-%m")
    html = client.get(reverse("activities:calendar") + f"?month={month}").content.decode()
    assert clinic.title[:5] in html
    assert client.get(reverse("activities:calendar") + "?month=garbage").status_code == 200


def test_filters(client, alice, clinic, other_event, kinds):
    client.force_login(alice)
    html = client.get(reverse("activities:manage") + f"?kind={kinds['legal'].pk}").content.decode()
    assert other_event.title in html and clinic.title not in html
    assert client.get(reverse("activities:manage") + "?date_from=notadate&kind=abc").status_code == 200


def test_registration_list_masks_phone(client, alice, clinic, dong):
    registration_create(event=clinic, user=dong)
    client.force_login(alice)
    html = client.get(reverse("activities:manage_event", args=[clinic.pk])).content.decode()
    assert "139****0001" in html and "13912340001" not in html
    assert Registration.objects.count() == 1


def test_full_phone_export_only_for_park_admin_and_recorded(client, alice, sam, clinic, dong):
    from parkportal.models import AccessLog

    registration_create(event=clinic, user=dong)
    client.force_login(sam)
    response = client.get(reverse("activities:event_export", args=[clinic.pk]) + "?phones=full")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][2] == "139****0001" and not AccessLog.objects.exists()
    client.force_login(alice)
    response = client.get(reverse("activities:event_export", args=[clinic.pk]) + "?phones=full")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][2] == "13912340001"
    assert AccessLog.objects.filter(user=alice, action="export_phones").count() == 1


def test_secretary_cannot_organise_outside_subtree(client, sam, kinds, tree, other_event):
    client.force_login(sam)
    response = client.post(reverse("activities:event_create"), _form(kinds, tree, organiser=tree["b2"].pk))
    assert response.status_code == 200 and "organiser" in response.context["form"].errors
    assert not Event.objects.filter(title="九月健康义诊").exists()
    assert client.post(reverse("activities:event_cancel", args=[other_event.pk])).status_code == 404
    other_event.refresh_from_db()
    assert other_event.status == "published"


def test_raising_capacity_promotes_waiting(client, alice, park, tree, kinds):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=1)
    people = drivers(park, 3)
    regs = [registration_create(event=event, user=u)[0] for u in people]
    client.force_login(alice)
    data = _form(kinds, tree, capacity="2", title=event.title)
    data["starts_at"] = timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M")
    data["ends_at"] = timezone.localtime(event.ends_at).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("activities:event_edit", args=[event.pk]), data)
    statuses = [Registration.objects.get(pk=r.pk).status for r in regs]
    assert statuses == ["confirmed", "confirmed", "waiting"]
