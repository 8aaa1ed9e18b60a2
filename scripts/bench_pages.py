"""The pages `make bench` measures, declared as data: adding a page is one `Page(...)` entry.

Fields:
- name: short, unique; used in the report and var/bench.json.
- role: whose signed-in session requests it ("park_admin", "secretary", "instructor", "mediator", "desk",
  "driver"; the `bench-<role>` accounts of `manage.py bench_accounts`), or None for an anonymous visitor.
- path: the URL path, or a function `() -> str` run once in scripts/bench.py with Django set up against the
  benchmark database (import models INSIDE the function), e.g. to find an object id.
- method: "GET" or "POST".
- data: for POSTs, `(n, ctx) -> dict`, the form body of the n-th request (n counts per simulated user, and
  `ctx["user"]` is the user's number, so requests can be made different: a new driver per check-in, …).
  It runs in the load generator's process without Django: use only `ctx`. The CSRF token is added for you.
- context: `() -> dict` of JSON values, run once in scripts/bench.py with Django (e.g. a site token, a list of
  driver phones); handed to `data` as `ctx`.
- goal: the minimum ratio of this page's requests per second to the bare page's (0.35; 0.6 for the POSTs).
- expect: the status codes counted as success (redirects are never followed).
- driver: True for the driver's pages, whose page weight (HTML + CSS + JS + images, gzip) must stay < 60 KB.
- headers: extra request headers (e.g. a phone's User-Agent).
- accounts: how many different signed-in accounts of the role share the load (simulated user k uses account
  k mod n). Only drivers have more than one (`bench-driver`, `bench-driver-2`, …): for POSTs that one person can
  do once (a registration, a check-in), give each simulated user its own driver. `ctx["account"]` is the
  account's username, for the data factory. Up to 20 accounts sign in through the form; more get their
  sessions made directly in the database by scripts/bench.py (allauth's sign-in rate limit).
- rotate: each request goes out as the NEXT account (request n of simulated user u uses account
  (u + n × users) mod accounts), so every request of a do-once POST comes from a driver who has not done it yet
  until all accounts are used; `ctx["i"]` is that global request number u + n × users.
- request_path: `(ctx) -> str`, the path of each request, built in the load generator (without Django) from
  `ctx` (e.g. the next site of `ctx["tokens"]` once every account has checked in at the previous one). The
  query pass and the page weight use `path`.
- reset: `() -> None`, run once with Django before the page's query pass, so that a do-once POST writes again
  on a second run against the same database (ages the bench drivers' check-ins out of the window, deletes
  their registrations; touches only the bench accounts' rows), or so that a page is measured in a defined state
  (the desk page: as many drivers inside as at the site's seeded peak).
- written: `() -> int`, for a do-once POST: the rows of its kind the bench accounts hold now. Read before and after
  the load, the difference is what the page wrote; the report puts it next to the requests sent (warm-up
  included) and warns when more than 1 % of the requests sent wrote nothing (repeats).
- after: `() -> None`, run once with Django after the page's load: puts the database back to the large park's
  size for the pages measured after it (the check-in POST leaves thousands of bench drivers "inside" one site).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

GET_GOAL = 0.35
POST_GOAL = 0.6
DRIVER_PAGE_WEIGHT_GOAL = 60 * 1024  # bytes on the wire, gzip, all assets included

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 13; M2102J2SC) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0"
)


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None
    path: str | Callable[[], str]
    method: str = "GET"
    data: Callable[[int, dict], dict] | None = None
    context: Callable[[], dict] | None = None
    goal: float | None = None
    expect: tuple[int, ...] | None = None
    driver: bool = False
    headers: dict = field(default_factory=dict)
    accounts: int = 1
    rotate: bool = False
    request_path: Callable[[dict], str] | None = None
    reset: Callable[[], None] | None = None
    written: Callable[[], int] | None = None
    after: Callable[[], None] | None = None

    @property
    def goal_ratio(self) -> float:
        if self.goal is not None:
            return self.goal
        return POST_GOAL if self.method == "POST" else GET_GOAL

    @property
    def expected(self) -> tuple[int, ...]:
        if self.expect is not None:
            return self.expect
        return (200, 302, 303) if self.method == "POST" else (200,)


# --- Object finders (run in scripts/bench.py with Django set up) --------------------------------------------


def _large_park():
    from parkportal.models import Park

    return Park.objects.get(name="大型物流园区（基准）")


def _bench_user(username: str):
    from parkportal.models import User

    return User.objects.get(username=username)


def _site_tokens() -> list[str]:
    from drivers_home.models import Site

    return list(Site.objects.filter(park=_large_park(), active=True).order_by("pk").values_list("token", flat=True))


def _desk_site_id() -> int:
    from drivers_home.models import Site

    return Site.objects.visible_to(_bench_user("bench-desk")).order_by("name", "pk").values_list("pk", flat=True)[0]


def _year_query() -> str:
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    return f"start={today - timedelta(days=364):%Y-%m-%d}&end={today:%Y-%m-%d}"


def _open_event_ids(n: int = 8) -> list[int]:
    """Events a driver can register for now: published, registration open, no capacity limit first."""
    from django.db.models import F, Q
    from django.utils import timezone

    from activities.models import Event

    now = timezone.now()
    qs = (
        Event.objects.visible_to(_bench_user("bench-driver"))
        .filter(status="published", starts_at__gt=now + timezone.timedelta(hours=1))
        .filter(Q(registration_opens__isnull=True) | Q(registration_opens__lte=now))
        .filter(Q(registration_closes__isnull=True) | Q(registration_closes__gt=now + timezone.timedelta(hours=1)))
        .order_by(F("capacity").desc(nulls_first=True), "starts_at", "pk")
    )
    ids = list(qs.values_list("pk", flat=True)[:n])
    if not ids:
        raise LookupError("no event open for registration in the large park")
    return ids


def _bench_driver_ticket() -> str:
    """bench-driver's ticket: registers him for an open event if he has none yet (once, in the harness)."""
    from activities.models import Event, Registration
    from activities.services import registration_create

    user = _bench_user("bench-driver")
    reg = Registration.objects.filter(user=user).order_by("-pk").first()
    if reg is None:
        reg, _created = registration_create(event=Event.objects.get(pk=_open_event_ids(1)[0]), user=user)
    return reg.ticket_code


