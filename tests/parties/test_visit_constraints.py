"""The database itself refuses impossible visits and problems, whatever code writes them."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from parties.models import Visit, VisitPhoto, VisitProblem


@pytest.fixture
def visit(park, tree):
    return Visit.objects.create(
        park=park,
        enterprise=tree["e1"],
        instructor=tree["ins1"],
        date=timezone.localdate(),
        kind="policy",
        people_met="王经理",
        summary="宣讲",
    )


def _refused(**update):
    def check(model, pk):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(**update)

    return check


@pytest.mark.django_db
@pytest.mark.parametrize(
    "update",
    [{"summary": ""}, {"people_met": ""}, {"kind": "party"}],
    ids=["no summary", "nobody met", "unknown kind"],
)
def test_a_visit_needs_its_text_and_a_known_kind(visit, update):
    _refused(**update)(Visit, visit.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "update",
    [
        {"state": "solved"},  # solved without a date
        {"solved_on": timezone.localdate()},  # a date while still open
        {"state": "closed"},
        {"description": ""},
        {"mediation_case_id": 3, "handed_at": timezone.now()},  # not a labour dispute
    ],
    ids=["solved-no-date", "open-with-date", "unknown-state", "no-description", "handed-not-dispute"],
)
def test_a_problem_follows_its_rules(visit, update):
    problem = VisitProblem.objects.create(visit=visit, description="场地不足", opened_on=visit.date)
    _refused(**update)(VisitProblem, problem.pk)


@pytest.mark.django_db
def test_a_problem_cannot_be_solved_before_it_was_found(visit):
    problem = VisitProblem.objects.create(visit=visit, description="场地不足", opened_on=visit.date)
    _refused(state="solved", solved_on=visit.date - timezone.timedelta(days=1))(VisitProblem, problem.pk)


@pytest.mark.django_db
def test_a_photo_has_a_size(visit):
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitPhoto.objects.create(visit=visit, image="a.jpg", thumbnail="a_t.jpg", width=0, height=10)
