"""What a driver sees on a phone: upcoming events, an event page, registering, the ticket, cancelling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from html import escape
from types import SimpleNamespace

import segno
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import format_html, linebreaks, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities.filters import EventFilter
from activities.forms import family_formset
from activities.models import Event, EventKind, FamilyMember, Registration, RegistrationStatus
from activities.querysets import attach_taken, taken_expression
from activities.services import (
    FamilyEntry,
    RegistrationError,
    registration_cancel,
    registration_create,
    registration_tap,
)
from drivers_home.models import Site
from parkportal import generations
from parkportal.memo import KeyedMemo, generation_memo
from parkportal.roles import Role
from parkportal.rows import PreparedQuery, stand_in_user
from parkportal.scoping import get_visible_or_404, role_required

PAGE_SIZE = 20


def _events_for_visitor(user):
    return Event.objects.for_visitor(user).select_related("kind", "site")


#: The event's columns a row of the list shows (with its site's name).
LIST_FIELDS = ("title", "starts_at", "kind_id", "site_id", "venue_text", "capacity", "status")


def event_list_queryset(has_park: bool, park_id: int, now):
    """The upcoming published events a visitor may see (`for_visitor`), soonest first: the filters' base."""
    visitor = SimpleNamespace(is_authenticated=True, park_id=park_id if has_park else None)
    return (
        Event.objects.for_visitor(visitor)
        .upcoming(now)
        .filter(status="published")
        .select_related("site")
        # What a row shows (not the description, which can be long): title, time, kind, venue, places.
        .only(*LIST_FIELDS, "site__name")
        # Soonest first, but not by walking the (park, status, starts_at) index: PostgreSQL expects the
        # upcoming events spread over it and stops after 20, when they are all at its end, behind every past
        # event (4,300 of 4,700 read and dropped on the large park, 1.45 ms). Ordered by an expression, it
        # reads the few hundred upcoming ones from the (park, status, ends_at) index and sorts them (0.5 ms).
        .order_by(F("starts_at") + Value(timedelta(0)), "pk")
    )


def event_list_page_queryset(shape: tuple[bool, bool, int], park_id: int, user_id: int, now):
    """One page of the unfiltered list (`shape` = (has a park, is a driver, offset)), each event with the
    places held (`taken`, for an event with a limit) and a driver's own registration status (`mine`).

    Each row also carries the list's length (`listed`, for the pager) and the generation of the event kinds
    (`kinds_generation`, the key of the kinds kept per process, `_UnfilteredEvents.kinds`): uncorrelated
    subqueries, which PostgreSQL runs once per statement, not per row. The first page then needs no count and no
    kinds query."""
    has_park, is_driver, offset = shape
    listed = event_list_queryset(has_park, park_id, now)
    # The site's name as a subquery, not a join: PostgreSQL joined every upcoming event (390 on the large park)
    # before sorting them for the page's 20; a subquery of the select list runs for the page's rows only.
    events = (
        listed.select_related(None)
        .only(*LIST_FIELDS)
        .annotate(
            site_name=Subquery(Site.objects.filter(pk=OuterRef("site_id")).order_by().values("name")),
            taken=taken_expression(),
            listed=Subquery(_count_of(listed), output_field=IntegerField()),
            kinds_generation=RawSQL(*generations.read_sql(KIND_TABLES), output_field=IntegerField()),
        )
    )
    if is_driver:
        # Their active registration (at most one per person and event), as Registration.visible_to reads it.
        own = (
            Registration.objects.filter(event=OuterRef("pk"), user=user_id)
            .exclude(status=RegistrationStatus.CANCELLED)
            .order_by()
            .values("status")[:1]
        )
        events = events.annotate(mine=Subquery(own))
    return events[offset : offset + PAGE_SIZE]


def _count_of(events):
    return events.order_by().values(_one=Value(1)).annotate(n=Count("*")).values("n")


#: What the list's kinds are read from: kept per process under these tables' generation.
KIND_TABLES = generations.tables_of([EventKind])

