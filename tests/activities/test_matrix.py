"""This app's part of the URL x role matrix, run here so it holds before the shared matrix test sees it.

Every activities URL has a case; each role gets the expected answer; pages with a budget stay within it
and run the same number of queries with 5 and 50 more rows.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from parkportal.roles import Role
from tests.activities import matrix
from tests.conftest import make_user
from tests.matrix import ROLES

pytestmark = pytest.mark.django_db

ROLE_OF = {
    "driver": Role.DRIVER,
    "instructor": Role.INSTRUCTOR,
    "desk": Role.DESK,
    "mediator": Role.MEDIATOR,
    "secretary": Role.SECRETARY,
    "park_admin": Role.PARK_ADMIN,
}


@pytest.fixture
def world(park, other_park, tree):
    users = {role: make_user(f"mx-{role}", ROLE_OF[role], park) for role in ROLES if role != "anonymous"}
    w = {"park": park, "other_park": other_park, "tree": tree, "users": users}
    matrix.build(w)
    return w


def test_every_activities_url_has_a_case():
    names = {
        f"activities:{name}"
        for name in get_resolver().namespace_dict["activities"][1].reverse_dict
        if isinstance(name, str)
    }
    assert names == set(matrix.CASES)


@pytest.mark.parametrize("name", sorted(matrix.CASES))
def test_roles(client, world, name):
    case = matrix.CASES[name]
    url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(world["users"][role])
        response = getattr(client, case.method)(url)
        assert response.status_code == case.expected(role), (name, role)
        if role == "anonymous" and response.status_code == 302:
            assert "/accounts/login/" in response.url


@pytest.mark.parametrize("name", sorted(n for n, c in matrix.CASES.items() if c.budget))
def test_query_budget_constant(client, world, name):
    case = matrix.CASES[name]
    role, budget = case.budget
    url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
    client.force_login(world["users"][role])
    counts = []
    for n in (5, 45):
        matrix.grow(world, n)
        client.get(url)  # warm caches (site, content types)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], (name, counts, "\n".join(q["sql"][:200] for q in ctx.captured_queries))
    assert counts[1] <= budget, (name, counts, [q["sql"][:120] for q in ctx.captured_queries])
