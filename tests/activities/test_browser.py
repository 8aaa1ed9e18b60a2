"""The driver's flow in Chromium at 375 px: find the health clinic, register with a child, see the ticket,
cancel, and the first person on the waiting list is promoted and told by SMS."""

from __future__ import annotations

import os
import re

import pytest

from activities.models import Registration
from activities.services import registration_create
from parkportal.models import SmsMessage
from tests.activities.conftest import make_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_driver_registers_with_child_cancels_and_first_waiting_is_promoted(
    phone_page, live_server, park, tree, kinds, dong, wang, artifacts_dir
):
    page = phone_page
    make_event(park, kinds["legal"], tree["b1"], title="法律沙龙", days=2)
    clinic = make_event(park, kinds["clinic"], tree["b1"], title="健康义诊进司机之家", capacity=2, allow_family=True)

    # Not signed in: find the clinic, tap Register, sign in by phone and SMS code, and come back.
    page.goto(live_server.url + "/events/")
    page.click("text=健康义诊进司机之家")
    page.wait_for_url(f"**/events/{clinic.pk}/")
    page.click(".register-box form button")
    page.wait_for_url("**/accounts/login/code/**")
    page.fill("input[name=phone]", dong.phone)
    page.click("main button[type=submit]")
    page.wait_for_selector("input[name=code]")
    code = re.search(r"(\d{6})", SmsMessage.objects.filter(phone=dong.phone).latest("created").body).group(1)
    page.fill("input[name=code]", code)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/events/{clinic.pk}/")
    page.click(f"a[href='/events/{clinic.pk}/register/']")
    page.fill("input[name=family-0-name]", "董小妹")
    page.fill("input[name=family-0-relation]", "女儿")
    page.fill("input[name=family-0-age]", "8")
    page.screenshot(path=os.path.join(artifacts_dir, "events-register-375.png"), full_page=True)
    page.click("form button.big")
    page.wait_for_url("**/events/tickets/**")
    assert page.locator(".qr svg").is_visible()
    assert "董小妹" in page.content()
    page.screenshot(path=os.path.join(artifacts_dir, "events-ticket-375.png"), full_page=True)
    # No horizontal scrolling at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    mine = Registration.objects.get(event=clinic, user=dong)
    assert mine.status == "confirmed" and mine.places == 2
    waiting, _ = registration_create(event=clinic, user=wang)
    assert waiting.status == "waiting"

    page.click(".cancel-form button")
    page.wait_for_load_state()
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.status == "cancelled"
    assert waiting.status == "confirmed"
    assert SmsMessage.objects.filter(phone=wang.phone, body__contains=waiting.ticket_code).count() == 1
    page.screenshot(path=os.path.join(artifacts_dir, "events-cancelled-375.png"), full_page=True)


def test_door_checkin_on_a_phone_and_month_calendar(
    phone_page, live_server, park, tree, kinds, dong, alice, artifacts_dir
):
    from tests.conftest import sign_in

    page = phone_page
    clinic = make_event(park, kinds["clinic"], tree["b1"], title="健康义诊进司机之家")
    reg, _ = registration_create(event=clinic, user=dong)
    sign_in(page, live_server, "alice")
    # The ticket's QR code encodes this URL: the phone's camera or WeChat opens it.
    page.goto(live_server.url + f"/events/checkin/{reg.ticket_code}/")
    page.click("main form button.big")
    page.wait_for_selector(".checkin-state")
    page.goto(live_server.url + f"/events/checkin/{reg.ticket_code}/")  # a second scan
    assert page.locator(".checkin-state").is_visible()
    assert page.locator("main form button.big").count() == 0
    page.screenshot(path=os.path.join(artifacts_dir, "events-checkin-375.png"), full_page=True)
    reg.refresh_from_db()
    assert reg.status == "attended"
    assert Registration.objects.filter(event=clinic, status="attended").count() == 1

    month = clinic.starts_at.strftime("%Y-%m")
    page.goto(live_server.url + f"/events/calendar/?month={month}")
    assert page.locator(".cal-event").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=os.path.join(artifacts_dir, "events-calendar-375.png"), full_page=True)