_list_count = PreparedQuery(
    "event_list_count",
    lambda shape, park_id, now: _count_of(event_list_queryset(shape[0], park_id, now)),
)
_list_page = PreparedQuery("event_list_page", event_list_page_queryset)
_list_kinds = PreparedQuery(
    "event_list_kinds",
    # As EventFilter reads them: the park's kinds, or every kind for a visitor without a park.
    lambda shape, park_id: EventKind.objects.filter(park_id=park_id) if shape[0] else EventKind.objects.all(),
)


class _UnfilteredEvents:
    """The unfiltered list as Paginator reads it: its count and its pages from prepared statements.

    When the address asks for the first page (the usual request), it is read at once: its rows carry the
    count, so one statement serves both. Any other page counts first, as Paginator does: an offset asked for in
    the address is a statement of its own, and only a page that exists may prepare one."""

    def __init__(self, park_id: int | None, user_id: int | None, now, *, first_page: bool):
        self.values = (park_id or 0, user_id or 0, now)
        self.first = self._rows(0) if first_page else None

    def _rows(self, offset: int) -> list:
        park_id, user_id, _now = self.values
        return _with_sites(_list_page.rows(*self.values, shape=(park_id != 0, user_id != 0, offset)))

    def count(self) -> int:
        if self.first is not None:
            return self.first[0].listed if self.first else 0  # no first page: no event at all
        park_id, _user_id, now = self.values
        return _list_count.rows(park_id, now, shape=(park_id != 0,))[0]["n"]

    def __getitem__(self, page: slice) -> list:
        if page.start == 0 and self.first is not None:
            return self.first
        return self._rows(page.start)

    def kinds(self, rows: list) -> list:
        """The park's kinds (every kind for a visitor without a park), kept per process under the generation
        that `rows` (a page of this list) read in their own statement; read afresh without rows."""
        park_id = self.values[0]

        def read() -> list:
            return _list_kinds.rows(park_id, shape=(park_id != 0,))

        return _kinds_memo.get((park_id, rows[0].kinds_generation), read) if rows else read()


_kinds_memo = generation_memo()


def _with_sites(events: list) -> list:
    """Each event's site (for `venue`) from the name its row carries, as select_related("site") with
    only("site__name") would set it: one instance per site of the page, not one per row."""
    sites = {}
    for event in events:
        if event.site_id is not None:
            site = sites.get(event.site_id)
            if site is None:
                site = sites[event.site_id] = Site.from_db("default", ["id", "name"], [event.site_id, event.site_name])
            event.site = site
    return events


