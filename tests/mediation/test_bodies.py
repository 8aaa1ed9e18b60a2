"""Park administrators manage the park's mediation bodies; the committee share is a dashboard figure."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mediation.models import MediationBody
from mediation.stats import committee_share

pytestmark = pytest.mark.django_db


def test_admin_adds_a_committee_with_a_mediator(client, alice, tree, mabel):
    client.force_login(alice)
    response = client.post(
        reverse("mediation:body_create"),
        {
            "name": "传化公路港劳动争议调解委员会",
            "kind": "committee",
            "enterprise": tree["e1"].pk,
            "mediators": [mabel.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302
    body = MediationBody.objects.get(name="传化公路港劳动争议调解委员会")
    assert body.park == alice.park and list(body.mediators.all()) == [mabel]
    assert committee_share(alice)["with_committee"] == 1 and committee_share(alice)["total"] == 2
    assert committee_share(alice)["rate"] == 50.0


@pytest.mark.parametrize(
    "data",
    [
        {"name": "委员会", "kind": "committee"},  # a committee without its enterprise
        {"name": "商友之家", "kind": "room"},  # the name is taken
        {"name": "", "kind": "room"},
        {"name": "x", "kind": "nonsense"},
    ],
)
def test_bad_bodies_write_nothing(client, alice, room, data):
    client.force_login(alice)
    before = MediationBody.objects.count()
    response = client.post(reverse("mediation:body_create"), data)
    assert response.status_code == 200 and MediationBody.objects.count() == before


def test_only_park_admins_edit_bodies(client, mabel, olga, room):
    client.force_login(mabel)
    assert client.get(reverse("mediation:body_edit", args=[room.pk])).status_code == 403
    client.force_login(olga)
    assert client.get(reverse("mediation:body_edit", args=[room.pk])).status_code == 404
