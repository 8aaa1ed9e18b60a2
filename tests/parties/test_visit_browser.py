"""The instructor's flow in a real browser on a 375 px phone: my enterprises → log a visit with a photo → the visit.

Chromium through Playwright (fixtures in tests/conftest.py); screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os

import pytest
from django.utils import timezone

from parties.models import Visit
from tests.conftest import sign_in
from tests.parties.visit_matrix import jpeg_bytes

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo_file(tmp_path) -> str:
    path = tmp_path / "site.jpg"
    path.write_bytes(jpeg_bytes(2400, 1800, color=(30, 120, 200)))  # a phone-sized photo, resized on upload
    return str(path)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_an_instructor_logs_a_visit_with_a_photo_on_a_phone(
    ian, tree, media, phone_page, live_server, photo_file, artifacts_dir, tmp_path
):
    ian.phone_verified = True  # otherwise allauth asks to verify the number first
    ian.save(update_fields=["phone_verified"])
    page = phone_page
    sign_in(page, live_server, "ian")

    page.goto(live_server.url + "/org/my-enterprises/")
    card = page.locator("li.enterprise", has_text="传化公路港")
    assert "overdue" in card.get_attribute("class")  # never visited
    _fits_the_phone(page)
    page.screenshot(path=os.path.join(artifacts_dir, "visits-my-enterprises-375.png"), full_page=True)

    card.locator("a.button").click()
    page.wait_for_url("**/org/visits/new/?enterprise=*")
    assert page.locator("select[name=enterprise] option:checked").inner_text() == "传化公路港"
    assert page.input_value("input[name=date]") == timezone.localdate().isoformat()
    _fits_the_phone(page)

    # First a file that is not a photo: refused, and nothing typed is lost.
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"<html><body>not a photo</body></html>")
    page.check("input[name=kind][value=policy]")
    page.fill("input[name=people_met]", "王经理、李书记")
    page.fill("textarea[name=summary]", "宣讲稳岗就业补贴政策。")
    page.fill("input[name=problems-0-description]", "司机反映运费结算拖欠")
    page.check("input[name=problems-0-is_labour_dispute]")
    page.fill("input[name=problems-0-owner]", "车队长")
    page.set_input_files("input[name=photos]", str(bad))
    page.locator("button[type=submit].big").click()
    page.wait_for_load_state()
    error = page.locator("input[name=photos] ~ .errorlist")
    assert "notes.jpg" in error.inner_text()
    assert page.input_value("input[name=people_met]") == "王经理、李书记"
    assert page.input_value("textarea[name=summary]") == "宣讲稳岗就业补贴政策。"
    assert page.input_value("input[name=problems-0-owner]") == "车队长"
    assert page.is_checked("input[name=kind][value=policy]")
    assert not Visit.objects.exists()
    page.screenshot(path=os.path.join(artifacts_dir, "visits-bad-photo-375.png"), full_page=True)

    # Then the real photo.
    page.set_input_files("input[name=photos]", photo_file)
    assert page.locator(".photo-count").inner_text() == "1 / 9"  # the progressive enhancement counts it
    page.locator("button[type=submit].big").click()
    page.wait_for_url("**/org/visits/*/")

    visit = Visit.objects.get()
    assert (visit.enterprise, visit.kind, visit.people_met) == (tree["e1"], "policy", "王经理、李书记")
    problem = visit.problems.get()
    assert problem.is_labour_dispute and problem.owner == "车队长"
    photo = visit.photos.get()
    assert (photo.width, photo.height) == (1600, 1200)

    thumb = page.locator(".thumbs img")
    thumb.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", thumb.element_handle()) == 320
    assert "司机反映运费结算拖欠" in page.content()
    _fits_the_phone(page)
    page.screenshot(path=os.path.join(artifacts_dir, "visits-detail-375.png"), full_page=True)

    # Back on "my enterprises", the enterprise is no longer overdue: visited today.
    page.goto(live_server.url + "/org/my-enterprises/")
    card = page.locator("li.enterprise", has_text="传化公路港")
    assert "overdue" not in card.get_attribute("class")


def test_the_office_pages_fit_a_phone_and_filter_without_javascript(
    alice, ian, tree, media, phone_page, live_server, artifacts_dir
):
    from tests.parties.visit_matrix import make_visit

    make_visit(ian, tree["e1"], problems=[{"description": "党员活动场地不足", "state": "open", "owner": "行政部"}])
    make_visit(ian, tree["e1"], days_ago=40, kind="members")
    page = phone_page
    page.context.set_extra_http_headers({"Accept-Language": "zh-CN"})
    page.route("**/*.js", lambda route: route.abort())  # everything must work without our script
    sign_in(page, live_server, "alice")
    for path, shot in (
        ("/org/visits/", "visits-list-375.png"),
        ("/org/visits/by-instructor/", "visits-report-375.png"),
        ("/org/visits/problems/", "visits-problems-375.png"),
    ):
        page.goto(live_server.url + path)
        _fits_the_phone(page)
        page.screenshot(path=os.path.join(artifacts_dir, shot), full_page=True)
    page.goto(live_server.url + "/org/visits/")
    page.locator("details.filters summary").click()
    page.check("input[name=open_problems]")
    page.locator("details.filters button[type=submit]").click()
    page.wait_for_url("**/org/visits/?*open_problems=on*")
    assert page.locator("table.table tbody tr").count() == 1
    page.goto(live_server.url + "/")
    cards = page.locator(".cards").inner_text()
    assert "本月已走访平台企业\n50%\n2 家中的 1 家" in cards  # 传化公路港 visited this month, 云集药业 not