def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming events, soonest first, with places left. Open to everyone (shared links)."""
    user = request.user
    park_id = user.park_id if user.is_authenticated else None
    is_driver = user.is_authenticated and user.role == Role.DRIVER
    now = timezone.now()

    def filterset() -> EventFilter:
        return EventFilter(
            request.GET or None, queryset=event_list_queryset(park_id is not None, park_id, now), park_id=park_id
        )

    if set(request.GET) <= {"page"}:
        # No filter (the usual request): the page (with the count) and the kinds by statements compiled once per
        # connection, the kinds kept per process, and no filter set built unless its form is drawn.
        bound = None
        number = request.GET.get("page")
        events = _UnfilteredEvents(park_id, user.pk if is_driver else None, now, first_page=number in (None, "1"))
    else:
        bound = filterset()
        events = bound.qs if bound.is_valid() else bound.queryset
        kinds = list(bound.filters["kind"].queryset)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    if bound is None:
        kinds = events.kinds(page.object_list)
    if isinstance(events, QuerySet):
        page.object_list = attach_taken(page.object_list, limited_only=True)
        mine = {}
        if is_driver:
            mine = dict(
                Registration.objects.visible_to(user)
                .active()
                .filter(event_id__in=[e.pk for e in page.object_list])
                .order_by()
                .values_list("event_id", "status")
            )
        for event in page.object_list:
            event.mine = mine.get(event.pk)
    elif not is_driver:
        for event in page.object_list:
            event.mine = None
    # The kinds are read once, for the filter form and for the rows' kind names (no join per event).
    by_id = {kind.pk: kind for kind in kinds}
    for event in page.object_list:
        if event.kind_id in by_id:
            event.kind = by_id[event.kind_id]
    if request.GET:  # bound (a filter, or only a page number)
        filter_html = (bound or filterset()).form.as_p()
    else:
        key = (get_language(), park_id, tuple((kind.pk, kind.name) for kind in kinds))
        filter_html = _unbound_filter_html(key, lambda: filterset().form.as_p())
    return render(
        request,
        "activities/event_list.html",
        {
            "page": page,
            "filter_open": bool(request.GET),
            "filter_html": filter_html,
            # Each row links to <list>/<pk>/ (the event page's URL): one reverse() for the page, not per row.
            "rows_html": list_rows_html(page.object_list, reverse("activities:event_list")),
        },
    )


def _list_when(when: datetime) -> str:
    """`when|date:"n月j日 D H:i"`, written out (Django's date formatter costs 20 µs a row)."""
    return f"{when.month}月{when.day}日 {WEEKDAYS_ABBR[when.weekday()]} {when.hour:02d}:{when.minute:02d}"


_LIST_ROW = (
    '\n  <li class="event-item">\n    <a href="{}{}/">\n      <span class="event-when">{}</span>\n'
    '      <strong class="event-title">{}</strong>\n      <span class="muted">{} · {}</span>\n    </a>\n'
    '    <span class="event-state">{}\n    {}</span>\n  </li>\n'
)


def list_rows_html(events, detail_prefix: str) -> str:
    """The list's rows, as the template's loop wrote them (a test compares the two in every state and both
    languages): built here, a row costs a tenth of a template loop's iteration. Every text is escaped as
    Django's escape() does (html.escape: & < > " '), without its lazy-string check per value (a third of
    the rows' time); the badges are already safe HTML (places_badge, format_html)."""
    waiting = format_html('<span class="badge">{}</span>', _("On the waiting list"))
    registered = format_html('<span class="badge">{}</span>', _("Registered"))
    prefix = escape(detail_prefix)
    rows = [
        _LIST_ROW.format(
            prefix,
            event.pk,
            _list_when(timezone.localtime(event.starts_at)),
            escape(event.title),
            escape(str(event.kind)),
            escape(event.venue),
            places_badge(event),
            (waiting if event.mine == "waiting" else registered) if event.mine else "",
        )
        for event in events
    ]
    return mark_safe("".join(rows))  # every value above is escaped or safe HTML


def places_badge(event: Event) -> str:
    """The badge of templates/activities/_places.html, built in Python for the list's rows (an include per row
    cost more than the rest of the row); a test compares the two for every state."""
    if event.status == "cancelled":
        return _fixed_badges(get_language())[0]
    if event.capacity is None:
        return _fixed_badges(get_language())[1]
    left = event.places_left()
    if left > 0:
        text = ngettext("%(n)s place left", "%(n)s places left", left) % {"n": left}
        return format_html('<span class="badge badge-ok">{}</span>', text)
    return _fixed_badges(get_language())[2]


@lru_cache(maxsize=16)
def _fixed_badges(language: str | None) -> tuple[str, str, str]:
    """The badges without a number, in `language` (the active one): built once per language, not per row (each
    format_html with its translation was half of a list row's 12 µs)."""
    return (
        format_html('<span class="badge badge-alert">{}</span>', _("Cancelled")),
        format_html('<span class="badge badge-ok">{}</span>', _("No limit")),
        format_html('<span class="badge badge-warn">{}</span>', _("Full: waiting list")),
    )


_filter_html_memo = KeyedMemo()


def _unbound_filter_html(key: tuple, make: Callable[[], str]) -> str:
    """The empty filter form's HTML (≈ 3 ms of widget templates) is a function of the language and of the
    park's kinds, which `key` holds: an edited kind makes a new key, so nothing needs invalidating. Bounded:
    the oldest half goes when it is full (parks × languages × kind edits)."""
    return _filter_html_memo.get(key, make)


# What the event page shows (and registration_state() reads): not the organiser's or the site's other
# columns, nor the event's bookkeeping ones.
EVENT_PAGE_FIELDS = (
    "title",
    "description",
    "cover_thumb",
    "starts_at",
    "ends_at",
    "site__name",
    "venue_text",
    "kind__name",
    "organiser__name",
    "partners",
    "audience",
    "registration_opens",
    "registration_closes",
    "allow_family",
    "status",
    "capacity",
)


def event_page_queryset(shape: tuple[bool, bool], pk: int, user_id: int, park_id: int):
    """The event page's one query: the event a visitor may see (`for_visitor`), with its kind, venue and
    organiser, the places held (`taken`, for an event with a limit), and for a driver (`shape` = (is driver,
    has a park)) their own active registration (at most one per person and event) with their waiting rank."""
    is_driver, has_park = shape
    visitor = SimpleNamespace(is_authenticated=True, park_id=park_id if has_park else None)
    events = _events_for_visitor(visitor).select_related("organiser").only(*EVENT_PAGE_FIELDS).order_by()
    # Scalar subqueries, only evaluated where the CASE needs them (an event with a limit, a waiting driver):
    # compiling them per request cost as much as running places_left()'s own query, compiled once they cost
    # nothing.
    events = events.annotate(taken=taken_expression())
    if is_driver:
        ahead = _waiting_ahead(OuterRef("pk"), OuterRef("my_position"))
        events = events.annotate(
            mine=FilteredRelation(
                "registrations",
                condition=Q(registrations__user=user_id) & ~Q(registrations__status=RegistrationStatus.CANCELLED),
            ),
            my_pk=F("mine__pk"),
            my_status=F("mine__status"),
            my_position=F("mine__position"),
            my_code=F("mine__ticket_code"),
            # waiting_rank(): 1 + the number waiting before them.
            my_rank=Case(
                When(my_status=RegistrationStatus.WAITING, then=Coalesce(Subquery(ahead), 0) + 1),
                output_field=IntegerField(),
            ),
        )
    return events.filter(pk=pk)


# Compiled once per connection (≈ 0.5 ms of CPU per request for its joins and annotations), executed per request.
_event_page = PreparedQuery("event_page", event_page_queryset)


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    is_driver = user.is_authenticated and user.role == Role.DRIVER
    park_id = user.park_id if user.is_authenticated else None
    found = _event_page.rows(pk, user.pk if is_driver else 0, park_id or 0, shape=(is_driver, park_id is not None))
    if not found:
        raise Http404
    event = found[0]
    registration = None
    rank = None
    if is_driver and event.my_pk is not None:
        registration = Registration(
            pk=event.my_pk,
            event_id=event.pk,
            status=event.my_status,
            position=event.my_position,
            ticket_code=event.my_code,
        )
        rank = event.my_rank
    og_image = request.build_absolute_uri(event.cover_thumb.url) if event.cover_thumb else ""
    page_url = request.build_absolute_uri()
    return render(
        request,
        "activities/event_detail.html",
        {
            "event": event,
            "registration": registration,
            "rank": rank,
            "state": event.registration_state(),
            "places_left": event.places_left(),
            # What event_meta_html() shows, as the template of before read it (a test renders that template).
            "og_image": og_image,
            "page_url": page_url,
            "meta_html": event_meta_html(event, page_url, og_image),
            "facts_html": event_facts_html(event),
        },
    )


# The event page's share tags and facts, written here as the template wrote them (a test renders the template
# of before and compares, in every state and both languages): as template tags and filters they were more
# than half of the page's own CPU. Every text is escaped as Django's escape() does (html.escape).


def _when(value: datetime, weekday: bool = False) -> str:
    """`value|date:"Y-m-d H:i"` (or "Y-m-d D H:i") in the current time zone."""
    day = f" {WEEKDAYS_ABBR[value.weekday()]}" if weekday else ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}{day} {value.hour:02d}:{value.minute:02d}"


