"""Enterprise and member lists: filters, search, pagination, export as filtered, masked phones, query counts."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from parties.models import Enterprise, Member

pytestmark = pytest.mark.django_db


def _sheet(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def _names(response) -> list[str]:
    return [row["name"] for row in response.context["page"].object_list]  # rows are dicts


def test_enterprise_filters(client, alice, tree, grow_tree):
    grow_tree(9)
    client.force_login(alice)
    url = reverse("parties:enterprise_list")
    assert response_count(client, url, {}) == 11
    assert set(_names(client.get(url, {"kind": "platform"}))) == {"传化公路港", "云集药业"}
    assert response_count(client, url, {"coverage": "none"}) == 3  # i = 1, 4, 7
    assert response_count(client, url, {"platform": tree["e1"].pk}) == 9
    assert response_count(client, url, {"category": tree["category"].pk}) == 11
    assert response_count(client, url, {"q": "入驻企业3"}) == 1
    assert (
        response_count(client, url, {"must": "true"}) == 2 + 3
    )  # platforms + tenants with 3 or 4 members (i = 3, 4, 8)
    # Subtree of 综合党委二 holds only 云集药业 (its tenants are all under 传化公路港).
    assert _names(client.get(url, {"organisation": tree["g2"].pk})) == ["云集药业"]
    # Subtree of 综合党委一: 传化公路港 and all its tenants, through the platform's organisation.
    assert response_count(client, url, {"organisation": tree["g1"].pk}) == 10


def response_count(client, url, params) -> int:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_member_filters_and_masked_phones(client, alice, tree, grow_tree):
    grow_tree(10)
    client.force_login(alice)
    url = reverse("parties:member_list")
    assert response_count(client, url, {}) == 10
    assert response_count(client, url, {"floating": "true"}) == 2
    assert response_count(client, url, {"status": "probationary"}) == 3
    assert response_count(client, url, {"organisation": tree["g2"].pk}) == 0
    assert response_count(client, url, {"organisation": tree["g1"].pk}) == 10
    assert response_count(client, url, {"birthday_month": 3}) == 1
    assert response_count(client, url, {"q": "党员7"}) == 1
    html = client.get(url).content.decode()
    assert "138****0001" in html
    assert "13800000001" not in html


def test_pagination(client, alice, tree, grow_tree):
    grow_tree(60)
    client.force_login(alice)
    url = reverse("parties:member_list")
    first = client.get(url)
    assert len(first.context["page"].object_list) == 50
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 10
    assert client.get(url, {"page": "zzz"}).status_code == 200
    assert client.get(url, {"page": 999}).context["page"].number == 2


def test_enterprise_export_is_the_filtered_list(client, alice, tree, grow_tree):
    grow_tree(9)
    client.force_login(alice)
    rows = _sheet(client.get(reverse("parties:enterprise_export"), {"coverage": "none"}))
    assert len(rows) == 1 + 3
    assert {r[0] for r in rows[1:]} == {"x入驻企业1", "x入驻企业4", "x入驻企业7"}
    assert all(r[9] == "人数不足" for r in rows[1:])


def test_member_export_is_filtered_and_masks_phones(client, alice, tree, grow_tree):
    grow_tree(10)
    client.force_login(alice)
    rows = _sheet(client.get(reverse("parties:member_export"), {"floating": "true"}))
    assert len(rows) == 1 + 2
    assert {r[0] for r in rows[1:]} == {"x党员0", "x党员5"}
    phones = [r[-1] for r in rows[1:]]
    assert phones == ["138****0000", "138****0005"] or sorted(phones) == ["138****0000", "138****0005"]


def test_secretary_lists_and_exports_stay_in_their_subtree(client, sam, tree, grow_tree):
    Member.objects.create(park=tree["root"].park, organisation=tree["b2"], name="外部党员")
    grow_tree(4)
    client.force_login(sam)
    assert "外部党员" not in {r[0] for r in _sheet(client.get(reverse("parties:member_export")))}
    names = {r[0] for r in _sheet(client.get(reverse("parties:enterprise_export")))}
    assert "云集药业" not in names and "传化公路港" in names
    # Choosing an organisation outside the subtree is a field error, not a peek.
    response = client.get(reverse("parties:member_list"), {"organisation": tree["g2"].pk})
    assert response.context["filter"].errors["organisation"]
    assert response.context["page"].paginator.count == 0


@pytest.mark.parametrize(
    "url_name, params, field",
    [
        ("parties:enterprise_list", {"coverage": "bogus"}, "coverage"),
        ("parties:enterprise_list", {"kind": "<script>"}, "kind"),
        ("parties:enterprise_list", {"platform": "abc"}, "platform"),
        ("parties:enterprise_list", {"organisation": "999999"}, "organisation"),
        ("parties:member_list", {"status": "x"}, "status"),
        ("parties:member_list", {"birthday_month": "13"}, "birthday_month"),
        ("parties:member_list", {"organisation": "-1"}, "organisation"),
    ],
)
def test_bad_filter_values_show_field_errors(client, alice, tree, url_name, params, field):
    client.force_login(alice)
    before = (Enterprise.objects.count(), Member.objects.count())
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert field in response.context["filter"].errors
    assert 'class="errorlist"' in response.content.decode()
    assert (Enterprise.objects.count(), Member.objects.count()) == before


# Queries per list page, whatever the number of rows. A page seen for the first time under its data reads:
#   the session with its user, the generations of the parties tables (parkportal.querycache: one query for
#   every part the page keeps), the filter form's choice lists (enterprise: platforms, categories,
#   organisations; member: organisations), the page's COUNT and the page's rows (one query, select_related).
# Seen again under the same data, its content is kept: the session with its user, the generations (+ a
# secretary's root path).
@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize(
    "persona, url_name, queries, again",
    [
        ("alice", "parties:enterprise_list", 7, 2),
        ("alice", "parties:member_list", 5, 2),
        ("sam", "parties:enterprise_list", 8, 3),  # + the secretary's root path
        ("sam", "parties:member_list", 6, 3),
        # The session with its user, the generation of its tables, then (not kept yet) organisations with their
        # member counters; once kept, the session with its user, the generation
        ("alice", "parties:tree", 3, 2),
        ("sam", "parties:tree", 4, 2),  # + the secretary's root path (not once kept: keyed on his id)
        # The session with its user, the generations, organisations with their member counters, 2 x (count +
        # rows); kept: the session with its user, the generations
        ("alice", "parties:reminders", 7, 2),
        ("alice", "parties:enterprise_export", 2, 2),
        ("alice", "parties:member_export", 2, 2),
    ],
)
def test_list_query_counts_are_constant(
    client, request, tree, grow_tree, django_assert_num_queries, persona, url_name, queries, again, n
):
    grow_tree(n)
    client.force_login(request.getfixturevalue(persona))
    with django_assert_num_queries(queries):
        assert client.get(reverse(url_name)).status_code == 200
    with django_assert_num_queries(again):
        assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("n", [5, 50])
def test_organisation_page_query_count_is_constant(client, alice, tree, grow_tree, django_assert_num_queries, n):
    grow_tree(n)
    client.force_login(alice)
    # The session with its user, organisation, member figures, ancestors, children with counts, enterprises,
    # their count, members, vanguard posts
    with django_assert_num_queries(9):
        client.get(reverse("parties:organisation", args=[tree["b1"].pk]))


def test_filter_selects_list_the_viewers_organisations_indented_with_the_chosen_one_selected(client, alice, sam, tree):
    """The organisation filter (a FastSelect over values_list choices) lists the viewer's tree, indented by depth."""
    client.force_login(alice)
    html = client.get(reverse("parties:member_list"), {"organisation": tree["c1"].pk}).content.decode()
    assert f'<option value="{tree["root"].pk}">党工委</option>' in html
    assert f'<option value="{tree["c1"].pk}" selected>\u3000\u3000社区一</option>' in html
    # the organisation, and the empty first option of status, floating and inactive (the month has none)
    assert html.count(" selected>") == 4
    client.force_login(sam)  # secretary of 综合党委一: only that subtree, indented from its own depth
    html = client.get(reverse("parties:enterprise_list")).content.decode()
    select = html[html.index('<select name="organisation"') :]
    select = select[: select.index("</select>")]
    assert f'<option value="{tree["g1"].pk}">\u3000综合党委一</option>' in select
    assert "综合党委二" not in select and "党工委<" not in select
    assert f'<option value="{tree["e1"].pk}">传化公路港</option>' in html  # the platform filter, by name


