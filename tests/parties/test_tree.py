"""The tree page nests organisations of any depth; the organisation page shows its people and enterprises."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from parties.models import Member, MemberStatus, Organisation, OrganisationKind, VanguardPost

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_tiers(tree):
    """A fifth tier: a branch under 传化公路港党支部 (tier 4), with two full members and one floating."""
    park = tree["root"].park
    leaf = Organisation.objects.create(
        park=park, parent=tree["b1"], name="车队党小组支部", kind=OrganisationKind.BRANCH, tier_name="第五层"
    )
    Member.objects.create(park=park, organisation=leaf, name="秦师傅", status=MemberStatus.FULL)
    Member.objects.create(park=park, organisation=leaf, name="李师傅", status=MemberStatus.FULL)
    Member.objects.create(
        park=park, organisation=leaf, name="王师傅", is_floating=True, home_organisation="四川省南充市某党支部"
    )
    return leaf


def test_five_tier_paths_and_depths(tree, five_tiers):
    assert five_tiers.depth == 4
    assert five_tiers.path.startswith(tree["b1"].path)
    chain = [o.name for o in five_tiers.ancestors()]
    assert chain == ["党工委", "综合党委一", "社区一", "传化公路港党支部"]
    assert set(tree["g1"].subtree().values_list("name", flat=True)) == {
        "综合党委一",
        "社区一",
        "传化公路港党支部",
        "车队党小组支部",
    }


def _nesting(html: str) -> dict[str, int]:
    """How many <ul> are open around each organisation link: the rendered nesting depth."""
    depth, found = 0, {}
    for token in re.finditer(r"<ul[^>]*>|</ul>|<a class=\"org-link\"[^>]*>([^<]+)</a>", html):
        if token.group(0).startswith("<ul"):
            depth += 1
        elif token.group(0) == "</ul>":
            depth -= 1
        else:
            found[token.group(1)] = depth
    assert depth == 0, "every nested list is closed"
    return found


def test_tree_page_nests_five_tiers_with_counts(client, alice, tree, five_tiers):
    client.force_login(alice)
    response = client.get(reverse("parties:tree"))
    html = response.content.decode()
    nesting = _nesting(html)
    assert nesting["党工委"] == 1
    assert nesting["综合党委一"] == 2
    assert nesting["社区一"] == 3
    assert nesting["传化公路港党支部"] == 4
    assert nesting["车队党小组支部"] == 5
    assert nesting["云集药业党支部"] == 4
    assert reverse("parties:organisation", args=[five_tiers.pk]) in html
    nodes = {node.org.name: node for node in response.context["nodes"]}
    # The root counts every member of the park (3, the floating one included) and has 2 child organisations.
    assert (nodes["党工委"].subtree_members, nodes["党工委"].children) == (3, 2)
    assert (nodes["传化公路港党支部"].subtree_members, nodes["传化公路港党支部"].children) == (3, 1)
    assert (nodes["云集药业党支部"].subtree_members, nodes["云集药业党支部"].children) == (0, 0)


def test_secretary_tree_starts_at_their_committee(client, sam, tree, five_tiers):
    client.force_login(sam)
    nesting = _nesting(client.get(reverse("parties:tree")).content.decode())
    assert nesting == {"综合党委一": 1, "社区一": 2, "传化公路港党支部": 3, "车队党小组支部": 4}


def test_organisation_page_shows_members_children_enterprises_and_term(client, alice, tree, five_tiers):
    b1 = tree["b1"]
    b1.secretary_name = "张书记"
    b1.term_years = 3
    b1.save()
    member = Member.objects.create(park=b1.park, organisation=b1, name="赵党员", phone="13812345678")
    VanguardPost.objects.create(park=b1.park, organisation=b1, member=member, name="党员先锋车1号", kind="vehicle")
    client.force_login(alice)
    html = client.get(reverse("parties:organisation", args=[b1.pk])).content.decode()
    for text in ("张书记", "赵党员", "车队党小组支部", "传化公路港", "党员先锋车1号", "社区一"):
        assert text in html
    assert "13812345678" not in html  # the page has no need of phone numbers
    response = client.get(reverse("parties:organisation", args=[five_tiers.pk]))
    assert "秦师傅" in response.content.decode() and "王师傅" in response.content.decode()
    figures = response.context["figures"]
    assert (figures["full"], figures["probationary"], figures["floating"], figures["own"]) == (2, 0, 1, 3)


def test_organisation_page_hides_ancestors_above_the_secretary(client, sam, tree):
    client.force_login(sam)
    html = client.get(reverse("parties:organisation", args=[tree["c1"].pk])).content.decode()
    assert "综合党委一" in html  # sam's own committee, in the breadcrumb
    assert "党工委</a>" not in html  # the park committee above sam is not shown


def test_organisation_export_is_the_viewers_tree(client, sam, tree, five_tiers):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(sam)
    response = client.get(reverse("parties:organisation_export"))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"综合党委一", "社区一", "传化公路港党支部", "车队党小组支部"}
    leaf = by_name["车队党小组支部"]
    assert leaf[3] == "传化公路港党支部"
    assert leaf[8:11] == (2, 2, 1)  # full, local members, floating


@pytest.mark.parametrize("persona", ["alice", "sam"])
def test_the_kept_tree_reads_only_the_generation(request, client, tree, persona):
    """Once rendered for a generation, the tree is served from the process: no organisation is read again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(request.getfixturevalue(persona))

    def page() -> str:  # without the per-response CSRF token
        return re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(reverse("parties:tree")).content.decode()
        )

    first = page()
    with CaptureQueriesContext(connection) as ctx:
        again = page()
    tables = [q["sql"] for q in ctx.captured_queries]
    assert again == first and "传化公路港党支部" in again
    assert sum("parkportal_generation" in sql for sql in tables) == 1
    others = [sql for sql in tables if "parkportal_generation" not in sql]
    assert not any("parties_organisation" in sql for sql in others), tables
