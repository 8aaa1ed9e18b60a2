"""Check-in at the door on a phone: the QR page, search by name or last 4 digits, walk-ins, double scans."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities.models import Registration
from activities.services import registration_create
from tests.activities.conftest import make_event

pytestmark = pytest.mark.django_db


def test_qr_page_checks_in_once(client, desi, clinic, dong):
    reg, _ = registration_create(event=clinic, user=dong)
    client.force_login(desi)
    url = reverse("activities:checkin", args=[reg.ticket_code])
    assert "董师傅" in client.get(url).content.decode()
    client.post(url)
    client.post(url)
    reg.refresh_from_db()
    assert reg.status == "attended"
    html = client.get(url).content.decode()
    assert "Already checked in" in html or "已签到" in html
    assert Registration.objects.filter(event=clinic, status="attended").count() == 1


def test_search_by_last_four_digits(client, desi, clinic, dong, wang):
    registration_create(event=clinic, user=dong)
    registration_create(event=clinic, user=wang)
    client.force_login(desi)
    html = client.get(reverse("activities:door", args=[clinic.pk]) + "?q=0001").content.decode()
    assert "董师傅" in html and "王师傅" not in html


def test_walk_in_takes_a_place_then_waits(client, desi, park, tree, kinds, dong):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=1)
    client.force_login(desi)
    url = reverse("activities:door_walkin", args=[event.pk])
    token = "1f1c3c1e-3f59-4f0e-8a57-7d1b1f7b2c11"
    client.post(url, {"name": "路人甲", "phone": "", "submit_token": token})
    client.post(url, {"name": "路人甲", "phone": "", "submit_token": token})  # double submit
    assert Registration.objects.filter(event=event).count() == 1
    assert Registration.objects.get(event=event).status == "attended"
    client.post(url, {"name": "路人乙", "phone": "", "submit_token": "2f1c3c1e-3f59-4f0e-8a57-7d1b1f7b2c11"})
    assert Registration.objects.get(event=event, name="路人乙").status == "waiting"


def test_walk_in_bad_phone_is_a_field_error(client, desi, clinic):
    client.force_login(desi)
    response = client.post(reverse("activities:door_walkin", args=[clinic.pk]), {"name": "甲", "phone": "12345"})
    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_driver_cannot_open_checkin_page(client, clinic, dong, wang):
    reg, _ = registration_create(event=clinic, user=dong)
    client.force_login(wang)
    assert client.get(reverse("activities:checkin", args=[reg.ticket_code])).status_code == 403


def test_desk_of_other_park_gets_404(client, other_park, clinic, dong):
    from parkportal.roles import Role
    from tests.conftest import make_user

    far = make_user("far", Role.DESK, other_park)
    reg, _ = registration_create(event=clinic, user=dong)
    client.force_login(far)
    assert client.get(reverse("activities:checkin", args=[reg.ticket_code])).status_code == 404
    assert client.get(reverse("activities:door", args=[clinic.pk])).status_code == 404
