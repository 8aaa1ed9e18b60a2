"""Every GET page of the merged apps, opened by a role that may see it, fits a 375 px phone: no sideways scroll.

Pages and roles come from the apps' URL x role matrices (tests/<app>/matrix.py): each page is opened once, by the
first role of PREFERRED that gets a 200, in Chinese (the default), in Chromium at 375 x 800. A page that scrolls
sideways is screenshotted into test-artifacts/ and named in the failure. The sign-in pages (allauth) are walked too.
"""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from django.urls import reverse

from parkportal.roles import Role
from tests.conftest import make_user
from tests.drivers_home import matrix as drivers_matrix
from tests.mediation import matrix as mediation_matrix
from tests.parties import matrix as parties_matrix
from tests.parties import visit_matrix

MATRICES = (parties_matrix, visit_matrix, drivers_matrix, mediation_matrix)
ROLE_VALUES = {
    "driver": Role.DRIVER,
    "instructor": Role.INSTRUCTOR,
    "desk": Role.DESK,
    "mediator": Role.MEDIATOR,
    "secretary": Role.SECRETARY,
    "park_admin": Role.PARK_ADMIN,
}
# The role a page is walked as: its main user first (admins see the most, so the widest tables).
PREFERRED = ("park_admin", "mediator", "desk", "driver", "instructor", "secretary", "anonymous")
# Downloads and files are not pages.
NOT_PAGES = ("export", "template", "my_data", "photo", "attachment")
ANONYMOUS_PAGES = ("/accounts/login/", "/accounts/signup/", "/accounts/login/code/", "/accounts/password/reset/")
WIDTH = 375

OVERFLOW_JS = """() => {
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > 376) wide.push(el.tagName.toLowerCase() + '.' + el.className);
  }
  return {width: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def world(park, other_park, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = {role: make_user(f"phone-{role}", value, park, phone=None) for role, value in ROLE_VALUES.items()}
    users["driver"].phone = "13800000077"
    users["driver"].save()
    tree["g1"].secretary_user = users["secretary"]
    tree["g1"].save()
    w = {"park": park, "other_park": other_park, "tree": tree, "users": users}
    for matrix in MATRICES:
        matrix.build(w)
    for matrix in MATRICES:
        if hasattr(matrix, "grow"):
            matrix.grow(w, 3)  # a few rows in every list, so tables are drawn
    return w


def _expected(case, role: str) -> int | None:
    return case.expect.get(role, case.expect.get("default"))


def _pages(world) -> dict[str, list[tuple[str, str]]]:
    """{role: [(name, url)]}: each GET page of the matrices once, for the first preferred role answering 200."""
    by_role: dict[str, list[tuple[str, str]]] = {"anonymous": [("sign-in", u) for u in ANONYMOUS_PAGES]}
    for matrix in MATRICES:
        for name, case in matrix.CASES.items():
            if case.method != "get" or any(part in name for part in NOT_PAGES):
                continue
            role = next((r for r in PREFERRED if _expected(case, r) == 200), None)
            if role is None:
                continue
            url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
            by_role.setdefault(role, []).append((name, url))
    for role in ROLE_VALUES:  # the dashboard, whose cards differ by role
        by_role.setdefault(role, []).append(("home", "/"))
    return by_role


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_fits_a_phone(phone_page, live_server, world, artifacts_dir):
    page = phone_page
    assert page.viewport_size["width"] == WIDTH
    pages = _pages(world)
    walked, wide = 0, []
    for role, entries in pages.items():
        page.context.clear_cookies()
        if role != "anonymous":
            client = Client()
            client.force_login(world["users"][role])
            cookie = client.cookies["sessionid"]
            page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
        for name, url in entries:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, (role, name, url)
            assert "text/html" in response.headers.get("content-type", ""), (role, name, url)
            found = page.evaluate(OVERFLOW_JS)
            walked += 1
            if found["width"] > WIDTH:
                shot = os.path.join(artifacts_dir, f"overflow-{role}-{name.replace(':', '-')}.png")
                page.screenshot(path=shot, full_page=True)
                wide.append((role, url, found["width"], found["wide"]))
    assert walked >= 40, walked  # the matrices really were walked
    assert not wide, wide
    assert {"mediation:case_create", "parties:tree", "drivers_home:me", "drivers_home:desk_today"} <= {
        name for entries in pages.values() for name, _ in entries
    }


# --- The sign-in pages (allauth through templates/account/ and templates/allauth/elements/).
LABELLED_INPUT = re.compile(r'<input (?![^>]*type="(?:hidden|submit)")[^>]*id="([^"]+)"')


def _labels_every_input(html: str) -> None:
    ids = LABELLED_INPUT.findall(html)
    assert ids
    for input_id in ids:
        assert f'for="{input_id}"' in html, input_id


@pytest.mark.django_db
def test_sign_in_puts_the_sms_code_first_for_drivers(client):
    html = client.get("/accounts/login/").content.decode()
    sms = html.index('href="/accounts/login/code/"')
    assert sms < html.index('name="password"')  # drivers see their way in before the staff's password form
    assert "短信验证码登录" in html and "用手机号注册" in html
    # "Remember me" sits inside its label, beside the box, not on a line of its own.
    assert re.search(r'<label class="inline" for="id_remember">\s*<input type="checkbox" name="remember"', html)
    _labels_every_input(html)


@pytest.mark.django_db
def test_code_request_asks_only_for_the_mobile_number(client):
    html = client.get("/accounts/login/code/").content.decode()
    assert 'name="phone"' in html and 'name="email"' not in html
    _labels_every_input(html)
    assert re.search(r'<input type="tel" name="phone"[^>]* required', html)  # a browser will not send it empty


@pytest.mark.django_db
def test_code_request_with_nothing_typed_comes_back(client):
    response = client.post("/accounts/login/code/", {"phone": ""})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.django_db
def test_sign_up_labels_the_phone_field(client):
    html = client.get("/accounts/signup/").content.decode()
    assert 'name="phone"' in html
    _labels_every_input(html)
