"""stats.compute (one grouped query with every count, payments apart, a histogram for the median) against the
figures computed the slow way, case by case in Python."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mediation import stats
from mediation.models import FINAL_STATES, Agreement, BodyKind, Case, DisputeType, Instalment, MediationBody
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db

YEAR = 2025


def _slow(cases: list[Case]) -> dict:
    days = settings.PORTAL_RULES["MEDIATION_DAYS"]
    closed = [c for c in cases if c.status == "closed"]
    ended = [c for c in cases if c.status in FINAL_STATES]
    concluded = [c for c in cases if c.outcome]
    agreements = [c for c in cases if c.outcome == "agreement"]
    agreed = defaultdict(Decimal)
    paid = defaultdict(Decimal)
    counts = Counter()
    for c in cases:
        key = (f"{c.received_on:%Y-%m}", c.body.name, str(c.get_dispute_type_display()))
        counts[key] += 1
        agreement = Agreement.objects.filter(case=c).first()
        if agreement:
            agreed[key] += agreement.amount
            paid[key] += sum((i.amount for i in agreement.instalments.all() if i.paid_on), Decimal("0"))
    pct = stats._pct
    return {
        "total": len(cases),
        "open": len(cases) - len(ended),
        "agreements": len(agreements),
        "agreement_rate": pct(len(agreements), len(concluded)),
        "median_days": statistics.median([c.days_to_close for c in closed]) if closed else None,
        "within_rate": pct(sum(1 for c in closed if c.days_to_close <= days), len(closed)),
        "agreed": sum(agreed.values(), Decimal("0")),
        "paid": sum(paid.values(), Decimal("0")),
        "stay_rate": pct(sum(1 for c in ended if not c.left_park), len(ended)),
        "rows": sorted(
            (k[0], k[1], k[2], n, agreed.get(k, Decimal("0")), paid.get(k, Decimal("0"))) for k, n in counts.items()
        ),
    }


@pytest.fixture
def a_year(room, committee, mabel):
    """Cases over several months, both bodies, three dispute types, every end; agreements with paid and unpaid
    instalments; a case of another year that must not count."""
    types = [DisputeType.WAGES, DisputeType.WORK_INJURY, DisputeType.DISMISSAL]
    states = [
        {"status": "received"},
        {"status": "in_mediation"},
        {"status": "closed", "outcome": "agreement"},
        {"status": "closed", "outcome": "no_agreement", "left_park": True},
        {"status": "declined", "left_park": True},
        {"status": "withdrawn"},
        {"status": "agreement", "outcome": "agreement"},
    ]
    made = []
    for i in range(30):
        fields = dict(states[i % len(states)])
        if fields["status"] in FINAL_STATES:
            fields["days_to_close"] = (i * 7) % 31
        case = make_case(room if i % 3 else committee, dispute_type=types[i % 3], applicants=1, **fields)
        Case.objects.filter(pk=case.pk).update(received_on=date(YEAR, 1 + i % 5, 1 + i))
        made.append(case)
        if fields.get("outcome") == "agreement":
            agreement = Agreement.objects.create(
                case=case,
                facts_in_dispute="f",
                terms="t",
                performance="p",
                perform_by=timezone.localdate() + timedelta(days=10),
                amount=Decimal(1000 + i),
                signed_on=date(YEAR, 6, 1),
                mediator=mabel,
            )
            for n in range(i % 3 + 1):  # 1-3 instalments, the last one unpaid when there are 3
                Instalment.objects.create(
                    agreement=agreement, amount=Decimal(100 + n), paid_on=None if n == 2 else date(YEAR, 6, 2)
                )
    other = make_case(room, status="closed", outcome="agreement", days_to_close=1)
    Case.objects.filter(pk=other.pk).update(received_on=date(YEAR + 1, 1, 1))
    return made


def _fast(user, **kwargs) -> dict:
    figures = stats.compute(Case.objects.visible_to(user), year=YEAR, **kwargs)
    figures["rows"] = sorted(
        (r["month"], r["body"], r["type"], r["cases"], r["agreed"], r["paid"]) for r in figures["rows"]
    )
    return figures


@pytest.mark.parametrize("who", ["alice", "mabel"])
def test_compute_matches_the_slow_path(request, a_year, who):
    user = request.getfixturevalue(who)
    cases = [c for c in Case.objects.visible_to(user).select_related("body") if c.received_on.year == YEAR]
    assert cases  # both see some
    slow, fast = _slow(cases), _fast(user)
    for key, value in slow.items():
        assert fast[key] == value, key
    assert fast["median_days"] is not None
    # The export's rows in the order of the month, then the body's name (sorted in Python now, not in SQL).
    raw = stats.compute(Case.objects.visible_to(user), year=YEAR)["rows"]
    assert [(r["month"], r["body"]) for r in raw] == sorted((r["month"], r["body"]) for r in raw)


@pytest.mark.parametrize("who", ["alice", "mabel", "sam"])
def test_the_page_gets_the_same_figures_without_rows(request, a_year, who):
    """The page's figures come from one statement over the scoped cases (stats.PAGE_SQL), the export's from the
    grouped ORM queries: every figure and both tables must agree, for each scope (the secretary's has joins)."""
    user = request.getfixturevalue(who)
    full = _fast(user)
    with CaptureQueriesContext(connection) as ctx:
        page = _fast(user, rows=False)
    if connection.vendor == "postgresql":  # elsewhere the grouped path without the rows
        assert len(ctx) == 1
    assert page.pop("rows") == []
    assert full.pop("rows") or who == "sam"
    assert page == full
    cases = [c for c in Case.objects.visible_to(user).select_related("body") if c.received_on.year == YEAR]
    slow = _slow(cases)
    slow.pop("rows")
    assert {k: page[k] for k in slow} == slow


@pytest.mark.parametrize(
    ("days", "median"),
    [([10], 10), ([10, 20], 15), ([3, 3, 3, 9], 3), ([1, 2, 2, 2, 9, 9], 2), ([0, 30, 30, 30, 31], 30)],
)
def test_median_from_the_histogram(alice, room, days, median):
    for d in days:
        case = make_case(room, status="closed", outcome="no_agreement", days_to_close=d)
        Case.objects.filter(pk=case.pk).update(received_on=date(YEAR, 3, 1))
    ended = make_case(room, status="withdrawn", days_to_close=99)  # ended, not closed: not in the median
    Case.objects.filter(pk=ended.pk).update(received_on=date(YEAR, 3, 1))
    assert _fast(alice)["median_days"] == median
    assert _fast(alice)["median_days"] == statistics.median(days)


def test_a_year_without_closed_cases_has_no_median(alice, room, django_assert_num_queries):
    case = make_case(room, status="in_mediation")
    Case.objects.filter(pk=case.pk).update(received_on=date(YEAR, 3, 1))
    with django_assert_num_queries(
        1 if connection.vendor == "postgresql" else 2
    ):  # one statement (or: groups, payments)
        figures = stats.compute(Case.objects.visible_to(alice), year=YEAR, rows=False)
    assert figures["median_days"] is None and figures["total"] == 1 and figures["paid"] == 0


def test_committee_share_counts_enterprises_with_an_active_committee(alice, olga, park, other_park, tree):
    def share(user):
        return {k: stats.committee_share(user)[k] for k in ("total", "with_committee", "rate")}

    assert share(alice) == {"total": 2, "with_committee": 0, "rate": 0.0}
    for name, active in (("一委", True), ("二委", True), ("停用", False)):  # two active committees of e1: once
        MediationBody.objects.create(
            park=park, name=name, kind=BodyKind.COMMITTEE, enterprise=tree["e1"], active=active
        )
    MediationBody.objects.create(park=park, name="停用二", kind=BodyKind.COMMITTEE, enterprise=tree["e2"], active=False)
    MediationBody.objects.create(park=park, name="商友之家", kind=BodyKind.ROOM)  # a room is no committee
    assert share(alice) == {"total": 2, "with_committee": 1, "rate": 50.0}
    assert share(olga) == {"total": 0, "with_committee": 0, "rate": None}  # another park: none of these