def test_enterprise_and_member_rows_escape_what_people_typed(client, alice, tree):
    """The two lists' rows are HTML built in Python (ENTERPRISE_ROW, MEMBER_ROW): every typed value is escaped."""
    from parties.models import Category, Organisation

    park = tree["e1"].park
    Category.objects.filter(pk=tree["category"].pk).update(name="<i>类</i>")
    Organisation.objects.filter(pk=tree["b1"].pk).update(name="<u>支部</u>")
    Enterprise.objects.filter(pk=tree["e1"].pk).update(name="<script>x</script>", no_coverage_reason="'<b>'")
    tree["ins1"].name = '"<s>"'
    tree["ins1"].save()
    Enterprise.objects.create(
        park=park, name="租户", kind="secondary", platform=tree["e1"], member_count=1, coverage="none"
    )
    Member.objects.create(
        park=park,
        organisation=tree["b1"],
        name="<em>党员</em>",
        status="full",
        is_floating=True,
        home_organisation="<q>原单位</q>",
        floating_certificate="&1",
        phone="13800000009",
    )
    client.force_login(alice)
    html = client.get(reverse("parties:enterprise_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for raw in ("<script>x", "<i>", "<u>", "<b>", "<s>"):
        assert raw not in html
    assert '<td data-label="Name">&lt;script&gt;x&lt;/script&gt;</td>' in html
    assert '租户<br><span class="muted">&lt;script&gt;x&lt;/script&gt;</span></td>' in html
    assert "&lt;i&gt;类&lt;/i&gt;" in html and "&lt;u&gt;支部&lt;/u&gt;</a>" in html
    assert '<br><span class="muted">&#x27;&lt;b&gt;&#x27;</span></td>' in html
    assert "&quot;&lt;s&gt;&quot;" in html
    html = client.get(reverse("parties:member_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for raw in ("<em>", "<q>", "<u>"):
        assert raw not in html
    assert "&lt;em&gt;党员&lt;/em&gt;" in html
    assert '<span class="muted">&lt;q&gt;原单位&lt;/q&gt; &amp;1</span></td>' in html
    assert "138****0009" in html and "13800000009" not in html
