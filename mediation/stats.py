"""Mediation statistics, aggregated in the database with a fixed number of queries."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from operator import itemgetter

from django.conf import settings
from django.db import connections
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from mediation.models import FINAL_STATES, BodyKind, DisputeType, MediationBody, Outcome, Status
from parties.models import Enterprise


def _pct(part: int, whole: int) -> float | None:
    return round(part / whole * 100, 1) if whole else None


#: Per (month, body, dispute type): every count the page shows, so the totals are sums of the groups rather than a
#: second pass over the year's cases.
def _group_figures(days: int) -> dict:
    ended = Q(status__in=FINAL_STATES)
    return {
        "cases": Count("pk"),
        "agreements": Count("pk", filter=Q(outcome=Outcome.AGREEMENT)),
        "concluded": Count("pk", filter=~Q(outcome="")),
        "closed": Count("pk", filter=Q(status=Status.CLOSED)),
        "closed_within": Count("pk", filter=Q(status=Status.CLOSED, days_to_close__lte=days)),
        "ended": Count("pk", filter=ended),
        "stayed": Count("pk", filter=ended & Q(left_park=False)),
        "agreed": Sum("agreement__amount"),
    }


SUMMED = ("cases", "agreements", "concluded", "closed", "closed_within", "ended", "stayed")


def compute(cases, *, year: int, rows: bool = True) -> dict:
    """Figures for the (scoped) `cases` received in `year`. Queries: the groups with every count (1), payments (1),
    days to close of the closed cases as a histogram, for the median (1, none without closed cases).

    The month is EXTRACT(MONTH) of the year's cases (an integer; TruncMonth cast each date to a timestamp with
    time zone and back). The groups are hashed, not sorted, in the database and sorted here (a few hundred rows;
    the sort of every case of the year by month and body name was a third of the query). Payments are summed from
    the case side and kept apart from the groups: joined into them they would repeat each agreement's amount once
    per instalment. Only the Excel export shows payments per group (`rows`); the page shows their total, one sum.
    """
    cases = cases.filter(received_on__year=year)
    days = settings.PORTAL_RULES["MEDIATION_DAYS"]
    if not rows and connections[cases.db].vendor == "postgresql":  # PAGE_SQL is PostgreSQL's dialect
        return _page_figures(cases, year, days)
    month = ExtractMonth("received_on")
    groups = sorted(
        cases.annotate(month=month)
        .values("month", "body__name", "dispute_type")
        .annotate(**_group_figures(days))
        .order_by(),
        key=itemgetter("month", "body__name", "dispute_type"),
    )
    paid_rows = cases.filter(agreement__instalments__paid_on__isnull=False)
    if rows:
        paid_by = {
            (r["month"], r["body__name"], r["dispute_type"]): r["paid"]
            for r in paid_rows.annotate(month=month)
            .values("month", "body__name", "dispute_type")
            .annotate(paid=Sum("agreement__instalments__amount"))
            .order_by()
        }
        paid = sum(paid_by.values(), Decimal("0"))
    else:
        paid_by = {}
        paid = paid_rows.aggregate(paid=Sum("agreement__instalments__amount"))["paid"] or Decimal("0")
    labels = {value: str(label) for value, label in DisputeType.choices}
    totals = dict.fromkeys(SUMMED, 0)
    agreed = Decimal("0")
    table = []
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_body: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for g in groups:
        key = f"{year}-{g['month']:02d}"
        for name in SUMMED:
            totals[name] += g[name]
        agreed += g["agreed"] or 0
        if rows:
            table.append(
                {
                    "month": key,
                    "body": g["body__name"],
                    "type": labels.get(g["dispute_type"], g["dispute_type"]),
                    "cases": g["cases"],
                    "agreements": g["agreements"],
                    "agreed": g["agreed"] or Decimal("0"),
                    "paid": paid_by.get((g["month"], g["body__name"], g["dispute_type"]), Decimal("0")),
                }
            )
        by_type[key][g["dispute_type"]] += g["cases"]
        by_body[key][g["body__name"]] += g["cases"]
    closed = totals["closed"]
    median = _median(cases) if closed else None  # no query for a year without closed cases
    months = sorted(by_type)
    bodies = sorted({g["body__name"] for g in groups})
    return {
        "year": year,
        "total": totals["cases"],
        "open": totals["cases"] - totals["ended"],
        "agreements": totals["agreements"],
        "agreement_rate": _pct(totals["agreements"], totals["concluded"]),
        "median_days": median,
        "within_rate": _pct(totals["closed_within"], closed),
        "agreed": agreed,
        "paid": paid,
        "stay_rate": _pct(totals["stayed"], totals["ended"]),
        "rows": table,
        "types": [(value, label) for value, label in DisputeType.choices],
        "bodies": bodies,
        "type_table": [(m, [by_type[m].get(v, 0) for v, _l in DisputeType.choices]) for m in months],
        "body_table": [(m, [by_body[m].get(b, 0) for b in bodies]) for m in months],
    }


def _median(cases) -> float | None:
    """The median days to close of the closed cases, from how many closed after each number of days (a few dozen
    rows, not one per case; counted in the same query, so a case closing meanwhile cannot shift the middle)."""
    return _median_of(
        cases.filter(status=Status.CLOSED, days_to_close__isnull=False)
        .values_list("days_to_close")
        .annotate(n=Count("pk"))
        .order_by("days_to_close")
    )


def _median_of(histogram) -> float | None:
    """The median of (value, how many) pairs in ascending order of value."""
    histogram = list(histogram)
    closed = sum(n for _days, n in histogram)
    if not closed:
        return None
    wanted = [(closed - 1) // 2, closed // 2]  # 0-based positions of the middle one (twice) or two
    middle = []
    seen = 0
    for days, n in histogram:
        while wanted and wanted[0] < seen + n:
            middle.append(days)
            wanted.pop(0)
        seen += n
    return sum(middle) / 2


#: The statistics page's figures in one statement over the year's (scoped) cases, read once into `c`: the totals,
#: the cases per (month, dispute type) and per (month, body) as two grouping sets, the days-to-close histogram, the
#: money agreed and paid (instalments summed per agreement first, so an amount agreed is not repeated per
#: instalment), and the names of the bodies (by primary key: 9 of 3,370 bodies at the large park). One snapshot,
#: one round trip and one plan instead of three ORM queries (the grouped one with 507 groups per (month, body,
#: type) at the large park, payments, histogram). Values come back as JSON text: the same code on psycopg 2 and 3,
#: sums as exact decimal strings.
PAGE_SQL = """
WITH c (id, received_on, body_id, dispute_type, status, outcome, days_to_close, left_park) AS MATERIALIZED ({cases})
SELECT
 (SELECT json_build_array(
    count(*),
    count(*) FILTER (WHERE outcome = %s),
    count(*) FILTER (WHERE outcome <> ''),
    count(*) FILTER (WHERE status = %s),
    count(*) FILTER (WHERE status = %s AND days_to_close <= %s),
    count(*) FILTER (WHERE status = ANY(%s)),
    count(*) FILTER (WHERE status = ANY(%s) AND NOT left_park))::text FROM c),
 (SELECT json_agg(json_build_array(m, by_type, body_id, dispute_type, n))::text FROM (
    SELECT EXTRACT(MONTH FROM received_on)::int AS m, GROUPING(body_id) AS by_type, body_id, dispute_type,
      count(*) AS n FROM c
    GROUP BY GROUPING SETS ((EXTRACT(MONTH FROM received_on)::int, dispute_type),
                            (EXTRACT(MONTH FROM received_on)::int, body_id))) g),
 (SELECT json_agg(json_build_array(days_to_close, n) ORDER BY days_to_close)::text FROM (
    SELECT days_to_close, count(*) AS n FROM c WHERE status = %s AND days_to_close IS NOT NULL
    GROUP BY days_to_close) h),
 (SELECT json_build_array(sum(a.amount)::text, sum(p.paid)::text)::text
    FROM mediation_agreement a JOIN c ON c.id = a.case_id
    LEFT JOIN (SELECT agreement_id, sum(amount) AS paid FROM mediation_instalment WHERE paid_on IS NOT NULL
               GROUP BY agreement_id) p ON p.agreement_id = a.id),
 (SELECT json_object_agg(b.id, b.name)::text FROM mediation_mediationbody b
    WHERE b.id = ANY(ARRAY(SELECT DISTINCT body_id FROM c)))
