"""The page frame's menu and language buttons, built in Python (parkportal/frame.py), against the template they
replaced (tests/templates/frame_reference.html) and in use on real pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import RequestContext, engines
from django.test import Client, RequestFactory
from django.utils import translation

from parkportal.frame import languages_html, menu_html
from parkportal.models import User
from parkportal.roles import Role

pytestmark = pytest.mark.django_db

REFERENCE = (Path(__file__).resolve().parent.parent / "templates" / "frame_reference.html").read_text(encoding="utf-8")


def _normalised(html: str) -> str:
    """Whitespace between tags and around text dropped, CSRF tokens replaced (each rendering masks its own)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="T"', html)
    return re.sub(r"\s*\n\s*", "", html).strip()


def _reference(request) -> tuple[str, str]:
    rendered = engines["django"].from_string(REFERENCE).template.render(RequestContext(request, {}))
    menu = re.search(r"<menu-part>(.*)</menu-part>", rendered, re.S).group(1)
    languages = re.search(r"<languages-part>(.*)</languages-part>", rendered, re.S).group(1)
    return _normalised(menu), _normalised(languages)


def _request(user, path="/org/enterprises/?q=a&page=2"):
    request = RequestFactory().get(path)
    request.user = user
    return request


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("is_staff", [False, True])
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_the_frame_is_what_the_template_wrote(park, role, is_staff, language):
    user = User.objects.create_user(
        username=f"frame-{role or 'none'}", park=park, role=role, is_staff=is_staff, display_name="王 <b>&</b>"
    )
    with translation.override(language):
        request = _request(user)
        menu, languages = _reference(request)
        assert _normalised(menu_html(request)) == menu
        assert _normalised(languages_html(request)) == languages
    assert "王 &lt;b&gt;&amp;&lt;/b&gt;" in menu  # the name is escaped in both
    assert ('class="linklike current" lang="en"' in languages) == (language == "en")


def test_a_visitor_has_no_menu_and_the_same_language_buttons(client):
    from django.contrib.auth.models import AnonymousUser

    # get_full_path() percent-encodes " < > itself; & and ' reach the attribute and must be escaped.
    request = _request(AnonymousUser(), path="/events/?q='x'&page=2")
    menu, languages = _reference(request)
    assert menu == "" == str(menu_html(request))
    assert _normalised(languages_html(request)) == languages
    assert 'value="/events/?q=&#x27;x&#x27;&amp;page=2"' in languages


def test_the_menus_sign_out_form_works_with_csrf_checks_on(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/").content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)"><input type="hidden" name="csrfmiddlewaretoken" '
        r'value="([^"]+)">',
        page,
    )
    assert form is not None, "the menu's sign-out form"
    response = client.post(form.group(1), {"csrfmiddlewaretoken": form.group(2)})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user.is_anonymous


def test_the_language_buttons_switch_and_come_back(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/org/enterprises/?page=1", headers={"accept-language": "zh-hans"}).content.decode()
    assert 'class="linklike current" lang="zh-hans"' in page
    form = re.search(
        r'<form action="([^"]+)" method="post" class="lang"><input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)">\s*<input name="next" type="hidden" '
        r'value="([^"]+)">',
        page,
    )
    assert form is not None, "the footer's language form"
    assert form.group(3) == "/org/enterprises/?page=1"
    response = client.post(
        form.group(1), {"csrfmiddlewaretoken": form.group(2), "next": form.group(3), "language": "en"}
    )
    assert response.status_code == 302 and response["Location"] == "/org/enterprises/?page=1"
    assert 'class="linklike current" lang="en"' in client.get("/org/enterprises/?page=1").content.decode()


def test_a_page_masks_its_csrf_token_once(alice, client):
    # Both forms carry the page's one token, as {% csrf_token %} twice did (a mask costs 40 µs: one per page).
    client.force_login(alice)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/").content.decode())
    assert len(tokens) == 2 and tokens[0] == tokens[1]


def test_every_page_names_its_icon_so_no_browser_asks_for_a_missing_favicon():
    """Without a <link rel="icon">, browsers ask for /favicon.ico, which answers a 404 page."""
    from xml.etree import ElementTree

    from django.contrib.staticfiles import finders

    body = Client().get("/accounts/login/").content.decode()
    href = re.search(r'<link rel="icon" href="/static/([^"]+)" type="image/svg\+xml">', body).group(1)
    path = finders.find(href)
    assert path, f"{href} is not a static file"
    data = Path(path).read_bytes()
    assert len(data) < 1024  # on every driver's first page
    assert ElementTree.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
