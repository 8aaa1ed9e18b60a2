"""Mediation statistics, aggregated in the database with a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from mediation.models import FINAL_STATES, BodyKind, DisputeType, Instalment, MediationBody, Outcome, Status
from parties.models import Enterprise


def _pct(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def compute(cases, *, year: int) -> dict:
    """Figures for the (scoped) `cases` received in `year`. Queries: totals (1), groups (1), payments by group (1),
    payments total (1), median (1)."""
    cases = cases.filter(received_on__year=year)
    days = settings.PORTAL_RULES["MEDIATION_DAYS"]
    totals = cases.aggregate(
        total=Count("pk"),
        agreements=Count("pk", filter=Q(outcome=Outcome.AGREEMENT)),
        concluded=Count("pk", filter=~Q(outcome="")),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        closed_within=Count("pk", filter=Q(status=Status.CLOSED, days_to_close__lte=days)),
        ended=Count("pk", filter=Q(status__in=FINAL_STATES)),
        stayed=Count("pk", filter=Q(status__in=FINAL_STATES, left_park=False)),
        agreed=Sum("agreement__amount"),
        open=Count("pk", filter=~Q(status__in=FINAL_STATES)),
    )
    groups = list(
        cases.annotate(month=TruncMonth("received_on"))
        .values("month", "body__name", "dispute_type")
        .annotate(
            cases=Count("pk"),
            agreements=Count("pk", filter=Q(outcome=Outcome.AGREEMENT)),
            agreed=Sum("agreement__amount"),
        )
        .order_by("month", "body__name", "dispute_type")
    )
    paid_rows = (
        Instalment.objects.filter(agreement__case__in=cases.values("pk"), paid_on__isnull=False)
        .annotate(month=TruncMonth("agreement__case__received_on"))
        .values("month", "agreement__case__body__name", "agreement__case__dispute_type")
        .annotate(paid=Sum("amount"))
    )
    paid_by = {
        (_month_key(r["month"]), r["agreement__case__body__name"], r["agreement__case__dispute_type"]): r["paid"]
        for r in paid_rows
    }
    labels = dict(DisputeType.choices)
    rows = []
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_body: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for g in groups:
        month = _month_key(g["month"])
        rows.append(
            {
                "month": month,
                "body": g["body__name"],
                "type": str(labels.get(g["dispute_type"], g["dispute_type"])),
                "cases": g["cases"],
                "agreements": g["agreements"],
                "agreed": g["agreed"] or Decimal("0"),
                "paid": paid_by.get((month, g["body__name"], g["dispute_type"]), Decimal("0")),
            }
        )
        by_type[month][g["dispute_type"]] += g["cases"]
        by_body[month][g["body__name"]] += g["cases"]
    paid = sum(paid_by.values(), Decimal("0"))
    closed = totals["closed"]
    median = None
    if closed:
        middle = list(
            cases.filter(status=Status.CLOSED)
            .order_by("days_to_close")
            .values_list("days_to_close", flat=True)[(closed - 1) // 2 : closed // 2 + 1]
        )
        median = sum(middle) / len(middle) if middle else None
    months = sorted(set(by_type) | set(by_body))
    bodies = sorted({g["body__name"] for g in groups})
    return {
        "year": year,
        "total": totals["total"],
        "open": totals["open"],
        "agreements": totals["agreements"],
        "agreement_rate": _pct(totals["agreements"], totals["concluded"]),
        "median_days": median,
        "within_rate": _pct(totals["closed_within"], closed),
        "agreed": totals["agreed"] or Decimal("0"),
        "paid": paid,
        "stay_rate": _pct(totals["stayed"], totals["ended"]),
        "rows": rows,
        "types": [(value, label) for value, label in DisputeType.choices],
        "bodies": bodies,
        "type_table": [(m, [by_type[m].get(v, 0) for v, _l in DisputeType.choices]) for m in months],
        "body_table": [(m, [by_body[m].get(b, 0) for b in bodies]) for m in months],
    }


def _month_key(value) -> str:
    return value.strftime("%Y-%m") if value else ""


def committee_share_queryset(user):
    """The enterprises the committee share is taken over: the whole park's."""
    return Enterprise.objects.filter(park_id=user.park_id)


def committee_share_aggregates() -> dict:
    has_committee = Exists(
        MediationBody.objects.filter(enterprise=OuterRef("pk"), kind=BodyKind.COMMITTEE, active=True)
    )
    return {"total": Count("pk"), "with_committee": Count("pk", filter=has_committee)}


def committee_share_rate(figures: dict) -> float | None:
    return _pct(figures["with_committee"], figures["total"])


def committee_share(user) -> dict:
    """The share of the park's enterprises that have their own labour-dispute mediation committee (1 query)."""
    figures = committee_share_queryset(user).aggregate(**committee_share_aggregates())
    figures["rate"] = committee_share_rate(figures)
    return figures
