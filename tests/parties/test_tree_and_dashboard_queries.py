"""The organisation tree and the home dashboard stay fast at large-park size (issue 7, make bench).

The tree renders rows as dicts with the kind's label looked up once per request; these tests pin what a
user sees (names, kind labels, the secretary's subtree) and that the query count does not grow with the
number of organisations or members.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from parties.models import Member, Organisation


def _grow(park, parent, n: int) -> None:
    for i in range(n):
        org = Organisation.objects.create(park=park, parent=parent, name=f"联合党支部{i}", kind="joint_branch")
        Member.objects.create(
            park=park, organisation=org, name=f"党员{i}", is_floating=i % 2 == 0, home_organisation="湖南省某党支部"
        )


@pytest.mark.django_db
def test_tree_shows_names_and_kind_labels_in_order(client, alice, tree):
    client.force_login(alice)
    response = client.get(reverse("parties:tree"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("党工委") < html.index("综合党委一") < html.index("社区一") < html.index("传化公路港党支部")
    assert 'class="depth-3">传化公路港党支部 <span class="muted">Branch</span>' in html
    assert "Committee" in html


@pytest.mark.django_db
def test_secretary_tree_is_the_subtree(client, sam, tree):
    client.force_login(sam)
    html = client.get(reverse("parties:tree")).content.decode()
    assert "传化公路港党支部" in html and "社区一" in html
    assert "云集药业党支部" not in html and "综合党委二" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["parties:tree", "home"])
def test_query_count_does_not_grow(client, alice, park, tree, django_assert_num_queries, url_name):
    client.force_login(alice)
    url = reverse(url_name)
    _grow(park, tree["c1"], 5)
    client.get(url)
    # tree: session, user, organisations (3). home: session, user, tiers, coverage, members, instructors, park (7).
    budget = 3 if url_name == "parties:tree" else 7
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200
    _grow(park, tree["c2"], 50)
    with django_assert_num_queries(budget):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_dashboard_member_figures(client, alice, park, tree):
    _grow(park, tree["c1"], 4)  # 4 members, 2 floating
    client.force_login(alice)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    cards = {card.title: card.value for card in response.context["cards"]}
    assert cards["Party members"] == 4
    assert cards["Floating members"] == 2


@pytest.mark.django_db
def test_cached_tree_shows_a_rename_and_a_new_organisation_at_once(client, alice, tree):
    client.force_login(alice)
    url = reverse("parties:tree")
    assert "传化公路港党支部" in client.get(url).content.decode()  # rendered and cached
    Organisation.objects.filter(pk=tree["b1"].pk).update(name="传化公路港联合党支部")  # no signal fires
    Organisation.objects.create(park=tree["b1"].park, parent=tree["c2"], name="新成立党支部")
    html = client.get(url).content.decode()
    assert "传化公路港联合党支部" in html and "新成立党支部" in html
