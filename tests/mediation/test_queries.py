"""Query counts of the case list and the dashboard card stay constant as data grows."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from mediation.dashboard import mediation_cards
from parkportal.registry import cards_for
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db


def _grow(room, n):
    for i in range(n):
        closed = {"status": "closed", "outcome": "agreement", "days_to_close": i % 20} if i % 2 else {}
        make_case(room, days_ago=i % 30, applicants=1 + i % 3, **closed)


# Queries: the session with its user, the generation of the list's tables (mediation.views.CASE_LIST_TABLES), then
# (nothing cached yet) bodies (filter form), count (paginator), cases (7 columns, with body and respondent names),
# applicants. A cached visit stops after the generation: test_case_list_cache.
LIST_QUERIES = 6


@pytest.mark.parametrize("n", [5, 50])
def test_case_list_constant(client, mabel, room, n, django_assert_num_queries):
    _grow(room, n)
    client.force_login(mabel)
    client.get(reverse("mediation:case_list"))  # prepares the statements on PostgreSQL (once per connection)
    cache.clear()
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("mediation:case_list"))
    assert len(response.context["cases"]) == n


@pytest.mark.parametrize("n", [5, 50])
def test_statistics_constant(client, alice, room, n, django_assert_num_queries):
    _grow(room, n)
    client.force_login(alice)
    # The session with its user, the tables' generation, then (nothing cached yet) the figures' one statement
    # (stats.PAGE_SQL); elsewhere groups, payments, histogram. A second visit reads no figures: test_statistics_cache.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 5):
        response = client.get(reverse("mediation:statistics"))
    assert response.context["figures"]["total"] == n


@pytest.mark.parametrize("n", [5, 50])
def test_dashboard_cards_fixed(alice, room, n, django_assert_num_queries, tree):
    _grow(room, n)
    with django_assert_num_queries(1):  # the park row with the open/overdue counts and committee share
        cards = cards_for(alice, mediation_cards)
    assert cards[0].value == n // 2 + n % 2  # the unclosed half
    assert any(c.title == cards[2].title for c in cards_for(alice))
