"""The hook instructors' visits call: a problem found on a visit becomes a received case in the park's first room."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from mediation.models import BodyKind, CaseEvent, MediationBody
from mediation.services import case_intake_from_visit

pytestmark = pytest.mark.django_db


def test_case_from_visit(park, tree, ian, committee):
    first = MediationBody.objects.create(park=park, name="商友之家", kind=BodyKind.ROOM)
    MediationBody.objects.create(park=park, name="书记帮帮团", kind=BodyKind.ROOM)
    problem = SimpleNamespace(
        description="司机反映公司拖欠两个月运费和工资",
        visit=SimpleNamespace(enterprise=tree["e1"], date=date(2026, 11, 20)),
    )
    case = case_intake_from_visit(problem=problem, user=ian)
    assert case.status == "received" and case.source == "visit"
    assert case.body == first  # the first park-level room, not the enterprise committee
    assert case.respondent_enterprise == tree["e1"] and case.park == park
    assert case.facts == problem.description
    assert "2026-11-20" in case.requests
    assert case.applicants.count() == 1
    assert CaseEvent.objects.get(case=case).user == ian
