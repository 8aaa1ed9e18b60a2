"""The office lists keep what they computed per process under the generations of the tables they read
(parkportal.querycache): the filters' organisation and platform options, the lists' counts and rows, the coverage
figures and the reminders. Every write shows at once, also one made without signals (QuerySet.update,
bulk_create), and two viewers of different scopes never share an entry."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parkportal import querycache
from parties.models import Category, Enterprise, Member, MemberStatus, Organisation

pytestmark = pytest.mark.django_db


def _get(client, name, params=None) -> str:
    response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _select(html: str, name: str) -> str:
    select = html[html.index(f'<select name="{name}"') :]
    return select[: select.index("</select>")]


def _fresh(client, name, params=None) -> str:
    """The page as rendered with nothing kept."""
    querycache.clear()
    from django.core.cache import cache

    cache.clear()
    return _get(client, name, params)


def test_filter_options_follow_renames_and_new_rows_made_without_signals(client, alice, tree):
    client.force_login(alice)
    _get(client, "parties:enterprise_list")
    with CaptureQueriesContext(connection) as queries:
        html = _get(client, "parties:enterprise_list")
    # kept: neither the organisations nor the platforms are read for the options the second time
    assert not [q for q in queries.captured_queries if '"parties_organisation"."depth"' in q["sql"]]
    assert f'<option value="{tree["b1"].pk}">' in _select(html, "organisation")
    Organisation.objects.filter(pk=tree["b1"].pk).update(name="改名的支部")
    Enterprise.objects.filter(pk=tree["e1"].pk).update(name="改名的平台")
    Category.objects.filter(pk=tree["category"].pk).update(name="改名的类别")
    html = _get(client, "parties:enterprise_list")
    assert "改名的支部</option>" in _select(html, "organisation")
    assert "改名的平台</option>" in _select(html, "platform")
    assert "改名的类别</option>" in _select(html, "category")
    Enterprise.objects.bulk_create(
        [Enterprise(park=tree["e1"].park, name="新平台", kind="platform", member_count=0, coverage="none")]
    )
    assert "新平台</option>" in _select(_get(client, "parties:enterprise_list"), "platform")
    assert html == _fresh(client, "parties:enterprise_list") or "新平台" in _fresh(client, "parties:enterprise_list")


def test_the_chosen_option_is_marked_on_kept_options(client, alice, tree):
    client.force_login(alice)
    _get(client, "parties:member_list")  # keeps the options with none chosen
    html = _get(client, "parties:member_list", {"organisation": tree["c1"].pk})
    select = _select(html, "organisation")
    assert select.count(" selected") == 1
    assert f'<option value="{tree["c1"].pk}" selected>' in select
    assert html == _fresh(client, "parties:member_list", {"organisation": tree["c1"].pk})
    select = _select(_get(client, "parties:member_list"), "organisation")
    assert select.count(" selected") == 1 and '<option value="" selected>' in select


def test_a_secretary_and_an_administrator_do_not_share_kept_options_or_rows(client, alice, sam, tree, grow_tree):
    grow_tree(3)
    for name in ("parties:enterprise_list", "parties:member_list", "parties:coverage", "parties:reminders"):
        client.force_login(alice)
        admin = _get(client, name)
        client.force_login(sam)
        secretary = _get(client, name)
        assert secretary == _fresh(client, name)
        client.force_login(alice)
        assert admin == _fresh(client, name)
    client.force_login(sam)
    html = _get(client, "parties:enterprise_list")
    assert "综合党委二" not in _select(html, "organisation")


def test_list_rows_and_counts_follow_writes_made_without_signals(client, alice, tree, grow_tree):
    grow_tree(4)
    client.force_login(alice)
    first = _get(client, "parties:member_list")
    assert _get(client, "parties:member_list") == first  # kept
    member = Member.objects.filter(organisation__park=tree["b1"].park).order_by("name").first()
    Member.objects.filter(pk=member.pk).update(name="改名的党员")
    html = _get(client, "parties:member_list")
    assert "改名的党员" in html
    Member.objects.bulk_create(
        [
            Member(park=tree["b1"].park, organisation=tree["b1"], name=f"新党员{i}", status=MemberStatus.FULL)
            for i in range(3)
        ]
    )
    response = client.get(reverse("parties:member_list"))
    assert response.context["page"].paginator.count == Member.objects.visible_to(alice).count()
    assert "新党员2" in response.content.decode()
    # an organisation renamed changes the rows that show its name
    Organisation.objects.filter(pk=tree["b1"].pk).update(name="改名的支部")
    assert "改名的支部</a>" in _get(client, "parties:member_list")
    Enterprise.objects.filter(pk=tree["e1"].pk).update(staff_count=4321)
    assert "4321" in _get(client, "parties:enterprise_list")


def test_coverage_follows_writes_made_without_signals(client, alice, tree, grow_tree):
    grow_tree(6)
    client.force_login(alice)
    first = _get(client, "parties:coverage")
    assert _get(client, "parties:coverage") == first
    Enterprise.objects.filter(park=tree["e1"].park).update(coverage="own")
    html = _get(client, "parties:coverage")
    assert html != first
    assert 'id="coverage-rate">100.0%' in html
    assert html == _fresh(client, "parties:coverage")
    Organisation.objects.filter(pk=tree["g1"].pk).update(name="改名的综合党委")
    assert "改名的综合党委" in _get(client, "parties:coverage")


@pytest.mark.parametrize("persona", ["alice", "sam"])
def test_the_coverage_key_holds_every_table_the_missing_list_reads(request, persona, rf, tree):
    """The key compiles the viewer's organisations and enterprises, not the missing list (the enterprises' SQL
    with the rules' filter and fixed joins): the tables of those joins are in it by MISSING_LIST_MODELS."""
    from parkportal import generations
    from parties import coverage as cov
    from parties.views.coverage import MISSING_COLUMNS

    user = request.getfixturevalue(persona)
    missing = cov.missing_enterprises(user).values(*MISSING_COLUMNS)
    sql, _params = missing.query.get_compiler(using=missing.db).as_sql()
    page = rf.get(reverse("parties:coverage"))
    page.user = user
    key = cov.coverage_key(page)
    assert key is not None
    assert querycache.tables(sql) <= set(key[1]), querycache.tables(sql) - set(key[1])
    assert all(generations.installed(connection, table) for table in key[1])


