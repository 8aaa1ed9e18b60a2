"""Runs tests/parties/matrix.py: every parties URL for every role, and its query budget at two sizes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parkportal.roles import Role
from tests.conftest import make_user
from tests.matrix import ROLES
from tests.parties import matrix, visit_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(park, other_park, tree):
    users = {
        role: make_user(f"matrix-{role}", getattr(Role, role.upper()), park) for role in ROLES if role != "anonymous"
    }
    world = {"park": park, "other_park": other_park, "tree": tree, "users": users}
    matrix.build(world)
    return world


def test_every_parties_url_has_a_case():
    from django.urls import get_resolver

    names = {
        f"parties:{name}" for name in get_resolver().namespace_dict["parties"][1].reverse_dict if isinstance(name, str)
    }
    # The visit pages declare theirs in visit_matrix.py.
    missing = names - set(matrix.CASES) - set(visit_matrix.CASES)
    assert not missing, missing


def _request(client, world, name, case):
    url = reverse(name, kwargs=case.kwargs(world)) + (case.query or "")
    if case.method == "post":
        return client.post(url, case.data(world) if case.data else {})
    return client.get(url)


@pytest.mark.parametrize("name", list(matrix.CASES))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, world, name, role):
    case = matrix.CASES[name]
    if role != "anonymous":
        client.force_login(world["users"][role])
    response = _request(client, world, name, case)
    expected = case.expected(role)
    assert response.status_code == expected, f"{name} as {role}"
    if role == "anonymous" and expected == 302:
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("name", [name for name, case in matrix.CASES.items() if case.budget])
def test_query_budgets(client, world, django_assert_max_num_queries, name, n):
    case = matrix.CASES[name]
    matrix.grow(world, n)
    role, budget = case.budget
    client.force_login(world["users"][role])
    with django_assert_max_num_queries(budget):
        _request(client, world, name, case)
