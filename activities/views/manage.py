"""Organisers (park administrators; secretaries for their subtree's events) and desk staff at the door."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities.filters import EventFilter
from activities.forms import (
    BroadcastForm,
    DoorSearchForm,
    EventForm,
    OutcomeForm,
    RegistrationCancelForm,
    WalkInForm,
)
from activities.models import Event, EventKind, EventStatus, Outcome, OutcomePhoto, Registration, RegistrationStatus
from activities.querysets import attach_taken
from activities.services import (
    CapacityError,
    RegistrationError,
    broadcast_send,
    event_cancel,
    event_publish,
    event_update,
    organiser_cancel_refusal,
    registration_cancel_by_organiser,
    registration_checkin,
    walkin_create,
)
from parkportal.audit import log_access
from parkportal.excel import xlsx_response
from parkportal.masking import mask_phone
from parkportal.roles import Role
from parkportal.scoping import OFFICE_ROLES, get_visible_or_404, role_required

DOOR_ROLES = (Role.PARK_ADMIN, Role.SECRETARY, Role.DESK)
PAGE_SIZE = 50


def _get_event_for_user(request: HttpRequest, pk: int) -> Event:
    return get_visible_or_404(Event.objects.select_related("kind", "site", "organiser"), request.user, pk=pk)


def _counts(event: Event) -> dict:
    # One aggregate query: places held, people waiting, attended.
    return Registration.objects.filter(event=event).aggregate(
        confirmed=Sum("places", filter=Q(status=RegistrationStatus.CONFIRMED), default=0),
        attended=Sum("places", filter=Q(status=RegistrationStatus.ATTENDED), default=0),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
        cancelled=Count("pk", filter=Q(status=RegistrationStatus.CANCELLED)),
    )


@role_required(*DOOR_ROLES)
def manage_list(request: HttpRequest) -> HttpResponse:
    base = (
        Event.objects.visible_to(request.user).select_related("kind", "site", "organiser").order_by("-starts_at", "-pk")
    )
    filterset = EventFilter(request.GET or None, queryset=base, user=request.user, manage=True)
    events = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = attach_taken(page.object_list)
    return render(
        request,
        "activities/manage_list.html",
        {"page": page, "filter": filterset, "can_edit": request.user.role in OFFICE_ROLES},
    )


@role_required(*OFFICE_ROLES)
def event_create(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data.get("submit_token")
        if token:
            earlier = Event.objects.visible_to(request.user).filter(submit_token=token).first()
            if earlier is not None:
                return redirect("activities:manage_event", pk=earlier.pk)
        event = form.save(commit=False)
        event.park_id = request.user.park_id
        event.created_by = request.user
        event.submit_token = token
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            earlier = Event.objects.visible_to(request.user).filter(submit_token=token).first()
            if earlier is None:
                raise
            return redirect("activities:manage_event", pk=earlier.pk)
        messages.success(request, _("The event is saved as a draft. Publish it when it is ready."))
        return redirect("activities:manage_event", pk=event.pk)
    return render(request, "activities/event_form.html", {"form": form, "event": None})


@role_required(*OFFICE_ROLES)
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = EventForm(request.POST or None, request.FILES or None, user=request.user, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            promoted = event_update(event=form.save(commit=False))
        except CapacityError as exc:
            # A registration took a place after the form counted them (the service counts under the lock).
            form.add_error("capacity", str(exc))
        else:
            if promoted:
                messages.info(request, _("%(n)d people were moved from the waiting list.") % {"n": len(promoted)})
            messages.success(request, _("Saved."))
            return redirect("activities:manage_event", pk=event.pk)
    return render(request, "activities/event_form.html", {"form": form, "event": event})


@require_POST
@role_required(*OFFICE_ROLES)
def event_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    event_publish(event=event)
    messages.success(request, _("The event is published."))
    return redirect("activities:manage_event", pk=pk)


@require_POST
@role_required(*OFFICE_ROLES)
def event_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    event_cancel(event=event)
    messages.success(request, _("The event is cancelled; registrants were told by SMS."))
    return redirect("activities:manage_event", pk=pk)


@role_required(*OFFICE_ROLES)
def manage_event(request: HttpRequest, pk: int) -> HttpResponse:
    """Registrations, the waiting list and attendance of one event."""
    event = _get_event_for_user(request, pk)
    status = request.GET.get("status", "")
    registrations = (
        Registration.objects.visible_to(request.user)
        .filter(event=event)
        .select_related("cancelled_by")
        .prefetch_related("family")
        .order_by("status", "position", "created", "pk")
    )
    if status in RegistrationStatus.values:
        registrations = registrations.filter(status=status)
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/manage_event.html",
        {
            "event": event,
            "page": page,
            "counts": _counts(event),
            "status": status,
            "statuses": RegistrationStatus.choices,
            "broadcasts": list(event.broadcasts.all()[:5]),
            # The rows offer "cancel" only while an organiser may (organiser_cancel_refusal says why not).
            "can_cancel": event.status == EventStatus.PUBLISHED and not event.has_started,
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*DOOR_ROLES)
def registration_cancel(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    """Cancel one person's registration for them (they phoned to say they cannot come, or were registered
    twice): GET shows who and what follows, the POST cancels. Organisers come from the event page, desk staff
    (who take the phone call) from the door page; each sees only the registrations of their own scope."""
    registration = get_visible_or_404(
        Registration.objects.select_related("event", "cancelled_by").prefetch_related("family"),
        request.user,
        pk=registration_pk,
        event_id=pk,
    )
    event = registration.event
    from_door = request.user.role == Role.DESK or request.POST.get("next", request.GET.get("next")) == "door"
    back = reverse("activities:door" if from_door else "activities:manage_event", args=[pk])
    form = RegistrationCancelForm(
        request.POST if request.method == "POST" else None, initial={"registered": registration.created}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                cancelled, promoted = registration_cancel_by_organiser(
                    registration=registration, by=request.user, registered_at=form.cleaned_data["registered"]
                )
            except RegistrationError as exc:
                messages.error(request, str(exc))
                return redirect(back)
            if not cancelled:
                messages.info(
                    request, _("The registration of %(name)s was already cancelled.") % {"name": registration.name}
                )
            else:
                messages.success(request, _("The registration of %(name)s is cancelled.") % {"name": registration.name})
            if promoted:
                names = ", ".join(p.name for p in promoted)
                messages.info(request, _("Moved up from the waiting list: %(names)s.") % {"names": names})
            return redirect(back)
    refusal = None
    if registration.status != RegistrationStatus.CANCELLED:
        refusal = organiser_cancel_refusal(registration=registration, event=event)
    return render(
        request,
        "activities/registration_cancel.html",
        {
            "registration": registration,
            "event": event,
            "form": form,
            "refusal": refusal,
            "from_door": from_door,
            "back": back,
        },
        status=400 if form.is_bound else 200,
    )


@role_required(*OFFICE_ROLES)
def event_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Excel of the registrations; phone numbers masked unless a park administrator asks for them (logged)."""
    event = _get_event_for_user(request, pk)
    full = request.GET.get("phones") == "full" and request.user.role == Role.PARK_ADMIN
    if full:
        log_access(request.user, event, action="export_phones")
    rows = (
        Registration.objects.visible_to(request.user)
        .filter(event=event)
        .prefetch_related("family")
        .order_by("status", "position", "created")
    )

    def lines():
        for r in rows:
            family = "; ".join(
                f"{f.name} ({f.relation}{', ' + str(f.age) if f.age is not None else ''})" for f in r.family.all()
            )
            yield [
                r.ticket_code,
                r.name,
                r.phone if full else mask_phone(r.phone),
                r.places,
                family,
                r.get_status_display(),
                r.position,
                _("yes") if r.walk_in else "",
                r.created,
                r.checked_in_at,
            ]

    headers = [
        _("Ticket"),
        _("Name"),
        _("Mobile number"),
        _("Places"),
        _("Family members"),
        _("Status"),
        _("Waiting-list position"),
        _("Walk-in"),
        _("Registered"),
        _("Checked in"),
    ]
    return xlsx_response(f"event-{event.pk}", headers, lines(), title=event.title[:31])


