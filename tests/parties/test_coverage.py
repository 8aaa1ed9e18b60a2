"""应建必建率 on a hand-built park whose answer is known, overall, per committee and for a secretary."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from parkportal.models import Park
from parkportal.roles import Role
from parties.models import CoverageStatus as C
from parties.models import Enterprise, Organisation
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_park(db):
    park = Park.objects.create(name="手工园区")
    root = Organisation.objects.create(park=park, name="党工委", kind="committee")
    a = Organisation.objects.create(park=park, parent=root, name="甲综合党委", kind="committee")
    b = Organisation.objects.create(park=park, parent=root, name="乙综合党委", kind="committee")
    ca = Organisation.objects.create(park=park, parent=a, name="甲社区", kind="committee")
    branch_a = Organisation.objects.create(park=park, parent=ca, name="甲平台支部")
    branch_b = Organisation.objects.create(park=park, parent=b, name="乙平台支部")

    def ent(name, members, coverage, org=None, platform=None, **extra):
        return Enterprise.objects.create(
            park=park,
            name=name,
            kind="secondary" if platform else "platform",
            platform=platform,
            member_count=members,
            coverage=coverage,
            organisation=org,
            **extra,
        )

    p1 = ent("P1", 10, C.OWN, branch_a)  # must, built (甲)
    p2 = ent("P2", 5, C.OWN, branch_b)  # must, built (乙)
    ent("S1", 4, C.JOINT, branch_a, p1)  # must, built (甲)
    ent("S2", 3, C.NONE, None, p1, no_coverage_reason="刚入驻", coverage_planned=date(2027, 3, 1))  # must, missing (甲)
    ent("S3", 6, C.INSTRUCTOR, None, p2, no_coverage_reason="党员流动性大")  # must, missing (乙)
    ent("S4", 2, C.NONE, None, p2, no_coverage_reason="党员不足")  # not must (乙)
    ent("S5", 0, C.INSTRUCTOR, None, p2)  # not must (乙)
    ent("P3", 3, C.NONE, None, no_coverage_reason="筹建中")  # must, missing, attached to no organisation
    admin = make_user("hand-admin", Role.PARK_ADMIN, park)
    secretary = make_user("hand-secretary", Role.SECRETARY, park)
    a.secretary_user = secretary
    a.save()
    return {"park": park, "a": a, "b": b, "ca": ca, "admin": admin, "secretary": secretary}


def test_overall_and_per_committee_rates(client, hand_park):
    client.force_login(hand_park["admin"])
    response = client.get(reverse("parties:coverage"))
    overall = response.context["overall"]
    assert (overall["total"], overall["must"], overall["built"]) == (8, 6, 3)
    assert overall["rate"] == pytest.approx(50.0)
    assert (overall["own"], overall["joint"], overall["instructor"], overall["none"]) == (2, 1, 2, 3)
    rows = {row.label: row for row in response.context["rows"]}
    assert list(rows) == ["甲综合党委", "乙综合党委"]
    assert (rows["甲综合党委"].total, rows["甲综合党委"].must, rows["甲综合党委"].built) == (3, 3, 2)
    assert rows["甲综合党委"].rate == pytest.approx(200 / 3)
    assert (rows["乙综合党委"].total, rows["乙综合党委"].must, rows["乙综合党委"].built) == (4, 2, 1)
    assert rows["乙综合党委"].rate == pytest.approx(50.0)
    unassigned = response.context["unassigned"]
    assert (unassigned.total, unassigned.must, unassigned.built) == (1, 1, 0)
    assert response.context["root_row"] is None
    missing = [e["name"] for e in response.context["page"].object_list]  # rows are dicts
    assert sorted(missing) == ["P3", "S2", "S3"]
    html = response.content.decode()
    assert "50.0%" in html and "66.7%" in html
    assert "刚入驻" in html and "2027-03-01" in html and "党员流动性大" in html


def test_secretary_sees_rates_of_their_subtree(client, hand_park):
    client.force_login(hand_park["secretary"])
    response = client.get(reverse("parties:coverage"))
    overall = response.context["overall"]
    assert (overall["must"], overall["built"]) == (3, 2)
    rows = {row.label: row for row in response.context["rows"]}
    assert list(rows) == ["甲社区"]  # the children of the secretary's committee
    assert (rows["甲社区"].must, rows["甲社区"].built) == (3, 2)
    assert [e["name"] for e in response.context["page"].object_list] == ["S2"]


def test_threshold_comes_from_settings(client, hand_park, settings):
    settings.PORTAL_RULES = {**settings.PORTAL_RULES, "BRANCH_MIN_FULL_MEMBERS": 5}
    client.force_login(hand_park["admin"])
    overall = client.get(reverse("parties:coverage")).context["overall"]
    assert (overall["must"], overall["built"]) == (3, 2)  # P1, P2, S3


def test_coverage_export_lists_the_gaps(client, hand_park):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(hand_park["admin"])
    response = client.get(reverse("parties:coverage_export"))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[1:]) == ["P3", "S2", "S3"]


@pytest.mark.parametrize("n", [5, 50])
def test_coverage_query_count_is_constant(client, hand_park, django_assert_num_queries, n):
    park = hand_park["park"]
    p1 = Enterprise.objects.get(park=park, name="P1")
    Enterprise.objects.bulk_create(
        Enterprise(park=park, name=f"T{i}", kind="secondary", platform=p1, member_count=4, coverage=C.NONE)
        for i in range(n)
    )
    client.force_login(hand_park["admin"])
    # The session with its user, the generations of the tables it reads (parkportal.querycache), committees,
    # aggregate per (organisation, platform) (its sums are the overall figures), their organisations' paths,
    # missing count, missing page
    with django_assert_num_queries(7):
        assert client.get(reverse("parties:coverage")).status_code == 200
    # seen again under the same data: the session with its user, the generations
    with django_assert_num_queries(2):
        assert client.get(reverse("parties:coverage")).status_code == 200


def _reference_by_branch(user, prefix_len) -> dict:
    """The former implementation: enterprises grouped in SQL by the cut path of their (platform's) organisation."""
    from django.db.models import Count, F, Q
    from django.db.models.functions import Coalesce, Substr

    from parties.coverage import BUILT, must_q

    must = must_q()
    rows = (
        Enterprise.objects.visible_to(user)
        .annotate(branch=Substr(Coalesce(F("organisation__path"), F("platform__organisation__path")), 1, prefix_len))
        .values("branch")
        .annotate(
            total=Count("pk"),
            must=Count("pk", filter=must),
            built=Count("pk", filter=must & Q(coverage__in=BUILT)),
            own=Count("pk", filter=Q(coverage=C.OWN)),
            joint=Count("pk", filter=Q(coverage=C.JOINT)),
            instructor=Count("pk", filter=Q(coverage=C.INSTRUCTOR)),
            none=Count("pk", filter=Q(coverage=C.NONE)),
        )
        .order_by()
    )
    return {row.pop("branch"): row for row in rows}


def test_per_committee_rows_match_grouping_in_sql(hand_park):
    """coverage_by_committee counts per (organisation, platform) and places the groups in Python: the same rows as
    grouping by path in SQL, also for enterprises directly under the root, outside a secretary's subtree through
    their own organisation, or with a platform that has no organisation."""
    from dataclasses import asdict

    from parties.coverage import base_depth, coverage_by_committee
    from parties.models.organisation import PATH_STEP

    park, a, b = hand_park["park"], hand_park["a"], hand_park["b"]
    root = a.parent
    p_root = Enterprise.objects.create(
        park=park, name="P-root", kind="platform", member_count=4, coverage=C.OWN, organisation=root
    )
    Enterprise.objects.create(park=park, name="S-root", kind="secondary", platform=p_root, member_count=3)
    p_in_a = Enterprise.objects.get(name="P1")
    Enterprise.objects.create(  # in 甲's subtree through its platform, its own organisation under 乙
        park=park, name="S-cross", kind="secondary", platform=p_in_a, organisation=b, member_count=5, coverage=C.JOINT
    )
    Enterprise.objects.create(park=park, name="S-orphan", kind="secondary", platform=Enterprise.objects.get(name="P3"))
    for user in (hand_park["admin"], hand_park["secretary"]):
        prefix_len = (base_depth(user) + 2) * (PATH_STEP + 1)
        expected = _reference_by_branch(user, prefix_len)
        rows, root_row, unassigned = coverage_by_committee(user)
        got = {row.organisation.path: row for row in rows}
        for path, figures in expected.items():
            row = got.get(path) if path is not None else unassigned
            if row is None:  # not a committee of the viewer: summed into the root's row
                continue
            assert {k: v for k, v in asdict(row).items() if k in figures} == figures, (user.username, path)
        leftover = [f for p, f in expected.items() if p is not None and p not in got]
        if leftover:
            assert root_row.total == sum(f["total"] for f in leftover)
            assert root_row.built == sum(f["built"] for f in leftover)
        else:
            assert root_row is None
        assert (unassigned is None) == (None not in expected)
    rows, root_row, unassigned = coverage_by_committee(hand_park["admin"])
    assert root_row is not None and root_row.total == 2 and unassigned.total == 2


def test_the_page_s_overall_figures_are_the_live_aggregate(client, hand_park, settings):
    """The page sums its per-(organisation, platform) groups instead of running overall()'s aggregate: the sums
    must be that aggregate, for each role's scope and after the data changes."""
    from parties.coverage import coverage_with_overall, overall

    for user in (hand_park["admin"], hand_park["secretary"]):
        assert coverage_with_overall(user)[3] == overall(user)
    Enterprise.objects.filter(park=hand_park["park"], name="S2").update(coverage="own", member_count=9)
    Enterprise.objects.create(park=hand_park["park"], name="新企业", kind="platform", member_count=4, coverage="none")
    settings.PORTAL_RULES = {**settings.PORTAL_RULES, "BRANCH_MIN_FULL_MEMBERS": 4}
    for user in (hand_park["admin"], hand_park["secretary"]):
        assert coverage_with_overall(user)[3] == overall(user)
    client.force_login(hand_park["admin"])
    assert client.get(reverse("parties:coverage")).context["overall"] == overall(hand_park["admin"])


def test_missing_rows_escape_what_people_typed(client, hand_park):
    """The missing list's rows are HTML built in Python (MISSING_ROW): every typed value is escaped there."""
    s2 = Enterprise.objects.get(park=hand_park["park"], name="S2")
    s2.name = '<script>alert("x")</script>'
    s2.no_coverage_reason = "<b>理由</b> & 'why'"
    s2.save()
    s2.platform.name = "平台<i>"
    s2.platform.save()
    client.force_login(hand_park["admin"])
    html = client.get(reverse("parties:coverage"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<script>alert" not in html and "<b>" not in html and "<i>" not in html
    assert '<td data-label="Name">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br><span class="muted">' in html
    assert "平台&lt;i&gt;</span></td>" in html
    assert "&lt;b&gt;理由&lt;/b&gt; &amp; &#x27;why&#x27;" in html
    assert '<span class="badge cov-' in html and '<td data-label="Reason not covered">' in html
