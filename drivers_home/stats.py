"""Traffic figures of the drivers' home, computed in the database.

Counts by day, hour, site, service, province read the daily summary (DailyStat: a year of a large
park is tens of thousands of rows, not millions). Only distinct drivers and repeat visitors need the
check-ins themselves: one aggregate each over the index (site, created, driver), index-only.
Every function runs a fixed number of queries whatever the size of the data.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from drivers_home.models import CheckIn, DailyStat, FloatingMemberRequest, Service, Site
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
    distinct = checkins.aggregate(n=Count("driver", distinct=True))["n"]
    repeat = (
        checkins.filter(driver__isnull=False)
        .values("driver")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by()
        .count()
    )
    park_id = user.park_id
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
