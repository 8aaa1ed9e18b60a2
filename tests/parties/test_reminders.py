"""The reminders page: every rule, with its threshold from settings.PORTAL_RULES, on a frozen clock."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from parties.models import Member, MemberStatus, Organisation, OrganisationKind

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 24)


def _branch(tree, name, full=0, probationary=0, floating=0, **fields):
    park = tree["root"].park
    fields.setdefault("last_activity", TODAY)
    org = Organisation.objects.create(park=park, parent=tree["c1"], name=name, **fields)
    Member.objects.bulk_create(
        [Member(park=park, organisation=org, name=f"{name}正式{i}", last_activity=TODAY) for i in range(full)]
        + [
            Member(park=park, organisation=org, name=f"{name}预备{i}", status=MemberStatus.PROBATIONARY)
            for i in range(probationary)
        ]
        + [
            Member(park=park, organisation=org, name=f"{name}流动{i}", is_floating=True, home_organisation="外地支部")
            for i in range(floating)
        ]
    )
    return org


@pytest.fixture
def rules_world(tree):
    for key in ("root", "g1", "g2", "c1", "c2", "b1", "b2"):
        tree[key].last_activity = TODAY
        tree[key].save()
    return {
        "overdue": _branch(tree, "换届逾期支部", full=4, term_end=date(2026, 10, 1)),
        "one_month": _branch(tree, "一月内换届支部", full=4, term_end=date(2026, 12, 20)),
        "six_months": _branch(tree, "半年内换届支部", full=4, term_end=date(2027, 5, 1)),
        "far": _branch(tree, "远期换届支部", full=4, term_end=date(2028, 1, 1)),
        # 2 full + 2 probationary + 3 floating: still below 3 full members.
        "small": _branch(tree, "人少支部", full=2, probationary=2, floating=3),
        "no_committee": _branch(tree, "七人无支委支部", full=7),
        "with_committee": _branch(tree, "七人有支委支部", full=7, has_committee=True),
        "big": _branch(tree, "五十人支部", full=50, has_committee=True),
        "huge": _branch(tree, "百人总支", full=100, kind=OrganisationKind.GENERAL_BRANCH, has_committee=True),
        "quiet": _branch(tree, "沉寂支部", full=4, last_activity=date(2026, 10, 1)),
    }


def _names(orgs) -> set[str]:
    return {o.name for o in orgs}


@time_machine.travel(TODAY, tick=False)
def test_every_rule(client, alice, tree, rules_world):
    park = tree["root"].park
    Member.objects.create(park=park, organisation=tree["b1"], name="十一月生日", admitted=date(2001, 11, 3))
    Member.objects.create(park=park, organisation=tree["b1"], name="今年入党", admitted=date(2026, 11, 1))
    Member.objects.create(park=park, organisation=tree["b1"], name="十月生日", admitted=date(2001, 10, 3))
    Member.objects.create(park=park, organisation=tree["b1"], name="半年未活动", last_activity=date(2026, 6, 1))
    client.force_login(alice)
    response = client.get(reverse("parties:reminders"))
    assert response.status_code == 200
    r = response.context["r"]
    assert _names(r.terms_overdue) == {"换届逾期支部"}
    assert _names(r.terms_1_month) == {"一月内换届支部"}
    assert _names(r.terms_6_months) == {"半年内换届支部"}
    assert _names(r.too_small) == {"人少支部", "云集药业党支部"}  # 传化公路港党支部 gains 4 members below
    assert _names(r.needs_committee) == {"七人无支委支部"}
    assert _names(r.needs_general_branch) == {"五十人支部"}
    assert _names(r.needs_committee_org) == {"百人总支"}
    assert _names(r.inactive_branches) == {"沉寂支部"}
    assert [m.name for m in r.birthdays] == ["十一月生日"]
    # Members with no activity since 2026-06-24 (5 months): the one last seen in June, and those never seen.
    inactive = {m.name for m in r.inactive_members}
    assert "半年未活动" in inactive and "人少支部预备0" in inactive
    assert "人少支部正式0" not in inactive
    html = response.content.decode()
    assert "换届逾期支部" in html and "十一月生日" in html


@time_machine.travel(TODAY, tick=False)
def test_thresholds_come_from_settings(client, alice, tree, rules_world, settings):
    settings.PORTAL_RULES = {
        **settings.PORTAL_RULES,
        "BRANCH_MIN_FULL_MEMBERS": 5,
        "BRANCH_COMMITTEE_MIN_FULL_MEMBERS": 8,
        "INACTIVE_BRANCH_DAYS": 100,
        "TERM_REMIND_MONTHS": (12, 2),
    }
    client.force_login(alice)
    r = client.get(reverse("parties:reminders")).context["r"]
    assert "换届逾期支部" in _names(r.too_small)  # 4 full members < 5
    assert r.needs_committee == []  # 7 < 8
    assert r.inactive_branches == []  # 54 days < 100
    assert _names(r.terms_6_months) == {"半年内换届支部"}  # 2028-01-01 is beyond 12 months
    assert _names(r.terms_1_month) == {"一月内换届支部"}


@time_machine.travel(TODAY, tick=False)
def test_secretary_reminders_stay_in_subtree(client, sam, tree, rules_world):
    Organisation.objects.create(
        park=tree["root"].park, parent=tree["c2"], name="外部逾期支部", term_end=date(2025, 1, 1)
    )
    client.force_login(sam)
    r = client.get(reverse("parties:reminders")).context["r"]
    assert "外部逾期支部" not in _names(r.terms_overdue)
    assert "换届逾期支部" in _names(r.terms_overdue)


@time_machine.travel(TODAY, tick=False)
def test_each_list_shows_its_first_rows_and_links_to_all_of_them(client, alice, sam, tree, rules_world):
    from parties.reminders import PREVIEW

    park = tree["root"].park
    for i in range(PREVIEW + 2):
        Organisation.objects.create(park=park, parent=tree["c1"], name=f"逾期{i:02d}支部", term_end=date(2026, 1, 1))
    outside = Organisation.objects.create(park=park, parent=tree["c2"], name="外部逾期支部", term_end=date(2025, 1, 1))
    client.force_login(alice)
    response = client.get(reverse("parties:reminders"), headers={"accept-language": "en"})
    html = response.content.decode()
    overdue = response.context["r"].terms_overdue
    assert len(overdue) == PREVIEW + 4  # 12 + 换届逾期支部 + 外部逾期支部, all counted
    shown = [o.name for o in overdue if o.name in html]
    assert len(shown) == PREVIEW  # only the first rows are on the page ...
    url = reverse("parties:reminder_group", args=["terms_overdue"])
    assert f'href="{url}"' in html and f"All {PREVIEW + 4}" in html  # ... with the count and a link to all
    assert "All 1<" not in html  # a list that fits shows no link
    full = client.get(url)
    assert full.status_code == 200
    page = full.content.decode()
    assert all(o.name in page for o in overdue)
    assert f'href="{reverse("parties:organisation", args=[outside.pk])}"' in page
    client.force_login(sam)
    page = client.get(url).content.decode()
    assert "逾期00支部" in page and "外部逾期支部" not in page  # the secretary's subtree only
    assert client.get(reverse("parties:reminder_group", args=["nope"])).status_code == 404
    assert client.get(url, {"page": "x"}).status_code == 200


@time_machine.travel(TODAY, tick=False)
def test_member_lists_show_their_first_rows_with_the_count(client, alice, tree):
    from parties.reminders import PREVIEW

    park = tree["root"].park
    Member.objects.bulk_create(
        Member(park=park, organisation=tree["b1"], name=f"生日{i:02d}", admitted=date(2001, 11, 1 + i))
        for i in range(PREVIEW + 5)
    )
    client.force_login(alice)
    response = client.get(reverse("parties:reminders"), headers={"accept-language": "en"})
    r = response.context["r"]
    assert r.birthdays_count == PREVIEW + 5
    assert [m.name for m in r.birthdays] == [f"生日{i:02d}" for i in range(PREVIEW)]
    html = response.content.decode()
    assert f"All {PREVIEW + 5} in the member list" in html
    assert f'href="{reverse("parties:organisation", args=[tree["b1"].pk])}"' in html
