"""Mediation personas: `mabel` mediates in the park room 商友之家, `otto` in 云集药业's committee (another body)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mediation.models import Applicant, BodyKind, Case, MediationBody
from parkportal.roles import Role
from tests.conftest import make_user


@pytest.fixture
def room(park) -> MediationBody:
    return MediationBody.objects.create(park=park, name="商友之家", kind=BodyKind.ROOM, address="园区服务中心二楼")


@pytest.fixture
def committee(park, tree) -> MediationBody:
    return MediationBody.objects.create(
        park=park, name="云集药业劳动争议调解委员会", kind=BodyKind.COMMITTEE, enterprise=tree["e2"]
    )


@pytest.fixture
def mabel(park, room):
    """Mediator of 商友之家."""
    user = make_user("mabel", Role.MEDIATOR, park, display_name="梅调解")
    room.mediators.add(user)
    return user


@pytest.fixture
def otto(park, committee):
    """Mediator of 云集药业's committee: a body other than mabel's."""
    user = make_user("otto", Role.MEDIATOR, park, display_name="欧调解")
    committee.mediators.add(user)
    return user


def make_case(body, *, days_ago: int = 0, status: str = "received", applicants: int = 1, **extra) -> Case:
    received = timezone.localdate() - timedelta(days=days_ago)
    fields = {
        "park": body.park,
        "body": body,
        "received_on": received,
        "matter": "拖欠工资",
        "respondent_name": "某物流公司",
        "dispute_type": "wages",
        "amount_claimed": "12000.00",
        "facts": "三个月工资未发",
        "requests": "支付工资",
        "status": status,
    }
    fields.update(extra)
    case = Case.objects.create(**fields)
    for i in range(applicants):
        Applicant.objects.create(
            case=case, name=f"工人{i}", phone=f"1390000{i:04d}", id_number=f"51010019900101{i:04d}"
        )
    return case


@pytest.fixture
def case(room) -> Case:
    return make_case(room)