"""


def _page_figures(cases, year: int, days: int) -> dict:
    """compute(rows=False) in one query (PAGE_SQL); the same figures, which a test compares with the grouped path."""
    columns = ("pk", "received_on", "body_id", "dispute_type", "status", "outcome", "days_to_close", "left_park")
    cases_sql, cases_params = cases.order_by().values_list(*columns).query.sql_with_params()
    ended = list(FINAL_STATES)
    params = (*cases_params, Outcome.AGREEMENT, Status.CLOSED, Status.CLOSED, days, ended, ended, Status.CLOSED)
    with connections[cases.db].cursor() as cursor:
        cursor.execute(PAGE_SQL.format(cases=cases_sql), params)
        totals, groups, histogram, money, names = cursor.fetchone()
    agreed, paid = json.loads(money)
    total, agreements, concluded, closed, closed_within, ended_n, stayed = json.loads(totals)
    names = {int(pk): name for pk, name in json.loads(names or "{}").items()}
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_body: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, by_type_row, body_id, dispute_type, n in json.loads(groups or "[]"):
        key = f"{year}-{month:02d}"
        if by_type_row:
            by_type[key][dispute_type] += n
        else:  # bodies of the same name share a column, as on the grouped path
            by_body[key][names[body_id]] += n
    months = sorted(by_type)
    bodies = sorted({name for counts in by_body.values() for name in counts})
    return {
        "year": year,
        "total": total,
        "open": total - ended_n,
        "agreements": agreements,
        "agreement_rate": _pct(agreements, concluded),
        "median_days": _median_of(json.loads(histogram)) if closed and histogram else None,
        "within_rate": _pct(closed_within, closed),
        "agreed": Decimal(agreed) if agreed is not None else Decimal("0"),
        "paid": Decimal(paid) if paid is not None else Decimal("0"),
        "stay_rate": _pct(stayed, ended_n),
        "rows": [],
        "types": [(value, label) for value, label in DisputeType.choices],
        "bodies": bodies,
        "type_table": [(m, [by_type[m].get(v, 0) for v, _l in DisputeType.choices]) for m in months],
        "body_table": [(m, [by_body[m].get(b, 0) for b in bodies]) for m in months],
    }


def committee_share_queryset(user):
    """The enterprises the committee share is taken over: the whole park's."""
    return Enterprise.objects.filter(park_id=user.park_id)


#: The models the committee share reads (the home dashboard's cache key: parkportal.registry.register_cards).
def committee_share_reads() -> tuple:
    return (Enterprise, MediationBody)


def committee_share_aggregates() -> dict:
    """IN (the active committees' enterprises) rather than EXISTS per enterprise: PostgreSQL hashes the 3,370
    committees once instead of probing the index 3,549 times (4 -> 2 ms at the large park)."""
    committees = MediationBody.objects.filter(kind=BodyKind.COMMITTEE, active=True).values("enterprise_id")
    return {"total": Count("pk"), "with_committee": Count("pk", filter=Q(pk__in=committees))}


def committee_share_rate(figures: dict) -> float | None:
    return _pct(figures["with_committee"], figures["total"])


def committee_share(user) -> dict:
    """The share of the park's enterprises that have their own labour-dispute mediation committee (1 query)."""
    figures = committee_share_queryset(user).aggregate(**committee_share_aggregates())
    figures["rate"] = committee_share_rate(figures)
    return figures
