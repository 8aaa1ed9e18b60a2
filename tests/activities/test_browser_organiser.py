"""The organiser's cancel in Chromium at 375 px, with JavaScript switched off: the event page's link, the
confirmation page, the button; the first person waiting is promoted. And the capacity field's error."""

from __future__ import annotations

import os

import pytest

from activities.models import Registration
from activities.services import registration_create
from tests.activities.conftest import make_event
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_js_page(browser, browser_context_args, live_server):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield page
    context.close()


def _width(phone_page, url: str) -> int:
    phone_page.goto(url)
    return phone_page.evaluate("document.documentElement.scrollWidth")


def test_organiser_cancels_on_a_phone_without_javascript(
    no_js_page, phone_page, live_server, park, tree, kinds, dong, wang, alice, artifacts_dir
):
    page = no_js_page
    clinic = make_event(park, kinds["clinic"], tree["b1"], title="健康义诊进司机之家", capacity=1)
    mine, _ = registration_create(event=clinic, user=dong)
    waiting, _ = registration_create(event=clinic, user=wang)
    assert waiting.status == "waiting"

    sign_in(page, live_server, "alice")
    page.goto(live_server.url + f"/events/manage/{clinic.pk}/")
    page.click(f"a[href='/events/manage/{clinic.pk}/registrations/{mine.pk}/cancel/']")
    page.wait_for_url(f"**/registrations/{mine.pk}/cancel/")
    assert "董师傅" in page.content()
    page.screenshot(path=os.path.join(artifacts_dir, "events-organiser-cancel-375.png"), full_page=True)
    page.click("form.cancel-registration button")
    page.wait_for_url(f"**/events/manage/{clinic.pk}/")
    assert "已取消 董师傅 的报名" in page.content()
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.status == "cancelled" and waiting.status == "confirmed"
    assert Registration.objects.filter(event=clinic, status="confirmed").count() == 1

    # The same pages, and the edit form with the capacity error, fit 375 px.
    sign_in(phone_page, live_server, "alice")
    assert _width(phone_page, live_server.url + f"/events/manage/{clinic.pk}/") <= 375
    assert _width(phone_page, live_server.url + f"/events/manage/{clinic.pk}/registrations/{waiting.pk}/cancel/") <= 375
    lecture = make_event(park, kinds["legal"], tree["b1"], title="法律沙龙", capacity=5)
    registration_create(event=lecture, user=dong)
    registration_create(event=lecture, user=wang)
    phone_page.goto(live_server.url + f"/events/manage/{lecture.pk}/edit/")
    phone_page.fill("input[name=capacity]", "1")
    phone_page.click("form button.big")
    assert "已确认 2 个名额" in phone_page.content()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.screenshot(path=os.path.join(artifacts_dir, "events-capacity-error-375.png"), full_page=True)
