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
  account's username, for the data factory.
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


# Example for the lead:
# def _busiest_site_token() -> str:
#     from drivers_home.models import Site
#     return Site.objects.filter(park=_large_park()).order_by("pk").values_list("token", flat=True).first()


#: The bare page: the ceiling every ratio is measured against. It must stay first.
BARE = Page("bare", None, "/bench/bare/")

PAGES: list[Page] = [
    BARE,
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
    # -- TODO(lead, after merge): uncomment and fix the paths/ids as the apps land ------------------------------
    # parties (visits app):
    # Page("my enterprises", "instructor", "/org/my-enterprises/"),
    # Page("visits list", "instructor", "/org/visits/"),
    # drivers_home:
    # Page("check-in POST", "driver", lambda: f"/home/checkin/{_busiest_site_token()}/", method="POST",
    #      data=lambda n, ctx: {...}, driver=True, headers={"User-Agent": PHONE_UA}),
    # Page("site check-in page", "driver", lambda: f"/home/checkin/{_busiest_site_token()}/", driver=True,
    #      headers={"User-Agent": PHONE_UA}),
    # Page("site today", "desk", "/home/today/"),
    # Page("traffic statistics (year)", "park_admin", "/home/stats/?period=year"),
    # activities:
    # Page("event list (phone)", "driver", "/events/", driver=True, headers={"User-Agent": PHONE_UA}),
    # Page("event page", "driver", lambda: f"/events/{_open_event_id()}/", driver=True,
    #      headers={"User-Agent": PHONE_UA}),
    # Page("registration POST", "driver", lambda: f"/events/{_open_event_id()}/register/", method="POST",
    #      data=lambda n, ctx: {...}),
    # Page("ticket", "driver", lambda: f"/events/tickets/{_bench_driver_ticket_id()}/", driver=True,
    #      headers={"User-Agent": PHONE_UA}),
    # mediation:
    # Page("case list", "mediator", "/mediation/cases/"),
    # Page("mediation statistics", "park_admin", "/mediation/stats/"),
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
