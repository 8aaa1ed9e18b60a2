"""The site page's query is compiled once per connection (views.driver._site_page, a PreparedQuery): it must read what the
queryset reads, and the page must be the page the ORM's instances made."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from django.db.models import F, Subquery

from drivers_home.models import DriverProfile, Service, Site
from drivers_home.views import driver as views

HOSTILE = "<b>&\"'</b>"


@pytest.fixture
def hostile(park, home, services, dan):
    """Markup in everything the page shows from the database."""
    Site.objects.filter(pk=home.pk).update(
        name=f"家{HOSTILE}", opening_hours=f"8-20{HOSTILE}", address=f"路{HOSTILE}", facilities=f"床\n{HOSTILE}\n\n书"
    )
    Service.objects.filter(pk=services[1].pk).update(name=f"淋浴{HOSTILE}")
    DriverProfile.objects.filter(user=dan).update(name=f"秦{HOSTILE}")


def _old_site_and_services_by_token(token: str, driver_id: int | None = None):
    """Round 3's version: the queryset built and compiled on every request, model instances."""
    if not 8 <= len(token) <= 32:
        raise views.Http404
    rows = Site.objects.filter(token=token, active=True).annotate(
        service_name=F("services__name"), service_order=F("services__order")
    )
    if driver_id is not None:
        profile = DriverProfile.objects.filter(user_id=driver_id).order_by()
        rows = rows.annotate(
            profile_pk=Subquery(profile.values("pk")[:1]), profile_name=Subquery(profile.values("name")[:1])
        )
    rows = list(rows.order_by("service_order", "service_name"))
    if not rows:
        raise views.Http404
    return rows[0], [r.service_name for r in rows if r.service_name is not None]


def _fields(site: Site) -> dict:
    return {name: getattr(site, name) for name in views.SITE_FIELDS}


@pytest.mark.parametrize("who", ["dan", "newbie", None])
def test_the_statement_reads_what_the_queryset_reads(request, hostile, home, station, far, who):
    user = request.getfixturevalue(who) if who else None
    for site in (home, station, far):
        for _ in range(2):  # compiled on the first, reused on the second
            new, names = views._site_and_services_by_token(site.token, user.pk if user else None)
            old, old_names = _old_site_and_services_by_token(site.token, user.pk if user else None)
            assert _fields(new) == _fields(old) and names == old_names
            assert new._state.adding is False and new._state.db == "default"
            if user is not None:
                assert (new.profile_pk, new.profile_name) == (old.profile_pk, old.profile_name)
    compiled = connections["default"].__dict__["_portal_prepared_site_page"]
    assert ("driver" if user else "visitor") in {shape for shape, _types in compiled}


def test_a_change_shows_on_the_next_request(client, dan, home, services):
    client.force_login(dan)
    assert "休息" in client.get(f"/home/s/{home.token}/").content.decode()
    Service.objects.filter(pk=services[0].pk).update(name="午休")
    home.services.remove(services[2])
    html = client.get(f"/home/s/{home.token}/").content.decode()
    assert "午休" in html and "休息" not in html and services[2].name not in html
    Site.objects.filter(pk=home.pk).update(active=False)
    assert client.get(f"/home/s/{home.token}/").status_code == 404


def _page(client, url: str) -> tuple[int, str]:
    response = client.get(url)
    # The CSRF token is masked afresh on every rendering.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", response.content.decode())
    return response.status_code, html


@pytest.mark.parametrize("who", ["dan", "newbie", "alice", None])
def test_the_page_is_the_one_the_orm_made(client, monkeypatch, request, hostile, home, station, far, who, settings):
    if who:
        client.force_login(request.getfixturevalue(who))
    for language in ("zh-hans", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for site in (home, station, far):
            url = f"/home/s/{site.token}/"
            new = _page(client, url)
            with monkeypatch.context() as patched:
                patched.setattr(views, "_site_and_services_by_token", _old_site_and_services_by_token)
                old = _page(client, url)
            assert new == old
            if who == "dan" and site == home:
                assert "秦&lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;" in new[1] and HOSTILE not in new[1]