def event_meta_html(event: Event, page_url: str, og_image: str) -> str:
    description = event.description
    image = f'<meta property="og:image" content="{escape(og_image)}">' if og_image else ""
    return mark_safe(
        "\n"
        f'  <meta name="description" content="{escape(Truncator(description).chars(120))}">\n'
        '  <meta property="og:type" content="website">\n'
        f'  <meta property="og:title" content="{escape(event.title)}">\n'
        f'  <meta property="og:description" content="{_when(timezone.localtime(event.starts_at))} · '
        f'{escape(event.venue)} · {escape(Truncator(description).chars(100))}">\n'
        f'  <meta property="og:url" content="{escape(page_url)}">\n'
        f"  {image}\n"
    )


def event_facts_html(event: Event) -> str:
    """From the link back to the list to the description: what the page shows of the event itself."""
    cover = (
        f'<img class="event-cover" src="{escape(event.cover_thumb.url)}" alt="" width="320">'
        if event.cover_thumb
        else ""
    )
    partners = f"<dt>{escape(_('Partners'))}</dt><dd>{escape(event.partners)}</dd>" if event.partners else ""
    closes = (
        f"<dt>{escape(_('Register by'))}</dt><dd>{_when(timezone.localtime(event.registration_closes))}</dd>"
        if event.registration_closes
        else ""
    )
    description = (
        f'<div class="event-description">{linebreaks(event.description, autoescape=True)}</div>'
        if event.description
        else ""
    )
    starts, ends = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    return mark_safe(
        f'\n<p><a href="{escape(reverse("activities:event_list"))}">← {escape(_("All events"))}</a></p>\n'
        f"{cover}\n"
        f"<h1>{escape(event.title)}</h1>\n"
        # _places.html ended with a newline
        f'<p>{places_badge(event)}\n <span class="badge">{escape(str(event.kind))}</span></p>\n'
        '<dl class="facts panel">\n'
        f"  <dt>{escape(_('When'))}</dt><dd>{_when(starts, weekday=True)} – {ends.hour:02d}:{ends.minute:02d}</dd>\n"
        f"  <dt>{escape(_('Where'))}</dt><dd>{escape(event.venue)}</dd>\n"
        f"  <dt>{escape(_('Organiser'))}</dt><dd>{escape(str(event.organiser))}</dd>\n"
        f"  {partners}\n"
        f"  <dt>{escape(_('For'))}</dt><dd>{escape(str(event.get_audience_display()))}</dd>\n"
        f"  {closes}\n"
        "</dl>\n"
        f"{description}\n\n"
    )


