"""Two mediators moving the same case at once: one wins, the other is told, history is whole (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from mediation import services
from mediation.models import Applicant, Case, CaseEvent, EventKind
from parkportal.roles import Role
from tests.conftest import make_user
from tests.mediation.conftest import make_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = ("ok", call())
        except services.TransitionError as error:
            results[i] = ("refused", error)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize("run", range(10))
def test_two_mediators_move_the_same_case(room, mabel, run):
    colleague = make_user(f"colleague{run}", Role.MEDIATOR, room.park)
    room.mediators.add(colleague)
    case = make_case(room)
    results = _race(
        lambda: services.case_accept(case=Case.objects.get(pk=case.pk), user=mabel, version=1),
        lambda: services.case_decline(
            case=Case.objects.get(pk=case.pk), user=colleague, version=1, reason="不属于受理范围"
        ),
    )
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["ok", "refused"], results
    loser = next(r[1] for r in results if r[0] == "refused")
    assert isinstance(loser, services.StaleCase)
    case.refresh_from_db()
    assert case.version == 2
    events = list(CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION))
    assert len(events) == 1 and events[0].to_status == case.status


@pytest.mark.parametrize("run", range(10))
def test_double_submitted_intake_creates_one_case(room, mabel, run):
    token = uuid.uuid4()

    def submit():
        case, created = services.case_intake(
            park=room.park,
            body=room,
            user=mabel,
            submit_token=token,
            fields={
                "matter": "欠薪",
                "respondent_name": "某公司",
                "dispute_type": "wages",
                "facts": "f",
                "requests": "r",
            },
            applicants=[{"name": "张三", "phone": "", "id_number": ""}],
        )
        return case.pk, created

    results = _race(submit, submit, submit, submit)
    assert all(r[0] == "ok" for r in results), results
    assert len({r[1][0] for r in results}) == 1
    assert sorted(r[1][1] for r in results) == [False, False, False, True]
    assert Case.objects.count() == 1 and Applicant.objects.count() == 1
