"""Two people acting at once: one mediation case per dispute, and no edit lost from the history (PostgreSQL)."""

from __future__ import annotations

import pytest

from parties.models import VisitRevision
from parties.visit_services import problem_hand_to_mediation, visit_update
from tests.parties.visit_matrix import make_visit
from tests.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clicks_at_once_open_one_mediation_case(ian, alice, sam, tree, park):
    from mediation.models import Case, MediationBody

    MediationBody.objects.create(park=park, name="商友之家")
    visit = make_visit(
        ian, tree["e1"], problems=[{"description": "欠薪纠纷", "state": "open", "is_labour_dispute": True}]
    )
    problem = visit.problems.get()

    errors = run_together(
        lambda: problem_hand_to_mediation(problem=problem, user=alice),
        lambda: problem_hand_to_mediation(problem=problem, user=sam),
    )
    assert errors == []
    assert Case.objects.count() == 1
    problem.refresh_from_db()
    assert problem.mediation_case_id == Case.objects.get().pk


def test_two_edits_at_once_both_land_and_both_are_in_the_history(ian, alice, tree):
    visit = make_visit(ian, tree["e1"])
    errors = run_together(
        lambda: visit_update(visit=visit, user=ian, changes={"summary": "补充了会议记录检查情况。"}),
        lambda: visit_update(visit=visit, user=alice, changes={"people_met": "王经理、工会主席"}),
    )
    assert errors == []
    visit.refresh_from_db()
    assert (visit.summary, visit.people_met) == ("补充了会议记录检查情况。", "王经理、工会主席")
    fields = sorted(c["field"] for r in VisitRevision.objects.filter(visit=visit) for c in r.changes)
    assert fields == ["people_met", "summary"]


def test_the_same_visit_form_sent_twice_at_once_logs_one_visit(ian, tree):
    import uuid

    from django.utils import timezone

    from parties.models import Visit
    from parties.visit_services import visit_create

    token = uuid.uuid4()

    def log():
        visit_create(
            user=ian,
            enterprise=tree["e1"],
            date=timezone.localdate(),
            kind="org_life",
            people_met="王经理",
            summary="指导组织生活会。",
            problems=[{"description": "欠薪", "state": "open"}],
            submit_token=token,
        )

    errors = run_together(log, log, log)
    assert errors == []
    assert Visit.objects.count() == 1
    assert Visit.objects.get().problems.count() == 1
