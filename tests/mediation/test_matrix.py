"""Runs tests/mediation/matrix.py here (every mediation URL x every role, query budgets at two sizes),
until the project-wide matrix test collects every app's cases."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parkportal.roles import Role
from tests.conftest import make_user
from tests.matrix import ROLES
from tests.mediation import matrix

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
def world(park, other_park, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = {role: make_user(f"matrix-{role}", value, park) for role, value in ROLE_VALUES.items()}
    tree["g1"].secretary_user = users["secretary"]
    tree["g1"].save()
    world = {"park": park, "other_park": other_park, "tree": tree, "users": users}
    matrix.build(world)
    return world


def test_every_mediation_url_has_a_case():
    from mediation import urls

    names = {f"mediation:{p.name}" for p in urls.urlpatterns}
    assert names == set(matrix.CASES)


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
        expected = case.expected(role)
        assert response.status_code == expected, (name, role, response.status_code)
        if role == "anonymous" and expected == 302:
            assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", sorted(matrix.FOREIGN))
def test_foreign_objects_404(client, world, name):
    url = reverse(name, kwargs=matrix.FOREIGN[name](world))
    client.force_login(world["users"]["mediator"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n, c in matrix.CASES.items() if c.budget))
def test_budgets_at_two_sizes(client, world, name, django_assert_max_num_queries):
    case = matrix.CASES[name]
    role, budget = case.budget
    client.force_login(world["users"][role])
    url = reverse(name, kwargs=case.kwargs(world))
    for n in (5, 45):
        matrix.grow(world, n)
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
