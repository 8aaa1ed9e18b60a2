"""Runs tests/drivers_home/matrix.py (every drivers' home URL x every role, foreign objects, query budgets
at two sizes) until the project-wide matrix test collects every app's cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parkportal.roles import Role
from tests.conftest import make_user
from tests.drivers_home import matrix
from tests.matrix import ROLES

pytestmark = pytest.mark.django_db

ROLE_VALUES = {
    "driver": Role.DRIVER,
    "instructor": Role.INSTRUCTOR,
    "desk": Role.DESK,
    "mediator": Role.MEDIATOR,
    "secretary": Role.SECRETARY,
    "park_admin": Role.PARK_ADMIN,
}


@pytest.fixture
def world(park, other_park, tree):
    users = {role: make_user(f"matrix-{role}", value, park) for role, value in ROLE_VALUES.items()}
    tree["g1"].secretary_user = users["secretary"]
    tree["g1"].save()
    world = {"park": park, "other_park": other_park, "tree": tree, "users": users}
    matrix.build(world)
    return world


def test_every_drivers_home_url_has_a_case():
    from drivers_home import urls

    assert {f"drivers_home:{p.name}" for p in urls.urlpatterns} == set(matrix.CASES)


def test_build_links_the_personas(world):
    assert world["drivers_site"].desk_staff.filter(pk=world["users"]["desk"].pk).exists()
    assert world["users"]["driver"].driver_profile.plate == "川A12345D"


@pytest.mark.parametrize("name", sorted(matrix.CASES))
def test_matrix(client, world, name):
    case = matrix.CASES[name]
    url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(world["users"][role])
        data = case.data(world) if case.data else {}
        response = getattr(client, case.method)(url, data)
        assert response.status_code == case.expected(role), (name, role, response.status_code)
        if role == "anonymous" and case.expected(role) == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("label", sorted(matrix.FOREIGN))
def test_foreign_objects_404(client, world, label):
    role, name, kwargs = matrix.FOREIGN[label]
    client.force_login(world["users"][role])
    assert client.get(reverse(name, kwargs=kwargs(world))).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n, c in matrix.CASES.items() if c.budget))
def test_budgets_at_two_sizes(client, world, name, django_assert_num_queries):
    case = matrix.CASES[name]
    role, budget = case.budget
    client.force_login(world["users"][role])
    url = reverse(name, kwargs=case.kwargs(world))
    counts = []
    for n in (5, 45):
        matrix.grow(world, n)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        # Once to warm the caches (traffic: the closed days' distinct drivers), then the steady state.
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= budget, counts
