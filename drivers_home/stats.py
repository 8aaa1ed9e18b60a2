"""Traffic figures of the drivers' home, computed in the database.

Counts by day, hour, site, service, province read the daily summary (DailyStat: a year of a large
park is tens of thousands of rows, not millions). Distinct drivers and repeat visitors (came on two or
more days) read DriverYear: one row per driver and year with a bit per day.
Every function runs a fixed number of queries whatever the size of the data.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from drivers_home.models import CheckIn, DailyStat, DriverYear, FloatingMemberRequest, Service, Site
from parkportal.roles import Role


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _park_checkins(user):
    # Park-level aggregates: park administrators and secretaries see counts of their park, never rows.
    if user.role in (Role.PARK_ADMIN, Role.SECRETARY):
        return CheckIn.objects.in_park(user.park_id)
    return CheckIn.objects.visible_to(user)


def traffic(user, start: date, end: date, site: Site | None = None) -> dict:
    """All figures of the traffic page. Queries: per day, per hour, per site, per service (+ names),
    per province, distinct drivers, repeat visitors, floating requests: 9."""
    stats = DailyStat.objects.visible_to(user).filter(day__gte=start, day__lte=end)
    checkins = _park_checkins(user)
    if site is not None:
        stats = stats.filter(site=site)
        checkins = checkins.filter(site=site)
    lo, hi = day_bounds(start, end)
    checkins = checkins.filter(created__gte=lo, created__lt=hi)
    hours = stats.filter(kind=DailyStat.Kind.HOUR)

    per_day = {r["day"]: r["n"] for r in hours.values("day").annotate(n=Sum("count")).order_by("day")}
    days = []
    d = start
    while d <= end:
        days.append((d, per_day.get(d, 0)))
        d += timedelta(days=1)
    per_hour_raw = {int(r["key"]): r["n"] for r in hours.values("key").annotate(n=Sum("count")).order_by()}
    per_hour = [(h, per_hour_raw.get(h, 0)) for h in range(24)]
    per_site = list(hours.values("site_id", "site__name").annotate(n=Sum("count")).order_by("-n", "site__name"))
    per_service_raw = {
        r["key"]: r["n"]
        for r in stats.filter(kind=DailyStat.Kind.SERVICE).values("key").annotate(n=Sum("count")).order_by()
    }
    names = dict(Service.objects.filter(pk__in=[int(k) for k in per_service_raw]).values_list("pk", "name"))
    per_service = sorted(
        ((names.get(int(k), k), n) for k, n in per_service_raw.items() if n), key=lambda x: (-x[1], x[0])
    )
    provinces = list(
        stats.filter(kind=DailyStat.Kind.PROVINCE).values("key").annotate(n=Sum("count")).order_by("-n", "key")[:10]
    )
    park_id = user.park_id
    if site is None:
        distinct, repeat = distinct_and_repeat(park_id, start, end)
    else:
        distinct, repeat = _distinct_and_repeat_from_checkins(checkins)
    floating = FloatingMemberRequest.objects.filter(park_id=park_id, created__gte=lo, created__lt=hi).aggregate(
        found=Count("pk"), accepted=Count("pk", filter=Q(status=FloatingMemberRequest.Status.ACCEPTED))
    )
    total = sum(n for _d, n in days)
    return {
        "start": start,
        "end": end,
        "total": total,
        "days": days,
        "max_day": max((n for _d, n in days), default=0) or 1,
        "hours": per_hour,
        "max_hour": max((n for _h, n in per_hour), default=0) or 1,
        "sites": per_site,
        "services": per_service,
        "provinces": provinces,
        "distinct_drivers": distinct,
        "repeat_visitors": repeat,
        "floating_found": floating["found"],
        "floating_accepted": floating["accepted"],
    }


def _distinct_and_repeat_from_checkins(checkins) -> tuple[int, int]:
    """Straight from the check-ins (one site, or a check of the summary): drivers, and drivers on 2+ days."""
    from django.db.models.functions import TruncDate

    per_driver = (
        checkins.filter(driver__isnull=False)
        .annotate(d=TruncDate("created"))
        .values("driver")
        .annotate(days=Count("d", distinct=True))
        .order_by()
    )
    rows = list(per_driver.values_list("days", flat=True))
    return len(rows), sum(1 for days in rows if days > 1)


FULL_MONTH = (1 << 31) - 1


def _month_masks(year: int, start: date, end: date) -> list[int]:
    """For each month of `year`, the bits of the days inside [start, end]."""
    masks = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
        lo, hi = max(first, start), min(last, end)
        if lo > hi:
            masks.append(0)
        elif lo == first and hi == last:
            masks.append(FULL_MONTH)
        else:
            masks.append(sum(1 << (d - 1) for d in range(lo.day, hi.day + 1)))
    return masks


def distinct_and_repeat(park_id: int, start: date, end: date) -> tuple[int, int]:
    """Distinct drivers, and repeat visitors (came on two or more days), in [start, end], from DriverYear.

    One query: per year of the period a scan of that year's rows of the park (200,000 at the benchmark
    size), with each month's bits masked to the period. A driver has visited if any masked month is
    non-zero; he is a repeat visitor if two masked months are non-zero or one has two bits set
    (x & (x − 1) ≠ 0). Over several years the rows are summed per driver. Portable SQL (PostgreSQL, SQLite).
    """
    table = connection.ops.quote_name(DriverYear._meta.db_table)
    parts, params = [], []
    for year in range(start.year, end.year + 1):
        masks = _month_masks(year, start, end)
        cols = [(f"m{i + 1}", mask) for i, mask in enumerate(masks) if mask]
        masked = [f"({col} & {mask})" for col, mask in cols]
        nonzero = " + ".join(f"(CASE WHEN {m} <> 0 THEN 1 ELSE 0 END)" for m in masked)
        multi = " OR ".join(f"({m} & ({m} - 1)) <> 0" for m in masked)
        parts.append(
            f"SELECT COALESCE(driver_id, -id) AS who, {nonzero} AS months, "
            f"CASE WHEN {multi} THEN 1 ELSE 0 END AS multi FROM {table} "
            f"WHERE park_id = %s AND year = %s AND ({' OR '.join(f'{m} <> 0' for m in masked)})"
        )
        params += [park_id, year]
    union = " UNION ALL ".join(parts)
    sql = (
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN months >= 2 OR multi = 1 THEN 1 ELSE 0 END), 0) "
        f"FROM (SELECT who, SUM(months) AS months, MAX(multi) AS multi FROM ({union}) AS y GROUP BY who) AS per_driver"
    )
    if len(parts) == 1:
        sql = (
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN months >= 2 OR multi = 1 THEN 1 ELSE 0 END), 0) "
            f"FROM ({union}) AS per_driver"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        distinct, repeat = cursor.fetchone()
    return int(distinct), int(repeat)


def today_at_site(site: Site) -> dict:
    """The desk's view of today. Queries: today's summary rows (1), service names (1)."""
    today = timezone.localdate()
    rows = list(
        DailyStat.objects.filter(site=site, day=today, kind__in=["hour", "service"]).values_list("kind", "key", "count")
    )
    by_hour_raw = {int(k): n for kind, k, n in rows if kind == "hour"}
    by_service_raw = {int(k): n for kind, k, n in rows if kind == "service" and n}
    names = dict(Service.objects.filter(pk__in=list(by_service_raw)).values_list("pk", "name"))
    hours = [(h, by_hour_raw.get(h, 0)) for h in range(24) if by_hour_raw.get(h)]
    return {
        "today": today,
        "count": sum(by_hour_raw.values()),
        "hours": hours,
        "max_hour": max(by_hour_raw.values(), default=0) or 1,
        "services": sorted(((names.get(k, str(k)), n) for k, n in by_service_raw.items()), key=lambda x: -x[1]),
    }


def inside_now(site: Site):
    """Check-ins at `site` within the window: who is (probably) inside now."""
    since = timezone.now() - settings.PORTAL_RULES["CHECKIN_WINDOW"]
    return (
        CheckIn.objects.filter(site=site, created__gte=since)
        .select_related("driver__driver_profile")
        .order_by("-created", "-pk")
    )
