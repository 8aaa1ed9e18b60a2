"""The hook that hands a labour dispute found at a visit to mediation (mediation.services.case_intake_from_visit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parties.models import VisitProblem
from parties.visit_services import problem_hand_to_mediation
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
def room(park):
    """The park's mediation room that receives cases from visits (mediation.services.default_body)."""
    from mediation.models import MediationBody

    return MediationBody.objects.create(park=park, name="商友之家")


@pytest.mark.django_db
def test_one_action_hands_the_dispute_to_mediation_once(client, alice, dispute, room):
    from mediation.models import Case

    client.force_login(alice)
    detail = reverse("parties:visit_detail", kwargs={"pk": dispute.visit_id})
    html = client.get(detail, **EN).content.decode()
    assert html.count("Hand to mediation") == 1  # only the labour dispute, not the other problem
    url = reverse("parties:visit_problem_handover", kwargs={"pk": dispute.pk})
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # a second click changes nothing
    case = Case.objects.get()
    assert case.body == room and case.source == "visit"
    assert case.respondent_enterprise == dispute.visit.enterprise
    assert "欠薪" in case.facts
    dispute.refresh_from_db()
    assert dispute.mediation_case_id == case.pk and dispute.handed_at is not None and dispute.handed_by == alice
    assert dispute.state == "in_hand"
    html = client.get(detail, **EN).content.decode()
    assert "Hand to mediation" not in html


@pytest.mark.django_db
def test_without_a_mediation_room_the_hand_over_is_refused_and_nothing_changes(alice, dispute):
    from mediation.models import Case

    with pytest.raises(ValidationError):
        problem_hand_to_mediation(problem=dispute, user=alice)
    dispute.refresh_from_db()
    assert dispute.mediation_case_id is None and not Case.objects.exists()


@pytest.mark.django_db
def test_a_problem_that_is_not_a_dispute_cannot_be_handed_over(client, alice, dispute, room):
    other = VisitProblem.objects.get(is_labour_dispute=False)
    client.force_login(alice)
    assert client.post(reverse("parties:visit_problem_handover", kwargs={"pk": other.pk})).status_code == 404
    with pytest.raises(ValidationError):
        problem_hand_to_mediation(problem=other, user=alice)
    from mediation.models import Case

    assert not Case.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_half_recorded_handover(dispute):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        VisitProblem.objects.filter(pk=dispute.pk).update(mediation_case_id=7)