@role_required(*OFFICE_ROLES)
def event_message(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = BroadcastForm(request.POST or None)
    form.initial_token()
    if request.method == "POST" and form.is_valid():
        broadcast = broadcast_send(
            event=event,
            body=form.cleaned_data["body"],
            by=request.user,
            include_waiting=form.cleaned_data["include_waiting"],
            token=form.cleaned_data.get("submit_token"),
        )
        messages.success(request, _("Sent to %(n)d people.") % {"n": broadcast.recipients})
        return redirect("activities:manage_event", pk=event.pk)
    return render(request, "activities/message.html", {"event": event, "form": form})


@role_required(*OFFICE_ROLES)
def event_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Counts per the kind's figures, a short report and photos. Never individual health readings."""
    event = _get_event_for_user(request, pk)
    outcome = Outcome.objects.filter(event=event).prefetch_related("photos").first()
    counts = _counts(event)
    initial = {}
    if outcome:
        initial = {"people_served": outcome.people_served, "report": outcome.report}
        initial.update({f"fig_{k}": v for k, v in (outcome.figures or {}).items()})
    else:
        initial = {"people_served": counts["attended"]}
    form = OutcomeForm(request.POST or None, request.FILES or None, kind=event.kind, initial=initial)
    if request.method == "POST":
        if event.starts_at > timezone.now():
            messages.error(request, _("Outcomes are recorded after the event has started."))
        elif form.is_valid():
            with transaction.atomic():
                outcome, _created = Outcome.objects.update_or_create(
                    event=event,
                    defaults={
                        "figures": form.figures(),
                        "people_served": form.cleaned_data["people_served"],
                        "report": form.cleaned_data["report"],
                        "recorded_by": request.user,
                    },
                )
                for clean in form.cleaned_photos:
                    photo = OutcomePhoto(outcome=outcome)
                    photo.image.save(clean.image.name, clean.image, save=False)
                    photo.thumbnail.save(clean.thumbnail.name, clean.thumbnail, save=False)
                    photo.save()
            messages.success(request, _("The outcome is recorded."))
            return redirect("activities:event_outcome", pk=event.pk)
    figures = []
    if outcome:
        figures = [(label, (outcome.figures or {}).get(key)) for key, label in event.kind.figure_list()]
    return render(
        request,
        "activities/outcome.html",
        {"event": event, "form": form, "outcome": outcome, "counts": counts, "figures": figures},
    )


# --- At the door -------------------------------------------------------------------------------------------


@role_required(*DOOR_ROLES)
def door(request: HttpRequest, pk: int) -> HttpResponse:
    """Check-in on a phone: search by name or the last 4 digits of the phone; add walk-ins."""
    event = _get_event_for_user(request, pk)
    search = DoorSearchForm(request.GET or None)
    results = []
    if search.is_valid() and search.cleaned_data["q"].strip():
        q = search.cleaned_data["q"].strip()
        match = Q(name__icontains=q)
        if q.isdigit() and len(q) == 4:
            match |= Q(phone__endswith=q)
        results = list(
            Registration.objects.visible_to(request.user)
            .filter(match, event=event)
            .exclude(status=RegistrationStatus.CANCELLED)
            .prefetch_related("family")
            .order_by("name")[:20]
        )
    walkin = WalkInForm()
    walkin.initial_token()
    return render(
        request,
        "activities/door.html",
        {
            "event": event,
            "search": search,
            "results": results,
            "walkin": walkin,
            "counts": _counts(event),
            "can_cancel": event.status == EventStatus.PUBLISHED and not event.has_started,
        },
    )


@require_POST
@role_required(*DOOR_ROLES)
def door_walkin(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            registration = walkin_create(
                event=event,
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"] or "",
                by=request.user,
                token=form.cleaned_data.get("submit_token"),
            )
        except RegistrationError as exc:
            messages.error(request, str(exc))
        else:
            if registration.status == RegistrationStatus.ATTENDED:
                messages.success(request, _("%(name)s is checked in.") % {"name": registration.name})
            else:
                messages.warning(
                    request, _("No place left: %(name)s is on the waiting list.") % {"name": registration.name}
                )
        return redirect("activities:door", pk=event.pk)
    search = DoorSearchForm()
    return render(
        request,
        "activities/door.html",
        {"event": event, "search": search, "results": [], "walkin": form, "counts": _counts(event)},
        status=200,
    )


@role_required(*DOOR_ROLES)
def checkin(request: HttpRequest, code: str) -> HttpResponse:
    """The page the ticket's QR code opens: who it is, and one button to check them in."""
    registration = get_visible_or_404(
        Registration.objects.select_related("event", "event__site").prefetch_related("family"),
        request.user,
        ticket_code=code,
    )
    if request.method == "POST":
        try:
            registration, now = registration_checkin(registration=registration, by=request.user)
        except RegistrationError as exc:
            messages.error(request, str(exc))
        else:
            if now:
                messages.success(request, _("%(name)s is checked in.") % {"name": registration.name})
            else:
                messages.warning(request, _("Already checked in."))
        back = request.POST.get("next", "")
        if back == "door":
            return redirect("activities:door", pk=registration.event_id)
        return redirect("activities:checkin", code=code)
    return render(request, "activities/checkin.html", {"registration": registration, "event": registration.event})


# --- Calendar and reports ----------------------------------------------------------------------------------


def _month(value: str | None) -> date:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        return date(year, month, 1) if 1 <= month <= 12 and 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


@role_required(*DOOR_ROLES)
def month_calendar(request: HttpRequest) -> HttpResponse:
    first = _month(request.GET.get("month"))
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1]
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    events = (
        Event.objects.visible_to(request.user)
        .filter(starts_at__gte=since, starts_at__lt=until)
        .select_related("kind")
        .order_by("starts_at")
    )
    events = list(events)
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(timezone.localdate(event.starts_at), []).append(event)
    grid = [[(day, day.month == first.month, by_day.get(day, [])) for day in week] for week in weeks]
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "activities/calendar.html",
        {
            "first": first,
            "grid": grid,
            "agenda": [e for e in events if timezone.localdate(e.starts_at).month == first.month],
            "prev": prev_month.strftime("%Y-%m"),
            "next": next_month.strftime("%Y-%m"),
            "today": timezone.localdate(),
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


def _parse_date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@role_required(*OFFICE_ROLES)
def outcome_report(request: HttpRequest) -> HttpResponse:
    """Per kind over a period: events held, people served, registrations, attendance rate."""
    today = timezone.localdate()
    date_from = _parse_date(request.GET.get("from"), today.replace(month=1, day=1))
    date_to = _parse_date(request.GET.get("to"), today)
    tz = timezone.get_current_timezone()
    held = Event.objects.visible_to(request.user).filter(
        status="published",
        starts_at__gte=datetime.combine(date_from, time.min, tzinfo=tz),
        starts_at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz),
        starts_at__lte=timezone.now(),
    )
    rows = list(
        held.values("kind__name")
        .annotate(
            events=Count("pk", distinct=True),
            registered=Count(
                "registrations",
                filter=Q(registrations__status__in=("confirmed", "attended")),
            ),
            attended=Count("registrations", filter=Q(registrations__status="attended")),
        )
        .order_by("kind__name")
    )
    served = dict(
        Outcome.objects.filter(event__in=held)
        .values("event__kind__name")
        .annotate(n=Sum("people_served"))
        .values_list("event__kind__name", "n")
    )
    totals = {"events": 0, "registered": 0, "attended": 0, "served": 0}
    for row in rows:
        row["served"] = served.get(row["kind__name"]) or 0
        row["rate"] = (row["attended"] / row["registered"] * 100) if row["registered"] else None
        for key in totals:
            totals[key] += row[key]
    totals["rate"] = (totals["attended"] / totals["registered"] * 100) if totals["registered"] else None
    # Per event (the latest 100 of the period): one query with the counts and the outcome's people served.
    per_event = list(
        held.select_related("kind", "outcome")
        .annotate(
            registered=Count("registrations", filter=Q(registrations__status__in=("confirmed", "attended"))),
            attended=Count("registrations", filter=Q(registrations__status="attended")),
        )
        .order_by("-starts_at")[:100]
    )
    for event in per_event:
        event.rate = (event.attended / event.registered * 100) if event.registered else None
        event.served = getattr(getattr(event, "outcome", None), "people_served", None)
    return render(
        request,
        "activities/report.html",
        {
            "rows": rows,
            "totals": totals,
            "per_event": per_event,
            "date_from": date_from,
            "date_to": date_to,
            "kinds": EventKind.objects.filter(park_id=request.user.park_id),
            "manage_url": reverse("activities:manage"),
        },
    )
