"""The driver's flow on a 375 px phone: sign up by SMS code, scan the poster, check in, tick services,
check in again (the same check-in)."""

from __future__ import annotations

import os
import re

import pytest
from django.core.cache import cache

from drivers_home.models import CheckIn, CheckInService, DriverProfile
from parkportal.models import SmsMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _latest_code(phone: str) -> str:
    sms = SmsMessage.objects.filter(phone=phone).order_by("-created", "-pk").first()
    return re.search(r"(\d{6})", sms.body).group(1)


def test_driver_signs_up_scans_checks_in_and_ticks_services(phone_page, live_server, home, services, artifacts_dir):
    cache.clear()
    page = phone_page
    poster_url = f"{live_server.url}/home/s/{home.token}/"
    page.goto(poster_url)
    assert page.viewport_size["width"] == 375
    page.click("a[href^='/accounts/signup/']")
    page.fill("input[name=phone]", "139 8888 7777")
    page.click("main form button[type=submit]")
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=code]", _latest_code("13988887777"))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    # Wherever sign-up lands, the driver scans the poster again: his details are asked once.
    if "/home/profile/" not in page.url:
        page.goto(poster_url)
    page.wait_for_url(re.compile(r"/home/profile/"))
    page.fill("input[name=name]", "秦师傅")
    page.fill("input[name=plate]", "川a12345d")
    page.select_option("select[name=province]", "四川")
    page.check("input[name=vehicle_type][value=heavy]")
    page.check("input[name=consent]")
    page.screenshot(path=os.path.join(artifacts_dir, "drivers_home-profile-375.png"), full_page=True)
    page.click("main form button[type=submit]")
    page.wait_for_url(poster_url)
    page.screenshot(path=os.path.join(artifacts_dir, "drivers_home-site-375.png"), full_page=True)
    page.click("#checkin-button")
    page.wait_for_url(re.compile(r"/home/checkin/\d+/"))
    first_url = page.url
    ref = page.inner_text("#checkin-ref")
    page.check(f"input[name=services][value='{services[0].pk}']")
    page.check(f"input[name=services][value='{services[2].pk}']")
    page.click("main form button[type=submit]")
    page.wait_for_url(first_url)
    page.screenshot(path=os.path.join(artifacts_dir, "drivers_home-checked-in-375.png"), full_page=True)

    # Scan again and tap again: the same check-in.
    page.goto(poster_url)
    page.click("#checkin-button")
    page.wait_for_url(re.compile(r"/home/checkin/\d+/"))
    assert page.url == first_url
    assert page.inner_text("#checkin-ref") == ref
    page.reload()  # a refresh
    assert page.url == first_url

    profile = DriverProfile.objects.get(user__phone="13988887777")
    assert profile.plate == "川A12345D" and profile.consent_version
    assert CheckIn.objects.filter(driver=profile.user).count() == 1
    assert set(CheckInService.objects.values_list("service_id", flat=True)) == {services[0].pk, services[2].pk}
    # Nothing on the page is wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
