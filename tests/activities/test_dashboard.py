"""Dashboard cards: upcoming events and registrations this month, in a fixed number of queries."""

from __future__ import annotations

import pytest

from activities.dashboard import event_cards
from activities.services import registration_create
from parkportal.registry import cards_for
from tests.activities.conftest import drivers

pytestmark = pytest.mark.django_db


def test_cards_count_scoped_and_fixed_queries(
    django_assert_num_queries, park, tree, kinds, sam, alice, clinic, other_event
):
    for u in drivers(park, 5):
        registration_create(event=clinic, user=u)
        registration_create(event=other_event, user=u)
    # One query: the park row with the upcoming events and the registrations aggregates as subqueries.
    with django_assert_num_queries(1):
        cards = {str(c.title): c.value for c in cards_for(alice, event_cards)}
    assert list(cards.values()) == [2, 10]
    cards = {str(c.title): c.value for c in cards_for(sam, event_cards)}
    assert list(cards.values()) == [1, 5]


def test_home_shows_event_cards(client, alice, clinic):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "近期活动" in html or "Upcoming events" in html
