"""Every party page for every persona: allowed, redirect to sign-in, 403, or 404 for a foreign object."""

from __future__ import annotations

import pytest
from django.urls import reverse

OFFICE_PAGES = [
    "parties:tree",
    "parties:organisation_export",
    "parties:enterprise_list",
    "parties:enterprise_export",
    "parties:member_list",
    "parties:member_export",
    "parties:coverage",
    "parties:coverage_export",
    "parties:reminders",
    "parties:import_members",
    "parties:import_members_template",
]
ADMIN_ONLY_PAGES = ["parties:import_enterprises", "parties:import_enterprises_template"]
CONFIRM_PAGES = ["parties:import_members_confirm", "parties:import_enterprises_confirm"]

pytestmark = pytest.mark.django_db


def _persona(request, name):
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize("url_name", OFFICE_PAGES + ADMIN_ONLY_PAGES + CONFIRM_PAGES)
def test_anonymous_is_sent_to_sign_in(client, tree, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["ian", "nobody"])
@pytest.mark.parametrize("url_name", OFFICE_PAGES + ADMIN_ONLY_PAGES + CONFIRM_PAGES)
def test_roles_outside_the_office_get_403(client, request, tree, persona, url_name):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("persona", ["alice", "sam", "olga"])
@pytest.mark.parametrize("url_name", OFFICE_PAGES)
def test_office_pages_open_for_park_staff(client, request, tree, persona, url_name):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(url_name)).status_code == 200


def test_only_the_park_administrator_imports_enterprises(client, alice, sam):
    client.force_login(sam)
    for name in ADMIN_ONLY_PAGES + ["parties:import_enterprises_confirm"]:
        assert client.get(reverse(name)).status_code == 403
    client.force_login(alice)
    for name in ADMIN_ONLY_PAGES:
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("persona", ["alice", "sam"])
def test_confirm_pages_refuse_get(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("parties:import_members_confirm")).status_code == 405


def test_organisation_page_in_and_out_of_scope(client, tree, alice, sam, olga, ian, nobody):
    url = lambda key: reverse("parties:organisation", args=[tree[key].pk])  # noqa: E731
    assert client.get(url("g1")).status_code == 302
    client.force_login(alice)
    for key in ("root", "g1", "g2", "c1", "b2"):
        assert client.get(url(key)).status_code == 200
    client.force_login(sam)
    for key in ("g1", "c1", "b1"):
        assert client.get(url(key)).status_code == 200
    for key in ("root", "g2", "c2", "b2"):  # outside sam's subtree
        assert client.get(url(key)).status_code == 404
    client.force_login(olga)  # another park
    assert client.get(url("b1")).status_code == 404
    client.force_login(ian)
    assert client.get(url("b1")).status_code == 403
    client.force_login(nobody)
    assert client.get(url("b1")).status_code == 403
    client.force_login(alice)
    assert client.get(reverse("parties:organisation", args=[999999])).status_code == 404


def test_other_park_sees_none_of_the_park(client, tree, olga, grow_tree):
    grow_tree(3)
    client.force_login(olga)
    for name in ("parties:enterprise_list", "parties:member_list", "parties:tree", "parties:coverage"):
        body = client.get(reverse(name)).content.decode()
        assert "传化公路港" not in body
        assert "x党员0" not in body
