"""Traffic figures of the drivers' home, computed in the database.

Counts by day, hour, site, service, province read the daily summary (DailyStat: a year of a large
park is tens of thousands of rows, not millions). Distinct drivers and repeat visitors (came on two or
more days) read DriverYear: one row per driver and year with a bit per day.
Every function runs a fixed number of queries whatever the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, IntegerField, Subquery, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from drivers_home.models import (
    CheckIn,
    DailyStat,
    DriverYear,
    DriverYearEpoch,
    FloatingMemberRequest,
    Service,
    Site,
)
from parkportal import generations
from parkportal.roles import Role
from parkportal.rows import PreparedQuery, execute_prepared, stand_in_user, statement_name


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


#: The tables the panels' names come from (sites and services): their generation comes with today's rows.
NAME_TABLES = ("drivers_home_service", "drivers_home_site")


@dataclass(frozen=True)
class TodayRead:
    """What a whole park's traffic over a period ending today is read from, besides the caches: today's summary
    rows (each with the park's epoch and its floating-member counts), in one statement with the generation of
    NAME_TABLES. `key` holds everything the page's figures and names are a function of (None without a row
    today: the fingerprint is then read on its own)."""

    rows: list
    key: tuple | None


def traffic_today(user, start: date, end: date) -> TodayRead | None:
    """Today's part of traffic(user, start, end) for a whole park over a period ending today (one query), else None.

    The key: the closed days' figures are cached under (park, epoch, start, yesterday) and today's distinct
    drivers under (park, epoch, today's check-ins, start, today), all of which the key holds; today's summary rows
    themselves and the floating-member counts are in it as read, and the names under their tables' generation.
    """
    today = timezone.localdate()
    if end != today or user.role not in (Role.PARK_ADMIN, Role.SECRETARY) or user.park_id is None:
        return None
    lo, hi = day_bounds(start, end)
    rows = _today_rows.rows(user.pk, user.park_id, lo, hi, shape=(user.role, today))
    if not rows:
        return TodayRead(rows=rows, key=None)
    first = rows[0]
    key = (
        user.park_id,
        user.role,
        start,
        today,
        int(first["epoch"] or 0),
        int(first["floating_found"]),
        int(first["floating_accepted"]),
        int(first["names"]),
        tuple(sorted((r["site_id"], r["kind"], r["key"], r["count"]) for r in rows)),
    )
    return TodayRead(rows=rows, key=key)


def traffic(user, start: date, end: date, site: Site | None = None, today_read: TodayRead | None = None) -> dict:
    """All figures of the traffic page.

    For a whole park the days of the period that are over are cached, as distinct drivers are, under the
    park's DriverYearEpoch (raised by whatever changes a past day's summary: a back-dated check-in,
    services ticked on an earlier check-in, a rebuild), and today's summary rows are added.
    Queries in the steady state of a period ending today: today's summary rows with the epoch and the floating
    requests (the fingerprint comes from them), site and service names: 2, and one read of the cache. Without a
    row today yet: + the fingerprint, floating requests. Cold: + per day, per site and hour, per service and
    province, today's distinct drivers, the closed days' scan.
    """
    lo, hi = day_bounds(start, end)

    def period_stats():  # built only when read: a whole park's steady state reads none of them
        stats = DailyStat.objects.visible_to(user).filter(day__gte=start, day__lte=end)
        return stats if site is None else stats.filter(site=site)

    park_id = user.park_id
    today = timezone.localdate()
    epoch = today_rows = floating = prefetched = None
    if site is None and user.role in (Role.PARK_ADMIN, Role.SECRETARY):  # the whole park: the cache's key
        fingerprint = None
        if end == today and park_id is not None:
            # Today's summary rows, the park's epoch and its floating requests: one prepared statement (the
            # caller's traffic_today, or read here). The fingerprint (epoch, today's check-ins) is read from the
            # same rows, before anything is computed.
            if today_read is None:
                today_read = traffic_today(user, start, end)
            today_rows = today_read.rows
            if today_rows:
                first = today_rows[0]
                count = sum(r["count"] for r in today_rows if r["kind"] == DailyStat.Kind.HOUR)
                fingerprint = (int(first["epoch"] or 0), count)
                floating = {"found": int(first["floating_found"]), "accepted": int(first["floating_accepted"])}
                # Every cached part this request reads, in one round trip to the cache.
                prefetched = cache.get_many(_cache_keys(park_id, fingerprint, start, end, today))
        epoch, distinct, repeat = _distinct_and_repeat_epoch(park_id, start, end, fingerprint, prefetched)
    else:
        checkins = _park_checkins(user)
        if site is not None:
            checkins = checkins.filter(site=site)
        distinct, repeat = _distinct_and_repeat_from_checkins(checkins.filter(created__gte=lo, created__lt=hi))
    if epoch is None:
        summary = _summary(period_stats())
    else:
        closed_end = min(end, today - timedelta(days=1))
        summary, today_part = _summary_empty(), None
        if start <= closed_end:
            key = _closed_key("ts", park_id, epoch, start, closed_end)
            summary = prefetched.get(key) if prefetched is not None else cache.get(key)
            if summary is None:
                # The same three aggregates give today's part too, told apart by a flag.
                summary, today_part = _summary_split(period_stats(), today)
                cache.set(key, summary, CLOSED_FIGURES_TIMEOUT)
        if end == today:
            if today_part is None and today_rows is not None:
                today_part = _summary_of_rows(today_rows, today)
            summary = _summary_add(summary, today_part or _summary_of_day(period_stats(), today))

    per_day = summary["day"]
    days = [(d, per_day.get(d, 0)) for d in map(date.fromordinal, range(start.toordinal(), end.toordinal() + 1))]
    counts = [n for _d, n in days]
    per_hour_raw: dict[int, int] = {}
    per_site_raw: dict[int, int] = {}
    for (site_id, hour), n in summary["site_hour"].items():
        per_hour_raw[hour] = per_hour_raw.get(hour, 0) + n
        per_site_raw[site_id] = per_site_raw.get(site_id, 0) + n
    per_hour = [(h, per_hour_raw.get(h, 0)) for h in range(24)]
    per_service_raw = {k: n for (kind, k), n in summary["kind"].items() if kind == DailyStat.Kind.SERVICE}
    # Names now, not from the cache (a site or service may be renamed): one query for both.
    site_names, service_names = _names(list(per_site_raw), [int(k) for k in per_service_raw])
    per_site = sorted(
        ({"site_id": pk, "site__name": site_names.get(pk, ""), "n": n} for pk, n in per_site_raw.items()),
        key=lambda r: (-r["n"], r["site__name"]),
    )
    per_service = sorted(
        ((service_names.get(int(k), k), n) for k, n in per_service_raw.items() if n), key=lambda x: (-x[1], x[0])
    )
    provinces = sorted(
        ({"key": k, "n": n} for (kind, k), n in summary["kind"].items() if kind == DailyStat.Kind.PROVINCE),
        key=lambda r: (-r["n"], r["key"]),
    )[:10]
    if floating is None:
        floating = _floating_counts(park_id, lo, hi)
    total = sum(counts)
    return {
        "start": start,
        "end": end,
        "total": total,
        "days": days,
        "max_day": max(counts, default=0) or 1,
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


def _floating_counts(park_id: int, lo: datetime, hi: datetime) -> dict:
    """The park's floating-member requests sent in [lo, hi), and how many of them were accepted. SQL: the ORM's
    filtered aggregate cost a tenth of the traffic page's CPU to build."""
    table = connection.ops.quote_name(FloatingMemberRequest._meta.db_table)
    sql = (
        f"SELECT COUNT(*), COUNT(CASE WHEN status = %s THEN 1 END) FROM {table} "
        f"WHERE park_id = %s AND created >= %s AND created < %s"
    )
    # Raw SQL: the backend's own form of a datetime parameter (SQLite stores UTC text).
    lo, hi = (connection.ops.adapt_datetimefield_value(t) for t in (lo, hi))
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(FloatingMemberRequest.Status.ACCEPTED), park_id, lo, hi])
        found, accepted = cursor.fetchone()
    return {"found": int(found), "accepted": int(accepted)}