def _window_shift():
    """A window and 5 minutes: check-ins moved back by it are out of "inside now" and of the idempotency window."""
    from django.conf import settings
    from django.utils import timezone

    return settings.PORTAL_RULES["CHECKIN_WINDOW"] + timezone.timedelta(minutes=5)


def _move_out_of_window(checkins) -> None:
    """Move these check-ins back by _window_shift(). The daily summaries keep their counts (a shift of 2 hours can
    move a few across an hour or a midnight: the benchmark database only)."""
    from django.db.models import F

    checkins.update(created=F("created") - _window_shift())


def _age_bench_checkins() -> None:
    """Move the bench drivers' check-ins of the last window out of it: a rerun's check-ins are new again."""
    from django.utils import timezone

    from drivers_home.models import CheckIn

    since = timezone.now() - _window_shift()
    _move_out_of_window(CheckIn.objects.filter(driver__username__startswith="bench-driver", created__gt=since))


def _busiest_window_at(site_id: int, before) -> int:
    """The most check-ins at the site within one window (its busiest 2 hours) on a day before `before`, from the
    daily summary's hour rows: how many drivers are probably inside at the site's peak. The days from the large
    park's build on hold the benchmark's own check-ins (thousands an hour), not the seed's."""
    from django.conf import settings
    from django.db import connection

    from drivers_home.models import DailyStat

    hours = max(1, int(settings.PORTAL_RULES["CHECKIN_WINDOW"].total_seconds() // 3600))
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(n) FROM (SELECT sum(count) OVER (PARTITION BY day ORDER BY CAST({q('key')} AS integer)"
            f" RANGE BETWEEN CURRENT ROW AND {hours - 1} FOLLOWING) AS n FROM {q(DailyStat._meta.db_table)}"
            " WHERE site_id = %s AND kind = %s AND day < %s) AS w",
            [site_id, str(DailyStat.Kind.HOUR), before],
        )
        return int(cursor.fetchone()[0] or 0)


def _built_on():
    """The local day the benchmark database's large park was built (scripts/bench.py's stamp): its seeded check-ins
    end the day before."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(built_at) FROM bench_stamp")
        built_at = cursor.fetchone()[0]
    return timezone.localdate(built_at) if built_at else timezone.localdate()


def _peak_inside_desk_site() -> None:
    """The desk page at the site's peak: as many drivers inside now as in its busiest window of the seeded year.

    The seed's check-ins end the day before the build, and the check-in POST's are aged out after it (its `after`),
    so without this the desk would count and list whatever the previous runs left. Ages a previous run's surplus
    and tops the window up with check-ins of seeded drivers (not the bench drivers, whose POSTs must stay writes),
    spread over the window's first 100 minutes so that none leaves it during the run; they age out by themselves.
    Benchmark database only: the daily summary does not count them."""
    import random

    from django.conf import settings
    from django.utils import timezone

    from drivers_home.models import CheckIn
    from parkportal.models import User
    from parkportal.roles import Role

    _age_bench_checkins()  # (when the desk page runs without the check-in POST)
    site_id = _desk_site_id()
    peak = _busiest_window_at(site_id, before=_built_on())
    now = timezone.now()
    window = settings.PORTAL_RULES["CHECKIN_WINDOW"]
    inside = CheckIn.objects.filter(site_id=site_id, created__gt=now - window)
    missing = peak - inside.count()
    if missing < 0:  # a previous run's fill, a window old at most: the oldest leave
        oldest = list(inside.order_by("created").values_list("pk", flat=True)[:-missing])
        _move_out_of_window(CheckIn.objects.filter(pk__in=oldest))
    if missing <= 0:
        return
    drivers = (
        User.objects.filter(park=_large_park(), role=Role.DRIVER)
        .exclude(username__startswith="bench-")
        .exclude(pk__in=inside.values("driver_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:missing]
    )
    rng = random.Random(site_id)
    spread = (window - timezone.timedelta(minutes=20)).total_seconds()
    CheckIn.objects.bulk_create(
        CheckIn(site_id=site_id, driver_id=pk, created=now - timezone.timedelta(seconds=rng.uniform(0, spread)))
        for pk in drivers
    )


def _bench_checkins_in_window() -> int:
    """Check-ins of the bench drivers within the window (none after _age_bench_checkins)."""
    from django.conf import settings
    from django.utils import timezone

    from drivers_home.models import CheckIn

    since = timezone.now() - settings.PORTAL_RULES["CHECKIN_WINDOW"]
    return CheckIn.objects.filter(driver__username__startswith="bench-driver", created__gt=since).count()


def _bench_registrations() -> int:
    """Registrations of bench-driver-2 … (none after _forget_bench_registrations)."""
    from activities.models import Registration

    return Registration.objects.filter(user__username__startswith="bench-driver-").count()


def _forget_bench_registrations() -> None:
    """Delete the registrations of bench-driver-2 … (bench-driver keeps his, the ticket page shows it)."""
    from activities.models import Registration

    Registration.objects.filter(user__username__startswith="bench-driver-").delete()


#: Drivers sharing the do-once POSTs: with the large park's 2 sites, 10,000 drivers give 20,000 real check-ins
#: before any repeat, and 80,000 registrations over 8 events. A 4 + 15 s run sends ≈ 15,000 POSTs at 800 req/s;
#: 2,000 drivers (until round 6) left about 70 % of the check-ins repeats on a machine that fast, which answer
#: without writing. `written` checks it on every run.
MANY_DRIVERS = 10_000


#: The bare page: the ceiling every ratio is measured against. It must stay first.
BARE = Page("bare", None, "/bench/bare/")

PAGES: list[Page] = [
    BARE,
    # The bare page's query inside the full frame (base.html), signed in: the ceiling of a signed-in page. Not a
    # page of the issue: it shows how much of a page's ratio the session, the user and the frame already take.
    Page("frame (signed in)", "driver", "/bench/frame/"),
    # -- foundation ---------------------------------------------------------------------------------------------
    Page("home dashboard", "park_admin", "/"),
    Page("organisation tree", "park_admin", "/org/tree/"),
    Page("organisation tree (secretary)", "secretary", "/org/tree/"),
    # -- parties (the party-organisation pages) -----------------------------------------------------------------
    Page("org coverage", "park_admin", "/org/coverage/"),
    Page("org coverage (secretary)", "secretary", "/org/coverage/"),
    Page("enterprise list filtered", "park_admin", "/org/enterprises/?kind=secondary&coverage=none"),
    Page("member list filtered", "park_admin", "/org/members/?floating=true"),
    Page("member list filtered (secretary)", "secretary", "/org/members/?status=full&floating=false"),
    Page("reminders", "park_admin", "/org/reminders/"),
    Page("reminders (secretary)", "secretary", "/org/reminders/"),
    # The driver's sign-in page (phone + SMS code): anonymous, and one of the driver's pages for page weight.
    Page("sign-in", None, "/accounts/login/", driver=True, headers={"User-Agent": PHONE_UA}),
    # -- parties: the instructor's pages ----------------------------------------------------------------------
    Page("my enterprises", "instructor", "/org/my-enterprises/"),
    Page("visits list", "instructor", "/org/visits/"),
    # -- drivers_home -------------------------------------------------------------------------------------------
    # The poster's page (GET) and the check-in (POST). Every request of the POST is a real check-in: it comes
    # from the next of MANY_DRIVERS drivers (each with a profile), and once all have checked in at a site, at the
    # next site, so the 2-hour idempotency window does not turn it into a no-op. Afterwards their check-ins leave
    # the window again: thousands of drivers inside one site at once is not the large park (10,000 check-ins a
    # day over 2 sites), and the desk page after it counts and lists who is inside.
    Page(
        "site check-in page",
        "driver",
        lambda: f"/home/s/{_site_tokens()[0]}/",
        driver=True,
        headers={"User-Agent": PHONE_UA},
    ),
    Page(
        "check-in POST",
        "driver",
        lambda: f"/home/s/{_site_tokens()[0]}/checkin/",
        method="POST",
        expect=(302,),
        accounts=MANY_DRIVERS,
        rotate=True,
        context=lambda: {"tokens": _site_tokens(), "accounts": MANY_DRIVERS},
        request_path=lambda ctx: (
            f"/home/s/{ctx['tokens'][(ctx['i'] // ctx['accounts']) % len(ctx['tokens'])]}/checkin/"
        ),
        reset=_age_bench_checkins,
        written=_bench_checkins_in_window,
        after=_age_bench_checkins,
        headers={"User-Agent": PHONE_UA},
    ),
    Page("site today (desk)", "desk", lambda: f"/home/desk/{_desk_site_id()}/", reset=_peak_inside_desk_site),
    Page("traffic statistics (year)", "park_admin", lambda: f"/home/traffic/?{_year_query()}"),
    # -- activities ---------------------------------------------------------------------------------------------
    Page("event list (phone)", "driver", "/events/", driver=True, headers={"User-Agent": PHONE_UA}),
    Page(
        "event page",
        "driver",
        lambda: f"/events/{_open_event_ids(1)[0]}/",
        driver=True,
        headers={"User-Agent": PHONE_UA},
    ),
    Page(
        "registration POST",
        "driver",
        lambda: f"/events/{_open_event_ids(1)[0]}/register/",
        method="POST",
        expect=(302,),
        accounts=MANY_DRIVERS,
        rotate=True,
        context=lambda: {"events": _open_event_ids(8), "accounts": MANY_DRIVERS},
        request_path=lambda ctx: (
            f"/events/{ctx['events'][(ctx['i'] // ctx['accounts']) % len(ctx['events'])]}/register/"
        ),
        reset=_forget_bench_registrations,
        written=_bench_registrations,
        headers={"User-Agent": PHONE_UA},
    ),
    Page(
        "ticket",
        "driver",
        lambda: f"/events/tickets/{_bench_driver_ticket()}/",
        driver=True,
        headers={"User-Agent": PHONE_UA},
    ),
    # -- mediation ----------------------------------------------------------------------------------------------
    Page("case list", "mediator", "/mediation/"),
    Page("mediation statistics", "park_admin", "/mediation/statistics/"),
]


def by_name(names: list[str] | None) -> list[Page]:
    """The pages to run: all, or the named ones (the bare page is always included)."""
    if not names:
        return list(PAGES)
    wanted = set(names)
    unknown = wanted - {p.name for p in PAGES}
    if unknown:
        raise SystemExit(f"unknown page(s): {', '.join(sorted(unknown))}")
    return [BARE] + [p for p in PAGES if p.name in wanted and p is not BARE]
