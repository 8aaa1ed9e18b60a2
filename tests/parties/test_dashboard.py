"""The home dashboard's party cards: the park's (or the secretary's subtree's) figures, linking to each list."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _cards(client) -> dict[str, object]:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {str(card.title): card for card in response.context["cards"]}


def test_park_admin_sees_the_park(client, alice, tree, grow_tree):
    grow_tree(10)
    client.force_login(alice)
    cards = _cards(client)
    tiers = [c for c in cards.values() if c.group == "org"]
    assert [c.value for c in tiers] == [
        1,
        2,
        2,
        2 + 10,
    ]  # root, two committees, two communities, branches (2 + 10 grown)
    members = next(c for c in cards.values() if c.url == reverse("parties:member_list"))
    assert members.value == 10
    floating = next(c for c in cards.values() if c.url.endswith("?floating=true"))
    assert floating.value == 2
    coverage = next(c for c in cards.values() if c.url == reverse("parties:coverage"))
    # Must: the 2 platforms and 4 tenants with 3+ members (i = 3, 4, 8, 9); built: the platforms and i = 3, 9 (joint).
    assert coverage.value == "66.7%"
    html = client.get(reverse("home")).content.decode()
    for name in ("parties:tree", "parties:member_list", "parties:coverage", "parties:reminders"):
        assert reverse(name) in html


def test_secretary_sees_their_subtree(client, sam, tree, grow_tree):
    grow_tree(3)
    client.force_login(sam)
    tiers = [c for c in _cards(client).values() if c.group == "org"]
    assert [c.value for c in tiers] == [1, 1, 1 + 3]  # 综合党委一, 社区一, 传化公路港党支部 + 3 new branches


def test_other_roles_get_no_party_cards(client, ian, nobody):
    office_pages = {
        reverse(n)
        for n in (
            "parties:tree",
            "parties:coverage",
            "parties:member_list",
            "parties:enterprise_list",
            "parties:reminders",
        )
    }
    for user in (ian, nobody):
        client.force_login(user)
        assert not any(c.url in office_pages for c in _cards(client).values())


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("persona, queries", [("alice", 2), ("sam", 3)])
def test_party_cards_query_count_is_constant(request, tree, grow_tree, django_assert_num_queries, persona, queries, n):
    from parkportal.registry import cards_for
    from parties.dashboard import party_cards

    grow_tree(n)
    user = request.getfixturevalue(persona)
    # tiers with their terms ending; the figures query (park row with the coverage, member and instructor
    # aggregates as subqueries); + the secretary's root path.
    # Other apps' cards on the same page are counted by tests/test_query_budgets.py.
    with django_assert_num_queries(queries):
        cards = cards_for(user, party_cards)
    assert cards and all(card.value is not None for card in cards)


@pytest.mark.parametrize("persona", ["alice", "sam"])
def test_dashboard_page_query_count_does_not_grow(client, request, tree, grow_tree, persona):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(request.getfixturevalue(persona))
    counts = []
    for n, tag in ((5, "a"), (45, "b")):
        grow_tree(n, tag)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_terms_ending_card_counts_ended_and_ending_terms(client, alice, sam, tree):
    from datetime import timedelta

    from django.utils import timezone

    from parties.models import Organisation

    today = timezone.localdate()
    Organisation.objects.update(term_end=today + timedelta(days=3650))
    Organisation.objects.filter(pk=tree["b1"].pk).update(term_end=today - timedelta(days=1))  # ended
    Organisation.objects.filter(pk=tree["g1"].pk).update(term_end=today + timedelta(days=30))  # ending
    Organisation.objects.filter(pk=tree["root"].pk).update(term_end=None)

    def terms(user):
        client.force_login(user)
        return next(c for c in _cards(client).values() if c.url == reverse("parties:reminders")).value

    assert terms(alice) == 2
    assert terms(sam) == 2  # both inside sam's subtree (综合党委一 and 传化公路港党支部)
    Organisation.objects.filter(pk=tree["g1"].pk).update(term_end=today + timedelta(days=3650))
    assert terms(alice) == 1


def test_secretarys_instructor_card_counts_each_instructor_once(client, sam, tree):
    from parties.models import Enterprise, Instructor

    # 指导员一 instructs two more enterprises of the subtree, and a full-time instructor one more.
    full_time = Instructor.objects.create(park=tree["ins1"].park, name="专职指导员", kind=Instructor.Kind.FULL_TIME)
    for n, instructor in enumerate([tree["ins1"], tree["ins1"], full_time]):
        Enterprise.objects.create(
            park=tree["e1"].park,
            name=f"二级企业{n}",
            kind="secondary",
            platform=tree["e1"],
            organisation=tree["b1"],
            instructor=instructor,
        )
    client.force_login(sam)
    card = next(c for c in _cards(client).values() if c.url.endswith("?kind=platform"))
    assert card.value == 2 == Instructor.objects.visible_to(sam).count()
    assert str(card.note) == "专职1名"
    assert set(Instructor.objects.visible_to(sam)) == {tree["ins1"], full_time}  # not 指导员二 (another subtree)