def _summary_empty() -> dict:
    return {"day": {}, "site_hour": {}, "kind": {}}


def _summary(stats) -> dict:
    """Sums of the summary rows `stats`: per day, per (site, hour), per (kind, key) of services and
    provinces. Three aggregates in the database; a year of a large park is a few thousand result rows."""
    hours = stats.filter(kind=DailyStat.Kind.HOUR)
    return {
        "day": {r["day"]: r["n"] for r in hours.values("day").annotate(n=Sum("count")).order_by()},
        "site_hour": {
            (r["site_id"], int(r["key"])): r["n"]
            for r in hours.values("site_id", "key").annotate(n=Sum("count")).order_by()
        },
        "kind": {
            (r["kind"], r["key"]): r["n"]
            for r in stats.filter(kind__in=[DailyStat.Kind.SERVICE, DailyStat.Kind.PROVINCE])
            .values("kind", "key")
            .annotate(n=Sum("count"))
            .order_by()
        },
    }


def _summary_split(stats, today: date) -> tuple[dict, dict]:
    """_summary of the rows before `today` and of today's rows, from the same three aggregates."""
    flag = Case(When(day=today, then=Value(1)), default=Value(0), output_field=IntegerField())
    hours = stats.filter(kind=DailyStat.Kind.HOUR).annotate(t=flag)
    closed, now = _summary_empty(), _summary_empty()
    for r in hours.values("day").annotate(n=Sum("count")).order_by():
        (now if r["day"] == today else closed)["day"][r["day"]] = r["n"]
    for r in hours.values("t", "site_id", "key").annotate(n=Sum("count")).order_by():
        (now if r["t"] else closed)["site_hour"][(r["site_id"], int(r["key"]))] = r["n"]
    for r in (
        stats.filter(kind__in=[DailyStat.Kind.SERVICE, DailyStat.Kind.PROVINCE])
        .annotate(t=flag)
        .values("t", "kind", "key")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        (now if r["t"] else closed)["kind"][(r["kind"], r["key"])] = r["n"]
    return closed, now


#: The kinds of summary rows the traffic page shows.
TRAFFIC_KINDS = [DailyStat.Kind.HOUR, DailyStat.Kind.SERVICE, DailyStat.Kind.PROVINCE]


def _summary_of_day(stats, day: date) -> dict:
    """_summary of one day in one query (a few hundred rows at most)."""
    rows = stats.filter(day=day, kind__in=TRAFFIC_KINDS).values_list("site_id", "kind", "key", "count").order_by()
    return _summary_of_rows(
        [{"site_id": site_id, "kind": kind, "key": key, "count": n} for site_id, kind, key, n in rows], day
    )


def today_rows_queryset(user, day: date, lo: datetime, hi: datetime):
    """The summary rows of `day` the user sees (hours, services, provinces) as values, each with `epoch` (the
    user's park's DriverYearEpoch) and `floating_found`, `floating_accepted` (the park's floating-member requests
    sent in [lo, hi), and how many of them were accepted) and `names` (the generation of NAME_TABLES): uncorrelated
    subqueries, which PostgreSQL runs once."""
    park_id = user.park_id
    epoch = DriverYearEpoch.objects.filter(park_id=park_id).order_by().values("epoch")[:1]
    requests = FloatingMemberRequest.objects.filter(park_id=park_id, created__gte=lo, created__lt=hi).order_by()
    found = requests.values("park").annotate(n=Count("pk")).values("n")
    accepted = (
        requests.filter(status=FloatingMemberRequest.Status.ACCEPTED).values("park").annotate(n=Count("pk")).values("n")
    )
    return (
        DailyStat.objects.visible_to(user)
        .filter(day=day, kind__in=TRAFFIC_KINDS)
        .annotate(
            epoch=Subquery(epoch),
            floating_found=Coalesce(Subquery(found), 0),
            floating_accepted=Coalesce(Subquery(accepted), 0),
            names=RawSQL(*generations.read_sql(NAME_TABLES), output_field=IntegerField()),
        )
        .order_by()
        .values_list("site_id", "kind", "key", "count", "epoch", "floating_found", "floating_accepted", "names")
    )


# Compiled once per connection and shape (parkportal.rows.PreparedQuery); the shape holds the role (visible_to
# dispatches on it) and the day (a date is no stand-in value): one more statement per connection each day.
_today_rows = PreparedQuery(
    "traffic_today",
    lambda shape, user_id, park_id, lo, hi: today_rows_queryset(
        stand_in_user(shape[0], user_id, park_id), shape[1], lo, hi
    ),
)


def _summary_of_rows(rows: list[dict], day: date) -> dict:
    """_summary of one day's summary rows (dicts of site_id, kind, key, count)."""
    summary = _summary_empty()
    for row in rows:
        site_id, kind, key, n = row["site_id"], row["kind"], row["key"], row["count"]
        if kind == DailyStat.Kind.HOUR:
            summary["day"][day] = summary["day"].get(day, 0) + n
            summary["site_hour"][(site_id, int(key))] = summary["site_hour"].get((site_id, int(key)), 0) + n
        else:
            summary["kind"][(kind, key)] = summary["kind"].get((kind, key), 0) + n
    return summary


def _summary_add(a: dict, b: dict) -> dict:
    out = {}
    for part in ("day", "site_hour", "kind"):
        merged = dict(a[part])
        for k, n in b[part].items():
            merged[k] = merged.get(k, 0) + n
        out[part] = merged
    return out


def _names(site_ids: list[int], service_ids: list[int]) -> tuple[dict, dict]:
    """Names of sites and services, in one query (a UNION; SQL, not two querysets and their union: a tenth of the
    traffic page's CPU went into building those)."""
    if not site_ids and not service_ids:
        return {}, {}
    q = connection.ops.quote_name
    parts, params = [], []
    for kind, model, ids in (("site", Site, site_ids), ("service", Service, service_ids)):
        if ids:
            marks = ", ".join(["%s"] * len(ids))
            parts.append(f"SELECT %s, id, name FROM {q(model._meta.db_table)} WHERE id IN ({marks})")
            params += [kind, *ids]
    site_names, service_names = {}, {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for kind, pk, name in cursor.fetchall():
            (site_names if kind == "site" else service_names)[pk] = name
    return site_names, service_names


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


#: Part of the cache key of closed-day figures: raise it when their meaning or computation changes.
CLOSED_FIGURES_VERSION = 1
CLOSED_FIGURES_TIMEOUT = 2 * 24 * 3600  # the key holds the closed end: a day later nobody asks for it


def distinct_and_repeat(park_id: int, start: date, end: date) -> tuple[int, int]:
    """Distinct drivers, and repeat visitors (came on two or more days), in [start, end]: see below."""
    _epoch_read, distinct, repeat = _distinct_and_repeat_epoch(park_id, start, end)
    return distinct, repeat


def _closed_key(kind: str, park_id: int, epoch: int, start: date, closed_end: date) -> str:
    """The cache key of a closed days' figure: "dr" distinct drivers and repeat visitors, "ts" the summary."""
    return f"dh:{kind}:{CLOSED_FIGURES_VERSION}:{park_id}:{epoch}:{start.isoformat()}:{closed_end.isoformat()}"


def _today_key(park_id: int, epoch: int, count: int, start: date, today: date) -> str:
    """The cache key of today's part of distinct drivers and repeat visitors."""
    return f"dh:dt:{CLOSED_FIGURES_VERSION}:{park_id}:{epoch}:{count}:{start.isoformat()}:{today.isoformat()}"


def _cache_keys(park_id: int, fingerprint: tuple[int, int], start: date, end: date, today: date) -> list[str]:
    """The keys a whole park's traffic ending today reads under its fingerprint (epoch, today's check-ins)."""
    epoch, count = fingerprint
    keys = [_today_key(park_id, epoch, count, start, today)] if count else []
    closed_end = min(end, today - timedelta(days=1))
    if start <= closed_end:
        keys += [
            _closed_key("dr", park_id, epoch, start, closed_end),
            _closed_key("ts", park_id, epoch, start, closed_end),
        ]
    return keys


def _distinct_and_repeat_epoch(
    park_id: int,
    start: date,
    end: date,
    fingerprint: tuple[int, int] | None = None,
    prefetched: dict | None = None,
) -> tuple[int | None, int, int]:
    """(the park's epoch, or None for a period reaching into days to come; distinct; repeat).

    Distinct drivers, and repeat visitors (came on two or more days), in [start, end].

    The days of the period that are over never change in the ordinary course (check-ins are made "now"),
    so their figure is cached, keyed by the park's DriverYearEpoch, which everything that changes past
    visiting days raises in its transaction (account deletion, retention, a back-dated check-in, a
    rebuild). Today's check-ins are added exactly on top: a driver seen today with no day before in the
    period is one more driver; with exactly one day before, one more repeat visitor.
    One query in the steady state (the epoch and a fingerprint of today's check-ins); today's part runs
    after each new check-in, the scan of every DriverYear row of the period (_distinct_and_repeat_scan)
    once per period, park and epoch.
    """
    today = timezone.localdate()
    if end > today:
        # Days still to come hold no visits in the ordinary course; no cache for such a period.
        return None, *_distinct_and_repeat_scan(park_id, start, end)
    closed_end = min(end, today - timedelta(days=1))
    if end == today:
        # (`fingerprint`: the caller read it, as _today_fingerprint does, before anything here is computed.)
        epoch, count = fingerprint if fingerprint is not None else _today_fingerprint(park_id, today)
        # Today's part changes with every check-in: cached under today's count at the park (and the epoch,
        # for an account deleted today). Computed from a later snapshot than the fingerprint, a cached part
        # may hold a newer check-in, never miss one of its fingerprint.
        key = _today_key(park_id, epoch, count, start, today)
        part = _cached(key, prefetched) if count else (0, 0)
        if part is None:
            part = _today_part(park_id, start, today)
            cache.set(key, part, CLOSED_FIGURES_TIMEOUT)
        new_drivers, new_repeat = part
    else:
        epoch, new_drivers, new_repeat = _epoch(park_id), 0, 0
    if start > closed_end:
        return epoch, new_drivers, new_repeat
    key = _closed_key("dr", park_id, epoch, start, closed_end)
    closed = _cached(key, prefetched)
    if closed is None:
        # The scan is a later statement than the epoch's read: it sees at least what that epoch stood for,
        # so a figure is never cached under an epoch newer than its data.
        closed = _distinct_and_repeat_scan(park_id, start, closed_end)
        cache.set(key, closed, CLOSED_FIGURES_TIMEOUT)
    return epoch, closed[0] + new_drivers, closed[1] + new_repeat


def _cached(key: str, prefetched: dict | None):
    """The cached value of `key`, from `prefetched` (a get_many of the request's keys: a key it lacks is a miss)
    when given."""
    return cache.get(key) if prefetched is None else prefetched.get(key)


def _epoch(park_id: int) -> int:
    return DriverYearEpoch.objects.filter(park_id=park_id).values_list("epoch", flat=True).first() or 0


def _today_fingerprint(park_id: int, today: date) -> tuple[int, int]:
    """(epoch, today's check-ins at the park): one query on today's rows of the daily summary.

    Every check-in adds 1 to one hour row of its site and day in its own transaction (checkin_create), so the
    sum of today's hour rows counts exactly the committed check-ins of today and grows with each of them,
    whatever order they commit in. It replaced COUNT and MAX(id) over today's check-ins, which read every one of
    them (≈ 4.4 ms at 12,000 a day). Whatever else changes today's check-ins raises the epoch: an account
    deleted, a site moved to another park, a check-in edited or deleted in the admin (apps.py).
    """
    q = connection.ops.quote_name
    stat_t, site_t, epoch_t = (q(m._meta.db_table) for m in (DailyStat, Site, DriverYearEpoch))
    sql = (
        f"SELECT (SELECT e.epoch FROM {epoch_t} e WHERE e.park_id = %s), COALESCE(SUM(d.count), 0) FROM {stat_t} d "
        f"WHERE d.site_id IN (SELECT s.id FROM {site_t} s WHERE s.park_id = %s) AND d.day = %s AND d.kind = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [park_id, park_id, connection.ops.adapt_datefield_value(today), str(DailyStat.Kind.HOUR)])
        epoch, count = cursor.fetchone()
    return int(epoch or 0), int(count)


def _bit_exprs(masks: list[int], alias: str) -> tuple[str, str]:
    """SQL for (months of the masked period with a visit, 1 if one month has two visiting days)."""
    masked = [f"({alias}.m{i + 1} & {mask})" for i, mask in enumerate(masks) if mask]
    if not masked:
        return "0", "0"
    months = " + ".join(f"(CASE WHEN {m} <> 0 THEN 1 ELSE 0 END)" for m in masked)
    multi = "CASE WHEN " + " OR ".join(f"({m} & ({m} - 1)) <> 0" for m in masked) + " THEN 1 ELSE 0 END"
    return months, multi


def _today_part(park_id: int, start: date, today: date) -> tuple[int, int]:
    """(drivers new in the period today, drivers whose second day of the period is today). One query.

    Today's visitors are the DriverYear rows of this year with today's bit set, found through today's
    check-ins at the park's sites (index on site, created, driver) plus the rows without a driver (an
    account deleted today: few rows). Their days before today in the period come from the same rows and
    from their rows of earlier years of the period. Drivers are told apart as in the scan: the driver,
    or for a row without one, the row.
    """
    q = connection.ops.quote_name
    year_t, checkin_t, site_t, epoch_t = (q(m._meta.db_table) for m in (DriverYear, CheckIn, Site, DriverYearEpoch))
    yesterday = today - timedelta(days=1)
    month, bit = f"m{today.month}", 1 << (today.day - 1)
    # Raw SQL: the backend's own form of a datetime parameter (SQLite stores UTC text).
    lo, hi = (connection.ops.adapt_datetimefield_value(t) for t in day_bounds(today, today))

    def masks(year: int) -> list[int]:
        return _month_masks(year, start, yesterday) if start <= yesterday else [0] * 12

    months, multi = _bit_exprs(masks(today.year), "dy")
    sql = (
        f"WITH t AS ("
        f"SELECT dy.id, dy.driver_id, {months} AS months, {multi} AS multi FROM {year_t} dy "
        f"WHERE dy.park_id = %s AND dy.year = %s AND (dy.{month} & {bit}) <> 0 AND dy.driver_id IN ("
        f"SELECT c.driver_id FROM {checkin_t} c WHERE c.site_id IN (SELECT s.id FROM {site_t} s WHERE s.park_id = %s) "
        f"AND c.created >= %s AND c.created < %s) "
        f"UNION ALL "
    )
    if connection.vendor == "postgresql":
        # The same rows, each of today's drivers probing the (park, driver, year) key: PostgreSQL chose a parallel
        # scan of the year's 200,000 rows of the park for the IN form (65 ms at 2,000 drivers today, after every
        # check-in); a LATERAL subquery with LIMIT is not flattened, so it stays one index probe per driver (the
        # key is unique: LIMIT 1 drops nothing).
        sql = (
            f"WITH t AS ("
            f"SELECT dy.id, dy.driver_id, dy.months, dy.multi FROM (SELECT DISTINCT c.driver_id FROM {checkin_t} c "
            f"WHERE c.site_id IN (SELECT s.id FROM {site_t} s WHERE s.park_id = %s) AND c.created >= %s "
            f"AND c.created < %s AND c.driver_id IS NOT NULL) td CROSS JOIN LATERAL ("
            f"SELECT dy.id, dy.driver_id, {months} AS months, {multi} AS multi FROM {year_t} dy "
            f"WHERE dy.park_id = %s AND dy.driver_id = td.driver_id AND dy.year = %s AND (dy.{month} & {bit}) <> 0 "
            f"LIMIT 1) dy "
            f"UNION ALL "
        )
    sql += (
        f"SELECT dy.id, dy.driver_id, {months} AS months, {multi} AS multi FROM {year_t} dy "
        f"WHERE dy.park_id = %s AND dy.driver_id IS NULL AND dy.year = %s AND (dy.{month} & {bit}) <> 0), "
        f"per AS (SELECT COALESCE(t.driver_id, -t.id) AS who, t.months, t.multi FROM t"
    )
    params: list = [park_id, today.year, park_id, lo, hi, park_id, today.year]
    if connection.vendor == "postgresql":
        params = [park_id, lo, hi, park_id, today.year, park_id, today.year]
    for year in range(start.year, today.year):
        y_months, y_multi = _bit_exprs(masks(year), "dy")
        if y_months == "0":
            continue
        sql += (
            f" UNION ALL SELECT dy.driver_id, {y_months}, {y_multi} FROM {year_t} dy "
            f"WHERE dy.park_id = %s AND dy.year = %s AND dy.driver_id IN (SELECT t.driver_id FROM t)"
        )
        params += [park_id, year]
    sql += (
        "), per_driver AS (SELECT who, SUM(months) AS months, MAX(multi) AS multi FROM per GROUP BY who) "
        "SELECT COALESCE(SUM(CASE WHEN months = 0 THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN months = 1 AND multi = 0 THEN 1 ELSE 0 END), 0) FROM per_driver"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        new_drivers, new_repeat = cursor.fetchone()
    return int(new_drivers), int(new_repeat)


def _distinct_and_repeat_scan(park_id: int, start: date, end: date) -> tuple[int, int]:
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
    """The desk's view of today. One query: today's summary rows, each service row with its name.

    Written as SQL: the ORM's Case(When(Subquery(Cast(OuterRef)))) took a fifth of the desk page's own CPU to
    build and compile, for the same statement every time (a test compares it with that queryset)."""
    today = timezone.localdate()
    q = connection.ops.quote_name
    stat_t, service_t, key = q(DailyStat._meta.db_table), q(Service._meta.db_table), q("key")
    # The service's name comes with its summary row (key is the service's id as text); NULL for hours.
    sql = (
        f"SELECT d.kind, d.{key}, d.count, CASE WHEN d.kind = %s THEN "
        f"(SELECT s.name FROM {service_t} s WHERE s.id = CAST(d.{key} AS integer) LIMIT 1) END "
        f"FROM {stat_t} d WHERE d.site_id = %s AND d.day = %s AND d.kind IN (%s, %s)"
    )
    kinds = [str(DailyStat.Kind.HOUR), str(DailyStat.Kind.SERVICE)]
    params = [kinds[1], site.pk, connection.ops.adapt_datefield_value(today), *kinds]
    with connection.cursor() as cursor:
        execute_prepared(connection, cursor, statement_name("portal_today_at_site", sql), sql, params)
        rows = cursor.fetchall()
    by_hour_raw = {int(k): n for kind, k, n, _name in rows if kind == "hour"}
    services = [(name or k, n) for kind, k, n, name in rows if kind == "service" and n]
    hours = [(h, by_hour_raw.get(h, 0)) for h in range(24) if by_hour_raw.get(h)]
    return {
        "today": today,
        "count": sum(by_hour_raw.values()),
        "hours": hours,
        "max_hour": max(by_hour_raw.values(), default=0) or 1,
        "services": sorted(services, key=lambda x: -x[1]),
    }


def inside_now(checkins):
    """Rows of `checkins` (inside_now_checkins: who is probably inside now), newest first: the five values the
    desk shows (time, via, name, phone, plate), not three model instances each."""
    return checkins.order_by("-created", "-pk").values(
        "created", "via", "driver__phone", "driver__driver_profile__name", "driver__driver_profile__plate"
    )


def inside_now_since() -> datetime:
    """The start of the window: a check-in since then is (probably) still inside."""
    return timezone.now() - settings.PORTAL_RULES["CHECKIN_WINDOW"]


def inside_now_until(since: datetime) -> datetime:
    """An upper bound for the window that starts at `since`, a window ahead of this server's clock (so a check-in
    stamped by a server whose clock runs ahead still counts), for the desk's count of who is inside.

    It is there for PostgreSQL's planner, not to leave anyone out. A prepared statement's generic plan cannot
    know `since`; for `created >= $1` alone it expects a third of the site's check-ins, more than any custom plan
    does, so PostgreSQL planned the count afresh on every EXECUTE. For a range of two unknown bounds it expects a
    narrow slice and keeps the generic plan. The desk's site statement at the large park's busiest site (1,134
    inside): planning 0.13-0.16 -> 0.015 ms per EXECUTE, execution unchanged (0.25-0.41 ms). The list of rows has
    no upper bound: PostgreSQL keeps that statement's generic plan without one, and with one it went back to
    custom plans."""
    return since + 2 * settings.PORTAL_RULES["CHECKIN_WINDOW"]


def inside_now_checkins(site: Site | int, since: datetime | None = None, until: datetime | None = None):
    """Check-ins at `site` (a site or its id) since `since` (default: within the window), and before `until` if
    given (inside_now_until): who is (probably) inside now. Counted as they are (no join), listed through
    inside_now().

    A prepared statement (parkportal.rows.PreparedQuery) passes `until` itself: computed here from `since`, it
    would be compiled into the statement as a constant."""
    checkins = CheckIn.objects.filter(site=site, created__gte=inside_now_since() if since is None else since)
    return checkins if until is None else checkins.filter(created__lt=until)
