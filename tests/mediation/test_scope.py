"""Who sees what: mediators their body's cases, park administrators all of the park, secretaries counts of
their subtree only (statistics page), everyone else 403/404; every opening of a case is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mediation.models import Case, CaseEvent, EventKind
from parkportal.models import AccessLog
from parkportal.roles import Role
from tests.conftest import make_user
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(room, committee, tree):
    return {
        "room": make_case(room, respondent_enterprise=tree["e1"], respondent_name=""),  # 传化公路港: sam's subtree
        "committee": make_case(committee, respondent_enterprise=tree["e2"], respondent_name=""),  # not sam's
    }


def test_mediator_sees_only_their_body(client, mabel, otto, cases):
    client.force_login(mabel)
    listing = client.get(reverse("mediation:case_list")).content.decode()
    assert f'href="/mediation/{cases["room"].pk}/"' in listing
    assert f'href="/mediation/{cases["committee"].pk}/"' not in listing
    assert client.get(reverse("mediation:case_detail", args=[cases["room"].pk])).status_code == 200
    # A mediator of another body: 404 on the case and on every action and print of it.
    client.force_login(otto)
    pk = cases["room"].pk
    for name in ("case_detail", "agreement_print", "arbitration_notice"):
        assert client.get(reverse(f"mediation:{name}", args=[pk])).status_code == 404, name
    for name, args in (
        ("case_move", [pk, "withdraw"]),
        ("case_decline", [pk]),
        ("session_add", [pk]),
        ("agreement_add", [pk]),
        ("instalment_add", [pk]),
    ):
        assert client.post(reverse(f"mediation:{name}", args=args), {"version": 1, "reason": "x"}).status_code == 404
    assert Case.objects.get(pk=pk).status == "received"


def test_park_admin_sees_the_whole_park_but_not_another(client, alice, olga, cases):
    client.force_login(alice)
    listing = client.get(reverse("mediation:case_list")).content.decode()
    assert all(f'href="/mediation/{c.pk}/"' in listing for c in cases.values())
    client.force_login(olga)
    assert client.get(reverse("mediation:case_detail", args=[cases["room"].pk])).status_code == 404
    assert "工人0" not in client.get(reverse("mediation:case_list")).content.decode()


def test_secretary_gets_counts_of_their_subtree_and_no_details(client, sam, cases):
    client.force_login(sam)
    assert client.get(reverse("mediation:case_list")).status_code == 403
    assert client.get(reverse("mediation:case_detail", args=[cases["room"].pk])).status_code == 403
    response = client.get(reverse("mediation:statistics"))
    assert response.status_code == 200
    assert response.context["figures"]["total"] == 1  # only the case against 传化公路港 (in 综合党委一's subtree)
    body = response.content.decode()
    assert "工人0" not in body and "1390000" not in body and "三个月工资未发" not in body and "某物流公司" not in body


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.DESK, Role.DRIVER, Role.NONE])
def test_other_roles_are_refused(client, park, cases, role):
    client.force_login(make_user(f"u-{role or 'none'}", role, park))
    for url in (
        reverse("mediation:case_list"),
        reverse("mediation:case_create"),
        reverse("mediation:case_detail", args=[cases["room"].pk]),
        reverse("mediation:statistics"),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_sign_in(client, cases):
    response = client.get(reverse("mediation:case_detail", args=[cases["room"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_opening_is_recorded(client, mabel, alice, cases):
    case = cases["room"]
    client.force_login(mabel)
    client.get(reverse("mediation:case_detail", args=[case.pk]))
    client.get(reverse("mediation:case_detail", args=[case.pk]))
    client.force_login(alice)
    response = client.get(reverse("mediation:case_detail", args=[case.pk]))
    opened = list(CaseEvent.objects.filter(case=case, kind=EventKind.OPENED).values_list("user__username", flat=True))
    assert opened == ["mabel", "mabel", "alice"]
    assert AccessLog.objects.filter(subject_type="mediation.case", subject_id=str(case.pk)).count() == 3
    # ... and shown in the case's history.
    assert response.content.decode().count("梅调解") >= 2


def test_dashboard_cards_per_role(client, mabel, sam, alice, cases):
    client.force_login(mabel)
    home = client.get("/").content.decode()
    assert "在办调解案件" in home and "建有调解委员会的企业" not in home
    client.force_login(alice)
    home = client.get("/").content.decode()
    assert "建有调解委员会的企业" in home and "50.0%" in home  # 云集药业 of the two enterprises
    client.force_login(sam)
    home = client.get("/").content.decode()
    assert 'href="/mediation/statistics/"' in home and 'href="/mediation/"' not in home


def test_secretary_counts_cases_against_enterprises_on_their_platforms(client, sam, park, room, tree, cases):
    from parties.models import Enterprise

    tenant = Enterprise.objects.create(park=park, name="入驻商户", platform=tree["e1"])
    make_case(room, respondent_enterprise=tenant, respondent_name="")
    client.force_login(sam)
    assert client.get(reverse("mediation:statistics")).context["figures"]["total"] == 2
