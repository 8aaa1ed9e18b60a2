"""The hook that hands a labour dispute found at a visit to mediation (mediation.services.case_intake_from_visit)."""

from __future__ import annotations

import sys
import types

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parties.models import VisitProblem
from parties.visit_services import mediation_intake, problem_hand_to_mediation
from tests.parties.visit_matrix import make_visit

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def dispute(ian, tree):
    visit = make_visit(
        ian,
        tree["e1"],
        problems=[
            {"description": "司机与车队欠薪纠纷", "state": "open", "is_labour_dispute": True, "owner": "车队长"},
            {"description": "会议室不足", "state": "open"},
        ],
    )
    return visit.problems.get(is_labour_dispute=True)


@pytest.fixture
def mediation_services(monkeypatch):
    """Stand in for the mediation app's service until it is merged: records its calls, returns a case number."""
    calls = []
    module = types.ModuleType("mediation.services")

    def case_intake_from_visit(*, problem, user):
        calls.append((problem.pk, user.username))
        return 4000 + len(calls)

    module.case_intake_from_visit = case_intake_from_visit
    monkeypatch.setitem(sys.modules, "mediation.services", module)
    return calls


@pytest.mark.django_db
def test_without_the_mediation_service_the_button_is_not_shown(client, ian, dispute):
    import importlib.util

    if importlib.util.find_spec("mediation.services") is not None:
        pytest.skip("the mediation app now provides its services module")
    assert mediation_intake() is None
    client.force_login(ian)
    html = client.get(reverse("parties:visit_detail", kwargs={"pk": dispute.visit_id}), **EN).content.decode()
    assert "Labour dispute" in html
    assert "Hand to mediation" not in html
    response = client.post(reverse("parties:visit_problem_handover", kwargs={"pk": dispute.pk}))
    assert response.status_code == 404
    dispute.refresh_from_db()
    assert dispute.mediation_case_id is None


@pytest.mark.django_db
def test_with_the_service_one_action_hands_the_dispute_over_once(client, alice, dispute, mediation_services):
    client.force_login(alice)
    detail = reverse("parties:visit_detail", kwargs={"pk": dispute.visit_id})
    html = client.get(detail, **EN).content.decode()
    assert html.count("Hand to mediation") == 1  # only the labour dispute, not the other problem
    url = reverse("parties:visit_problem_handover", kwargs={"pk": dispute.pk})
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # a second click changes nothing
    dispute.refresh_from_db()
    assert mediation_services == [(dispute.pk, "alice")]
    assert dispute.mediation_case_id == 4001 and dispute.handed_at is not None and dispute.handed_by == alice
    assert dispute.state == "in_hand"
    html = client.get(detail, **EN).content.decode()
    assert "Hand to mediation" not in html and "case 4001" in html


@pytest.mark.django_db
def test_a_problem_that_is_not_a_dispute_cannot_be_handed_over(client, alice, dispute, mediation_services):
    other = VisitProblem.objects.get(is_labour_dispute=False)
    client.force_login(alice)
    assert client.post(reverse("parties:visit_problem_handover", kwargs={"pk": other.pk})).status_code == 404
    with pytest.raises(ValidationError):
        problem_hand_to_mediation(problem=other, user=alice)
    assert mediation_services == []


@pytest.mark.django_db
def test_the_database_refuses_a_half_recorded_handover(dispute):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        VisitProblem.objects.filter(pk=dispute.pk).update(mediation_case_id=7)
