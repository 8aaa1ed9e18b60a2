"""Personas for outreach events: drivers `dong` and `wang`, desk staff `desi`; kinds and a health clinic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from activities.models import Event, EventKind
from parkportal.roles import Role
from tests.conftest import make_user

CLINIC_FIGURES = [
    {"key": "staff", "label": "医护人员"},
    {"key": "screened", "label": "筛查人数"},
    {"key": "bp", "label": "血压检测"},
    {"key": "sugar", "label": "血糖检测"},
    {"key": "referrals", "label": "转诊"},
]


@pytest.fixture
def kinds(park):
    return {
        "clinic": EventKind.objects.create(park=park, slug="clinic", name="健康义诊", figures=CLINIC_FIGURES),
        "school": EventKind.objects.create(
            park=park,
            slug="school",
            name="开学季·关爱行",
            asks_child_age=True,
            figures=[{"key": "children", "label": "儿童"}],
        ),
        "legal": EventKind.objects.create(park=park, slug="legal", name="法治进园区", figures=[]),
    }


def make_event(park, kind, organiser, *, days=3, capacity=50, status="published", **extra) -> Event:
    start = timezone.now() + timedelta(days=days)
    fields = {
        "park": park,
        "kind": kind,
        "organiser": organiser,
        "title": extra.pop("title", "健康义诊进司机之家"),
        "venue_text": "传化公路港卡车司机之家",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "capacity": capacity,
        "status": status,
    }
    fields.update(extra)
    return Event.objects.create(**fields)


@pytest.fixture
def clinic(park, tree, kinds) -> Event:
    """A published health clinic organised by 传化公路港党支部 (in sam's subtree), 50 places, family allowed."""
    return make_event(park, kinds["clinic"], tree["b1"], allow_family=True)


@pytest.fixture
def other_event(park, tree, kinds) -> Event:
    """An event organised by 云集药业党支部 (outside sam's subtree)."""
    return make_event(park, kinds["legal"], tree["b2"], title="法律沙龙")


@pytest.fixture
def dong(park):
    """A truck driver who signs in by phone."""
    return make_user("dong", Role.DRIVER, park, phone="13912340001", display_name="董师傅", phone_verified=True)


@pytest.fixture
def wang(park):
    """Another driver."""
    return make_user("wang", Role.DRIVER, park, phone="13912340002", display_name="王师傅", phone_verified=True)


@pytest.fixture
def desi(park):
    """Desk staff of the drivers' home: runs the door."""
    return make_user("desi", Role.DESK, park)


def drivers(park, n: int, prefix: str = "d"):
    from parkportal.models import User

    return User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", role=Role.DRIVER, park=park, phone=f"1770{i:07d}", display_name=f"司机{i}")
            for i in range(n)
        ]
    )


def more_drivers(park, n: int, *, prefix: str, first: int):
    """Like drivers(), with phone numbers from `first` on, so that several groups in one test do not collide."""
    from parkportal.models import User

    return User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{i}",
                role=Role.DRIVER,
                park=park,
                phone=f"1771{first + i:07d}",
                display_name=f"司机{i}",
            )
            for i in range(n)
        ]
    )
