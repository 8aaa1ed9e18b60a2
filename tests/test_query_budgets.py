"""Query counts per page stay constant as data grows, and within each page's budget.

For every Case with a `budget=(role, max_queries)` (tests/matrix.py): build the world and grow it a little
(`grow(world, 2)` of every matrix module, so no list is empty: an empty list skips its prefetch queries and
would make the first count look smaller), request the page once to warm per-process caches (content types,
translations), count the queries of a second request, then grow the world by GROW_BY rows and count again.
The count must not grow and must equal the budget (but for the pages of ROOM). Each app's Case comment names the
expected queries.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkportal.memo import clear_generation_memos
from tests.matrix import ROLES
from tests.test_url_matrix import client_for, request
from tests.world import collect_cases, grow_world

BUDGETED = sorted(name for name, case in collect_cases().items() if case.budget)
GROW_BY = 15
MAX_QUERIES = 12  # issue 7: at most 12 SQL queries per page
# Budgets above what this test counts, on purpose; every other budget is the count itself, so that a budget (and
# its comment) cannot drift above what its page does. The traffic pages: 9 before the day's first check-in (their
# comment), 8 as counted here. The mediation statistics' export, and the page off PostgreSQL: the closed cases'
# histogram (none here).
ROOM = {"drivers_home:traffic": 1, "drivers_home:traffic_export": 1, "mediation:statistics_export": 1}
ROOM_OFF_POSTGRESQL = {"mediation:statistics": 1}


def count_queries(world: dict, name: str, case) -> tuple[int, list[str]]:
    role = case.budget[0]
    client = client_for(world, role)
    cache.clear()
    request(client, name, case, world)  # warm-up
    cache.clear()
    clear_generation_memos()  # as the cache: what a page keeps under a generation is counted as computed
    with CaptureQueriesContext(connection) as ctx:
        response = request(client, name, case, world)
    assert response.status_code == case.expected(role), f"{name} as {role}: {response.status_code}"
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("name", BUDGETED)
def test_query_count_is_constant_and_within_budget(name, world):
    case = collect_cases()[name]
    role, budget = case.budget
    grow_world(world, 2)
    small, small_sql = count_queries(world, name, case)
    grow_world(world, GROW_BY)
    large, large_sql = count_queries(world, name, case)
    detail = "\n".join(large_sql)
    assert large <= small, f"{name} as {role}: {small} queries, then {large} after growing by {GROW_BY}:\n{detail}"
    assert large <= budget, f"{name} as {role}: {large} queries, budget {budget}:\n{detail}"
    room = ROOM.get(name, 0) + (ROOM_OFF_POSTGRESQL.get(name, 0) if connection.vendor != "postgresql" else 0)
    assert budget - large <= room, f"{name}: budget {budget}, {large} queries; lower it and fix its comment:\n{detail}"


def test_no_budget_exceeds_the_limit_of_the_issue():
    over = {name: collect_cases()[name].budget for name in BUDGETED if collect_cases()[name].budget[1] > MAX_QUERIES}
    assert not over, f"budgets above {MAX_QUERIES} queries per page: {over}"


def test_budgets_exist():
    """At least the foundation's pages carry a budget, so this file tests something."""
    assert "home" in BUDGETED


def _answers_someone(case) -> bool:
    """Whether some role gets the page: a 200, or a redirect that is not the sign-in's."""
    return any(case.expected(role) == 200 or (case.expected(role) == 302 and role != "anonymous") for role in ROLES)


def test_every_page_that_answers_someone_has_a_budget():
    """Every URL pattern has a Case (tests/test_url_matrix.py), so a new page cannot escape its budget. Exempt are
    only the patterns that answer no role with a page: POST-only views asked with GET (405), the benchmark's and
    development's pages with their settings off (404), a hand-over with nothing to hand over (404)."""
    missing = sorted(name for name, case in collect_cases().items() if not case.budget and _answers_someone(case))
    assert not missing, f"pages without a query budget: {missing}"
