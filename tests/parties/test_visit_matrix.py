"""Every visit-log URL answered by every role as tests/parties/visit_matrix.py declares, and its query budget
holding at two data sizes (the shared tests/test_url_matrix.py runs the same CASES once merged)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parkportal.roles import Role
from tests.conftest import make_user
from tests.matrix import ROLES
from tests.parties import visit_matrix

ROLE_VALUES = {
    "driver": Role.DRIVER,
    "instructor": Role.INSTRUCTOR,
    "desk": Role.DESK,
    "mediator": Role.MEDIATOR,
    "secretary": Role.SECRETARY,
    "park_admin": Role.PARK_ADMIN,
}


@pytest.fixture
def world(park, other_park, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = {name: make_user(f"m-{name}", role, park) for name, role in ROLE_VALUES.items()}
    w = {"park": park, "other_park": other_park, "tree": tree, "users": users}
    visit_matrix.build(w)
    return w


def _answer(client, world, name: str, case, role: str):
    client.logout()
    if role != "anonymous":
        client.force_login(world["users"][role])
    url = reverse(name, kwargs=case.kwargs(world)) + (("?" + case.query) if case.query else "")
    if case.method == "post":
        data = case.data(world) if case.data else {}
        return client.post(url, data)
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(visit_matrix.CASES))
def test_every_role_gets_the_declared_answer(client, world, name):
    case = visit_matrix.CASES[name]
    for role in ROLES:
        response = _answer(client, world, name, case, role)
        expected = case.expected(role)
        assert response.status_code == expected, f"{name} as {role}: {response.status_code} != {expected}"
        if role == "anonymous" and expected == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, c in visit_matrix.CASES.items() if c.budget))
def test_query_budget_holds_as_data_grows(client, world, name):
    case = visit_matrix.CASES[name]
    role, budget = case.budget
    counts = []
    for n in (5, 50):
        visit_matrix.grow(world, n)
        client.force_login(world["users"][role])
        url = reverse(name, kwargs=case.kwargs(world))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], f"{name}: {counts} queries at 5 and 50 more rows"
    assert counts[1] <= budget, f"{name}: {counts[1]} queries > budget {budget}"