def event_register(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap from the event page; the full form adds family members. Anonymous → phone sign-in, then back."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("activities:event_detail", args=[pk]), login_url="account_request_login_code")
    return _event_register(request, pk)


@role_required(Role.DRIVER)
def _event_register(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST" and "family-TOTAL_FORMS" not in request.POST:
        # The event page's one tap: no form to build, no kind or venue to show; the service reads the event it
        # may see under its lock.
        try:
            return _register(request, pk, lambda: registration_tap(event_id=pk, user=request.user))
        except Event.DoesNotExist:
            raise Http404 from None
    event = get_visible_or_404(Event.objects.select_related("kind", "site"), request.user, pk=pk)
    asks_age = event.kind.asks_child_age
    formset = family_formset(data=request.POST if request.method == "POST" else None, asks_age=asks_age)
    if request.method == "POST":
        if not event.allow_family:
            return _register(request, pk, lambda: registration_create(event=event, user=request.user))
        if formset.is_valid():
            family = [FamilyEntry(e["name"], e["relation"].strip(), e.get("age")) for e in formset.entries()]
            return _register(request, pk, lambda: registration_create(event=event, user=request.user, family=family))
    return render(
        request,
        "activities/register.html",
        {"event": event, "formset": formset, "places_left": event.places_left()},
    )


def _register(request: HttpRequest, pk: int, register: Callable[[], tuple[Registration, bool]]) -> HttpResponse:
    try:
        registration, created = register()
    except RegistrationError as exc:
        messages.error(request, str(exc))
        return redirect("activities:event_detail", pk=pk)
    if not created:
        messages.info(request, _("You are already registered."))
    elif registration.status == "waiting":
        messages.warning(request, _("The event is full: you are on the waiting list."))
    else:
        messages.success(request, _("You are registered."))
    return redirect("activities:ticket", code=registration.ticket_code)


def _get_registration_for_user(request: HttpRequest, code: str) -> Registration:
    # The ticket, its .ics and its cancellation show the event's title, times and venue (the site).
    return get_visible_or_404(
        Registration.objects.select_related("event", "event__site"), request.user, ticket_code=code
    )


@role_required(Role.DRIVER)
def my_registrations(request: HttpRequest) -> HttpResponse:
    registrations = (
        Registration.objects.visible_to(request.user)
        .select_related("event", "event__kind", "event__site")
        .order_by("-event__starts_at")
    )
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "activities/my_registrations.html", {"page": page})


@lru_cache(maxsize=1024)
def _qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG: a pure function of the URL (so nothing to invalidate), and the
    ticket's costliest part (segno tries 8 masks in Python, ≈ 5 ms): a driver opens the ticket again at the
    door. 1,024 tickets × ≈ 3 KB per process."""
    return segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


# What the ticket shows and its waiting rank reads.
TICKET_FIELDS = (
    "name",
    "places",
    "status",
    "position",
    "ticket_code",
    "event__title",
    "event__starts_at",
    "event__ends_at",
    "event__status",
    "event__venue_text",
    "event__site__name",
)


def _waiting_ahead(event: OuterRef, position: OuterRef):
    """How many people wait ahead of `position` on `event`'s waiting list (waiting_rank() minus one), as a
    subquery of the event page's and the ticket's one statement."""
    return (
        Registration.objects.filter(event=event, status=RegistrationStatus.WAITING, position__lt=position)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )


def ticket_queryset(shape: tuple[bool], code: str, user_id: int, park_id: int):
    """The ticket's one query: the registration the driver may see (`visible_to`), with its event and venue,
    its waiting rank, and whether it has family members (most have none: their query is skipped; the admin
    can add some to any registration, so `places` does not tell). `shape` = (the driver has a park,)."""
    (has_park,) = shape
    driver = stand_in_user(Role.DRIVER, user_id, park_id if has_park else None)
    ahead = _waiting_ahead(OuterRef("event"), OuterRef("position"))
    return (
        Registration.objects.select_related("event", "event__site")
        .only(*TICKET_FIELDS)
        .annotate(
            has_family=Exists(FamilyMember.objects.filter(registration=OuterRef("pk"))),
            # waiting_rank(): 1 + the number waiting before them (evaluated for a waiting ticket only).
            rank=Case(
                When(status=RegistrationStatus.WAITING, then=Coalesce(Subquery(ahead), 0) + 1),
                output_field=IntegerField(),
            ),
        )
        .visible_to(driver)
        .filter(ticket_code=code)
        .order_by()
    )


# Compiled once per connection (≈ 0.4 ms of CPU per request), executed per request.
_ticket = PreparedQuery("ticket", ticket_queryset)


@role_required(Role.DRIVER)
def ticket(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    found = _ticket.rows(code, user.pk, user.park_id or 0, shape=(user.park_id is not None,))
    if not found:
        raise Http404
    registration = found[0]
    qr = ""
    if registration.status == "confirmed":  # the only state the template shows the code in
        qr = _qr_svg(request.build_absolute_uri(reverse("activities:checkin", args=[registration.ticket_code])))
    event = registration.event
    family = list(registration.family.all()) if registration.has_family else []
    qr = mark_safe(qr)  # segno's own SVG of our own URL: no user text inside
    return render(
        request,
        "activities/ticket.html",
        {
            "registration": registration,
            "event": event,
            # What ticket_html() shows, as the template of before read it (a test renders that template).
            "family": family,
            "qr": qr,
            "rank": registration.rank,
            "can_cancel": registration.status in ("confirmed", "waiting") and timezone.now() < event.starts_at,
            "ticket_html": ticket_html(registration, event, family, qr),
        },
    )


def ticket_html(registration: Registration, event: Event, family: list[FamilyMember], qr: str) -> str:
    """The ticket from its title to its links, written here as the template wrote it (a test renders the
    template of before and compares, in every state and both languages): as tags and filters it was most of
    the page's own CPU. Texts escaped as Django's escape() does; {% blocktranslate %} escaped only its values."""
    status = registration.status
    if status == "confirmed":
        state = (
            f'<p class="ticket-status badge badge-ok">{escape(_("Confirmed"))}</p>\n'
            f'    <div class="qr">{qr}</div>\n'
            f'    <p class="hint">{escape(_("Show this code at the door."))}</p>'
        )
    elif status == "attended":
        state = f'<p class="ticket-status badge badge-ok">{escape(_("Checked in"))}</p>'
    elif status == "waiting":
        waiting = _("Waiting list: number %(n)s") % {"n": escape(str(registration.rank))}
        state = (
            f'<p class="ticket-status badge badge-warn">{waiting}</p>\n'
            f'    <p class="hint">{escape(_("We will text you if a place becomes free."))}</p>'
        )
    else:
        state = f'<p class="ticket-status badge badge-alert">{escape(_("Cancelled"))}</p>'
    members = "".join(
        f"<dt>{escape(member.relation)}</dt><dd>{escape(member.name)}"
        + (f" ({_('%(age)s years') % {'age': escape(str(member.age))}})" if member.age is not None else "")
        + "</dd>"
        for member in family
    )
    code = registration.ticket_code
    starts, ends = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    calendar = (
        f'<a class="button secondary" href="{escape(reverse("activities:ticket_ics", args=[code]))}">'
        f"{escape(_('Add to calendar'))}</a>"
        if registration.is_active
        else ""
    )
    cancelled = (
        f'<p class="msg msg-error">{escape(_("This event has been cancelled."))}</p>'
        if event.status == "cancelled"
        else ""
    )
    return mark_safe(
        f"\n<h1>{escape(event.title)}</h1>\n"
        '<section class="ticket panel">\n'
        f"  \n    {state}\n  \n"
        f'  <p class="ticket-code">{escape(_("Ticket code"))} <strong>{escape(code)}</strong></p>\n'
        '  <dl class="facts">\n'
        f"    <dt>{escape(_('Name'))}</dt><dd>{escape(registration.name)}</dd>\n"
        f"    <dt>{escape(_('When'))}</dt><dd>{_when(starts, weekday=True)} – {ends.hour:02d}:{ends.minute:02d}</dd>\n"
        f"    <dt>{escape(_('Where'))}</dt><dd>{escape(event.venue)}</dd>\n"
        f"    <dt>{escape(_('Places'))}</dt><dd>{registration.places}</dd>\n"
        f"    {members}\n"
        "  </dl>\n"
        "</section>\n"
        f"{cancelled}\n"
        '<div class="actions">\n'
        f"  {calendar}\n"
        f'  <a class="button secondary" href="{escape(reverse("activities:event_detail", args=[event.pk]))}">'
        f"{escape(_('Event page'))}</a>\n"
        "</div>\n"
    )


@require_POST
@role_required(Role.DRIVER)
def ticket_cancel(request: HttpRequest, code: str) -> HttpResponse:
    registration = _get_registration_for_user(request, code)
    try:
        registration_cancel(registration=registration, by=request.user)
    except RegistrationError as exc:
        messages.error(request, str(exc))
        return redirect("activities:ticket", code=code)
    messages.success(request, _("Your registration is cancelled."))
    return redirect("activities:ticket", code=code)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _ics_fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space (never mid-character)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@role_required(Role.DRIVER)
def ticket_ics(request: HttpRequest, code: str) -> HttpResponse:
    registration = _get_registration_for_user(request, code)
    if not registration.is_active:
        raise Http404
    event = registration.event
    url = request.build_absolute_uri(reverse("activities:event_detail", args=[event.pk]))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Park Portal//Events//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:event-{event.pk}-{registration.ticket_code}@parkportal",
        f"DTSTAMP:{_ics_time(timezone.now())}",
        f"DTSTART:{_ics_time(event.starts_at)}",
        f"DTEND:{_ics_time(event.ends_at)}",
        f"SUMMARY:{_ics_text(event.title)}",
        f"LOCATION:{_ics_text(event.venue)}",
        f"DESCRIPTION:{_ics_text(_('Ticket') + ' ' + registration.ticket_code + ' ' + url)}",
        f"URL:{url}",
        "BEGIN:VALARM",
        "TRIGGER:-PT2H",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_ics_text(event.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    response = HttpResponse(
        "\r\n".join(_ics_fold(line) for line in lines) + "\r\n", content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response