def test_coverage_missing_list_follows_its_categories_and_instructors(client, alice, tree):
    Enterprise.objects.filter(pk=tree["e1"].pk).update(coverage="none", instructor=tree["ins1"])
    client.force_login(alice)
    assert "指导员一" in _get(client, "parties:coverage")
    from parties.models import Instructor

    Instructor.objects.filter(pk=tree["ins1"].pk).update(name="改名的指导员")
    assert "改名的指导员" in _get(client, "parties:coverage")


def test_a_secretarys_root_path_is_the_shallowest_organisation_they_answer_for(tree, sam, park):
    """parties.querysets.secretary_root_path reads it with a statement prepared once per connection."""
    from parties.querysets import secretary_root_path
    from tests.conftest import make_user

    def fresh(user):
        user = type(user).objects.get(pk=user.pk)
        return secretary_root_path(user)

    assert fresh(sam) == tree["g1"].path
    Organisation.objects.filter(pk=tree["b1"].pk).update(secretary_user=sam)  # deeper: g1 stays the root
    assert fresh(sam) == tree["g1"].path
    Organisation.objects.filter(pk=tree["root"].pk).update(secretary_user=sam)
    assert fresh(sam) == tree["root"].path
    nobody = make_user("sec-without-org", "secretary", park)
    assert fresh(nobody) is None
    assert Organisation.objects.filter(secretary_user=sam, park_id=park.pk).order_by("depth").first().path == fresh(sam)
