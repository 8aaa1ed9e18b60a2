"""The unfiltered case list (no filter, at most a page number) reads its bodies, count, rows and applicants by
prepared statements (mediation.views, parkportal.rows.PreparedQuery); a filter reads them through the ORM. Both
show the same page, and the prepared one follows the scope methods, which it compiles rather than repeats."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connections
from django.urls import reverse

from mediation.models import Applicant
from mediation.querysets import CaseQuerySet
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db


def _page(html: str) -> str:
    """The list's count line, body options and table: what both paths must agree on."""
    options = re.search(r'<select name="body".*?</select>', html, re.S).group()
    count = re.search(r'<p class="muted">.*?</p>', html, re.S).group()
    table = html[html.index('<table class="table stack cases">') : html.index("</table>")]
    return "\n".join((count, re.sub(r"\s+", " ", options), table))


@pytest.fixture
def many(room, committee, tree):
    """Two pages of mabel's room (with 0–3 applicants, some respondent enterprises) and some of another body."""
    for i in range(57):
        extra = {"respondent_enterprise": tree["e1"], "respondent_name": ""} if i % 4 == 0 else {}
        make_case(room, days_ago=i % 20, applicants=i % 4, status=("received", "accepted", "closed")[i % 3], **extra)
    for i in range(6):
        make_case(committee, days_ago=i)
    Applicant.objects.create(case=make_case(room, applicants=0), name="<b>&工人</b>", phone="13900009999")


@pytest.mark.parametrize("who", ["mabel", "alice"])
@pytest.mark.parametrize("page", ["1", "2", "3", "x"])
def test_prepared_page_is_the_filtered_page(client, request, many, who, page):
    """`q=` with a blank value filters nothing but takes the ORM path; the count, the body options, and each row
    (applicants, masked numbers, escaping, clock) are the same as the prepared path's."""
    client.force_login(request.getfixturevalue(who))
    url = reverse("mediation:case_list")
    prepared = client.get(url, {"page": page}).content.decode()
    filtered = client.get(url, {"page": page, "q": ""}).content.decode()
    assert _page(prepared) == _page(filtered)
    assert prepared.count("<tr") == filtered.count("<tr") > 1


def test_unfiltered_list_without_page_is_the_filtered_list(client, mabel, many):
    client.force_login(mabel)
    url = reverse("mediation:case_list")
    assert _page(client.get(url).content.decode()) == _page(client.get(url, {"q": ""}).content.decode())


def _forget_statements() -> None:
    """As a new connection would: compile afresh (the statements are kept per connection)."""
    connection = connections["default"]
    for key in [k for k in connection.__dict__ if k.startswith("_portal_prepared_case_list")]:
        del connection.__dict__[key]


@pytest.fixture
def fresh_statements():
    _forget_statements()
    yield
    _forget_statements()  # not to leave statements compiled from a patched scope to the next tests


def test_prepared_list_follows_the_scope_method(client, mabel, room, committee, monkeypatch, fresh_statements):
    """The statements are compiled from CaseQuerySet.scope_mediator: change it, and the list follows."""
    mine, other = make_case(room), make_case(committee)
    client.force_login(mabel)
    url = reverse("mediation:case_list")
    html = client.get(url).content.decode()
    assert f'href="/mediation/{mine.pk}/"' in html and f'href="/mediation/{other.pk}/"' not in html
    monkeypatch.setattr(CaseQuerySet, "scope_mediator", lambda self, user: self.filter(park_id=user.park_id))
    _forget_statements()
    cache.clear()  # the page cached under the tables' generation: a changed scope comes with a new key version
    html = client.get(url).content.decode()
    assert f'href="/mediation/{mine.pk}/"' in html and f'href="/mediation/{other.pk}/"' in html
