from __future__ import annotations

import uuid
from html import escape as html_escape

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import router
from django.db.models import Count, OuterRef, Prefetch, Subquery, Value, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediation import services, stats
from mediation.filters import CaseFilter, bodies_with_cases
from mediation.forms import (
    AgreementForm,
    BodyForm,
    CaseIntakeForm,
    DeclineForm,
    InstalmentForm,
    MoveForm,
    PayForm,
    SessionForm,
    applicant_formset,
)
from mediation.models import (
    PAYMENT_ORDER_TYPES,
    Agreement,
    Applicant,
    Attachment,
    BodyKind,
    Case,
    CaseEvent,
    DisputeType,
    EventKind,
    Instalment,
    MediationBody,
    Status,
    clock_badge,
    clock_days_left,
    limitation_state,
)
from parkportal import generations
from parkportal.excel import xlsx_response
from parkportal.masking import mask_id_number, mask_phone
from parkportal.memo import KeyedMemo
from parkportal.roles import Role
from parkportal.rows import PreparedQuery, stand_in_user
from parkportal.scoping import get_visible_or_404, role_required
from parties.models import Enterprise

CASE_ROLES = (Role.MEDIATOR, Role.PARK_ADMIN)
STATS_ROLES = (Role.MEDIATOR, Role.PARK_ADMIN, Role.SECRETARY)
PAGE_SIZE = 50


DETAIL_PREFETCH = (
    "applicants",
    "sessions",
    "attachments",
    Prefetch("events", queryset=CaseEvent.objects.select_related("user").order_by("-at", "-pk")),
)


def _get_case_for_user(user, pk: int, *, detail: bool = False) -> Case:
    queryset = Case.objects.select_related("body", "respondent_enterprise", "park")
    if detail:
        queryset = queryset.prefetch_related(*DETAIL_PREFETCH)
    return get_visible_or_404(queryset, user, pk=pk)


def _agreement(case: Case) -> Agreement | None:
    try:
        return Agreement.objects.select_related("mediator").prefetch_related("instalments").get(case=case)
    except Agreement.DoesNotExist:
        return None


#: The columns a row of the case list shows: tuples, not model instances (50 cases, their bodies, respondents
#: and applicants were ~250 instances per page, and the template's per-row lookups through them the page's cost).
CASE_LIST_COLUMNS = (
    "pk",
    "received_on",
    "status",
    "dispute_type",
    "respondent_name",
    "body__name",
    # A subquery (_with_enterprise_name), not a join. Last: parkportal.rows.queryset_reader names a values() row's
    # columns fields first, annotations after, where Django 5.2 selects them in the order given.
    "respondent_enterprise_name",
)


def _with_enterprise_name(cases):
    """The respondent enterprise's name as a scalar subquery rather than a LEFT JOIN: PostgreSQL evaluates it after
    the sort and LIMIT, for the page's 50 rows, where the join looked up every case in scope (618 for a mediator
    of the large park; 1.7 -> 0.5 ms)."""
    name = Enterprise.objects.filter(pk=OuterRef("respondent_enterprise_id")).order_by().values("name")[:1]
    return cases.annotate(respondent_enterprise_name=Subquery(name))


_labels_memo = KeyedMemo()


def _case_list_labels() -> dict[str, str]:
    """The column headings, also each cell's data-label (escaped: they go into the rows as they are). Per language,
    once per process: the catalogues do not change while it runs."""
    return _labels_memo.get(get_language(), _make_case_list_labels)


def _make_case_list_labels() -> dict[str, str]:
    return {
        "no": escape(_("No.")),
        "applicants": escape(_("Applicants")),
        "respondent": escape(_("Respondent")),
        "type": escape(_("Dispute type")),
        "body": escape(_("Mediation body")),
        "received": escape(_("Received")),
        "status": escape(_("Status")),
        "clock": escape(_("Clock")),
    }


def case_list_queryset(user):
    """The cases the list shows to `user`, newest first: its base before any filter."""
    return Case.objects.visible_to(user).order_by("-received_on", "-pk")


# The unfiltered list (the usual request: no filter, at most a page number) comes from statements compiled once per
# connection and role (and page offset): building and compiling its four querysets was a quarter of the page's
# CPU. Each is built from the same querysets as the filtered path, scope (visible_to) included, for a stand-in
# user of the same role.
_list_bodies = PreparedQuery(
    "case_list_bodies",
    lambda shape, user_id, park_id: bodies_with_cases(stand_in_user(shape[0], user_id, park_id)).values_list(
        "pk", "name"
    ),
)
_list_count = PreparedQuery(
    "case_list_count",
    lambda shape, user_id, park_id: (
        case_list_queryset(stand_in_user(shape[0], user_id, park_id))
        .order_by()
        .values(_one=Value(1))
        .annotate(n=Count("*"))
        .values("n")
    ),
)
_list_page = PreparedQuery(
    "case_list_page",
    lambda shape, user_id, park_id: _with_enterprise_name(
        case_list_queryset(stand_in_user(shape[0], user_id, park_id))
    ).values_list(*CASE_LIST_COLUMNS)[shape[1] : shape[1] + PAGE_SIZE],
)
#: The applicants of a page's cases (ids read from the scoped list): one statement per number of cases on a page.
_list_applicants = PreparedQuery(
    "case_list_applicants",
    lambda _shape, *case_ids: (
        Applicant.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "pk")
        .values_list("case_id", "name", "phone", "id_number")
    ),
)


def _database() -> str:
    return router.db_for_read(Case)


class _UnfilteredCases:
    """The unfiltered list as Paginator reads it: its count and its pages, as tuples of CASE_LIST_COLUMNS, from
    prepared statements."""

    def __init__(self, user):
        self.role = user.role
        self.values = (user.pk, user.park_id)

    def count(self) -> int:
        return _list_count.rows(*self.values, shape=(self.role,), using=_database())[0]["n"]

    def __getitem__(self, page: slice) -> list[tuple]:
        rows = _list_page.rows(*self.values, shape=(self.role, page.start), using=_database())
        return [tuple(row[column] for column in CASE_LIST_COLUMNS) for row in rows]


#: What the unfiltered list of a mediator or a park administrator shows is read from: the cases, their applicants,
#: the bodies (names; the filter's choices) and who mediates in which (a mediator's scope), the respondent
#: enterprises' names.
CASE_LIST_TABLES = (Case, Applicant, MediationBody, MediationBody.mediators.through, Enterprise)
#: A day: a key is never stale (every write makes a new one, and it holds the date for the clocks), so this only
#: bounds how long unread keys linger. The keys' "v1" goes up when a release changes the rows' markup or a scope.
CASE_LIST_SECONDS = 24 * 3600


@role_required(*CASE_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    # Queries: session, user; unfiltered, the tables' generation and on a cache miss bodies for the filter, count,
    # cases (+ body and respondent names), applicants; filtered, the same four without the generation.
    user = request.user
    labels = _case_list_labels()
    if set(request.GET) <= {"page"}:
        # No filter (the usual request): no filter set is built unless its fields are drawn.
        bodies, page, rows = _unfiltered_page(user, request.GET.get("page"), labels)
        if request.GET:  # a page number: the fields as a bound form draws them
            filter_fields = _filter_fields(_case_filter(request, user, bodies).form)
        else:
            filter_fields = _unbound_filter_fields(user, bodies)
    else:
        case_filter = _case_filter(request, user)
        queryset = case_filter.qs if case_filter.is_valid() else case_filter.queryset
        paginator = Paginator(_with_enterprise_name(queryset).values_list(*CASE_LIST_COLUMNS), PAGE_SIZE)
        # Counted without the rows' columns: the values' COUNT kept a join to the enterprises that counts nothing.
        paginator.count = queryset.count()
        filter_fields = _filter_fields(case_filter.form)
        page = paginator.get_page(request.GET.get("page"))
        rows = _case_rows(list(page.object_list), labels)
    return render(
        request,
        "mediation/case_list.html",
        {
            "filter_fields": filter_fields,
            "page": page,
            "labels": labels,
            "cases": rows,
            # One string for the template, spaced as its loop spaced the rows: 50 safe strings were 50 renderings.
            "rows_html": mark_safe("".join(f"\n  {row}\n  " for row in rows)),  # noqa: S308 - escaped by _case_rows
        },
    )


def _unfiltered_page(user, number: str | None, labels: dict[str, str]) -> tuple[list[tuple[int, str]], Page, list[str]]:
    """The filter's body choices, the page and its rows' HTML of the unfiltered list, cached under the generation
    of CASE_LIST_TABLES read BEFORE they are (a write committed meanwhile makes a new key), per user scope, page
    asked for, date (the clocks) and language (the labels). A page number that is not a short number is answered
    uncached, not to make a key of whatever a URL holds."""
    key = None
    today = timezone.localdate()  # the clocks' day, in the key and in the rows alike
    if number is None or (len(number) <= 6 and number.isdigit()):
        generation = generations.read(*CASE_LIST_TABLES)
        scope = user.pk if user.role == Role.MEDIATOR else ""  # a park administrator's scope is the park
        key = (
            f"mediation:case_list:v1:{generation}:{user.role}:{user.park_id}:{scope}:{number}:{today}:"
            f"{get_language()}:{get_script_prefix()}"
        )
        cached = cache.get(key)
        if cached is not None:
            bodies, count, page_number, rows = cached
            paginator = Paginator(_UnfilteredCases(user), PAGE_SIZE)
            paginator.count = count
            return bodies, Page([], page_number, paginator), rows
    bodies = [
        (row["pk"], row["name"])
        for row in _list_bodies.rows(user.pk, user.park_id, shape=(user.role,), using=_database())
    ]
    page = Paginator(_UnfilteredCases(user), PAGE_SIZE).get_page(number)
    rows = _case_rows(list(page.object_list), labels, today)
    if key is not None:
        cache.set(key, (bodies, page.paginator.count, page.number, rows), CASE_LIST_SECONDS)
    return bodies, page, rows


def _case_filter(request: HttpRequest | None, user, body_choices: list[tuple[int, str]] | None = None) -> CaseFilter:
    return CaseFilter(
        request.GET if request else None, queryset=case_list_queryset(user), user=user, body_choices=body_choices
    )


def _filter_fields(form) -> SafeString:
    """The filter's fields as the template's loop wrote them (label, widget, errors per field), without a template
    rendering for each field's empty error list."""
    return mark_safe(  # noqa: S308 - Django's own renderings of labels, widgets and errors
        "".join(
            f'<div class="field">{field.label_tag()}{field}{field.errors if field.errors else ""}</div>'
            for field in form
        )
    )


_filter_fields_memo = KeyedMemo()


def _unbound_filter_fields(user, bodies: list[tuple[int, str]]) -> SafeString:
    """The unbound filter's fields (≈ 1 ms of label and widget templates) are a function of the language and of
    the body choices (pk and name of the bodies with cases in the user's scope), which the key holds: a renamed
    body or a body's first case makes a new key, so nothing needs invalidating. Bounded: the oldest half goes when
    it is full. A bound filter (values, errors) is rendered each time."""
    key = (get_language(), tuple(bodies))
    return _filter_fields_memo.get(key, lambda: _filter_fields(_case_filter(None, user, bodies).form))


def _case_rows(rows: list[tuple], labels: dict[str, str], today=None) -> list[str]:
    """The case list's rows as HTML, every value escaped here. Everything per page is computed once: labels, today,
    the URL prefix, the clock badges; per row only string work. The list was template-bound (48 ms for 50 rows, 5
    ms of it SQL) when the template did this per row: the _clock.html include, get_FOO_display, reverse(), filters.
    A row has 17 values (8 of them the same data-labels of the stacked phone layout) plus the applicants: as
    template variables the 50 rows cost 4 ms, as a str.format 1 ms, as an f-string with the labels written into it
    once per page less again. Values are escaped with the standard library's html.escape, which Django's escape
    wraps (the same text, without the lazy-argument check of each call); names that repeat on a page (bodies,
    respondents) once each."""
    applicants: dict[int, list[str]] = {}
    if rows:
        case_ids = [r[0] for r in rows]
        for row in _list_applicants.rows(*case_ids, shape=(len(case_ids),), using=_database()):
            phone, id_number = row["phone"], row["id_number"]
            phone = f' <span class="muted">{html_escape(mask_phone(phone))}</span>' if phone else ""
            id_number = f' <span class="muted">{html_escape(mask_id_number(id_number))}</span>' if id_number else ""
            applicants.setdefault(row["case_id"], []).append(
                f'<span class="applicant">{html_escape(row["name"])}{phone}{id_number}</span>'
            )
    statuses = {value: str(label) for value, label in Status.choices}
    types = {value: html_escape(str(label)) for value, label in DisputeType.choices}
    escaped: dict[str, str] = {}  # names, as they come
    today = today or timezone.localdate()
    # case_detail is "<case_list>/<pk>/": one reverse() per page, not one per row.
    prefix = reverse("mediation:case_list")
    # (badge class, badge text, status label) per (status, days left), which many rows share; escaped.
    badges: dict[tuple[str, int | None], tuple[str, str, str]] = {}
    # The cells' data-labels (escaped by _case_list_labels), with their cells' openings.
    no, names, respondent, kind, body, received, state, clock = (
        f'<td data-label="{labels[key]}">'
        for key in ("no", "applicants", "respondent", "type", "body", "received", "status", "clock")
    )
    clock = clock.replace(">", ' class="clock">')
    out = []
    for pk, received_on, status, dispute_type, respondent_name, body_name, enterprise_name in rows:
        left = clock_days_left(status, received_on, today)
        badge = badges.get((status, left))
        if badge is None:
            css, text = clock_badge(left, statuses.get(status, status))
            badge = badges[status, left] = (css, html_escape(text), html_escape(statuses.get(status, status)))
        party = enterprise_name if enterprise_name is not None else respondent_name
        party = escaped.get(party) or escaped.setdefault(party, html_escape(party))
        body_name = escaped.get(body_name) or escaped.setdefault(body_name, html_escape(body_name))
        out.append(
            f'<tr class="{"overdue" if left is not None and left < 0 else ""}">\n'
            f'    {no}<a href="{prefix}{pk}/">{received_on:%Y}-{pk:05d}</a></td>\n'  # = Case.number
            f"    {names}{'，'.join(applicants.get(pk, ()))}</td>\n"
            f"    {respondent}{party}</td>\n"
            f"    {kind}{types.get(dispute_type) or html_escape(dispute_type)}</td>\n"
            f"    {body}{body_name}</td>\n"
            f"    {received}{received_on.isoformat()}</td>\n"  # = |date:"Y-m-d"
            f"    {state}{badge[2]}</td>\n"
            f'    {clock}<span class="{badge[0]}">{badge[1]}</span></td>\n'
            "  </tr>"
        )
    return out


@role_required(*CASE_ROLES)
def case_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = CaseIntakeForm(request.POST, request.FILES, user=user)
        formset = applicant_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            applicants = [f.cleaned_data for f in formset.forms if f.cleaned_data and f.cleaned_data.get("name")]
            if not applicants:
                formset._non_form_errors = formset.error_class([_("Enter at least one applicant.")])
            else:
                applicants = [{k: d.get(k, "") for k in ("name", "phone", "id_number")} for d in applicants]
                try:
                    case, created = services.case_intake(
                        park=user.park,
                        body=form.cleaned_data["body"],
                        user=user,
                        fields=form.case_fields(),
                        applicants=applicants,
                        attachments=form.cleaned_data["files"],
                        submit_token=form.cleaned_data["submit_token"],
                    )
                except ValidationError as error:  # the model's own checks; nothing was saved (atomic)
                    form.add_error(None, error.messages)
                    return render(request, "mediation/case_form.html", {"form": form, "formset": formset})
                if created:
                    messages.success(request, _("Application received: case %(no)s.") % {"no": case.number})
                    state = limitation_state(case.harm_known_on)
                    if state == "passed":
                        messages.warning(request, _("The one-year limitation period for arbitration has passed."))
                    elif state == "near":
                        messages.warning(
                            request,
                            _("The one-year limitation period for arbitration ends on %(date)s: tell the worker.")
                            % {"date": case.limitation_ends},
                        )
                else:
                    messages.info(request, _("This application was already received."))
                return redirect("mediation:case_detail", pk=case.pk)
    else:
        form = CaseIntakeForm(user=user, initial={"submit_token": uuid.uuid4(), "received_at": timezone.now()})
        formset = applicant_formset()
    return render(request, "mediation/case_form.html", {"form": form, "formset": formset})


@role_required(*CASE_ROLES)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request.user, pk)
    services.case_open(case=case, user=request.user)  # before the history is read, so it shows this opening too
    prefetch_related_objects([case], *DETAIL_PREFETCH)
    _label_events(case.events.all())
    agreement = _agreement(case)
    paid = unpaid = None
    if agreement:
        instalments = list(agreement.instalments.all())
        paid = sum((i.amount for i in instalments if i.paid_on), start=0)
        unpaid = max(agreement.amount - paid, 0)
    moves = services.allowed_moves(case)
    context = {
        "case": case,
        "agreement": agreement,
        "paid": paid,
        "unpaid": unpaid,
        "not_performed": bool(agreement and unpaid and agreement.perform_by < timezone.localdate()),
        "payment_order": case.dispute_type in PAYMENT_ORDER_TYPES,
        "moves": moves,
        "today": timezone.localdate(),
        "move_form": MoveForm(initial={"version": case.version}),
        "decline_form": DeclineForm(initial={"version": case.version}) if Status.DECLINED in moves else None,
        "session_form": SessionForm(
            initial={
                "version": case.version,
                "held_on": timezone.localdate(),
                "place": case.body.address or case.body.name,
            }
        )
        if case.status in (Status.ACCEPTED, Status.IN_MEDIATION)
        else None,
        "agreement_form": AgreementForm(initial={"version": case.version, "facts_in_dispute": case.facts})
        if Status.AGREEMENT in moves
        else None,
        "instalment_form": InstalmentForm(initial={"version": case.version})
        if agreement and case.status in (Status.AGREEMENT, Status.CLOSED)
        else None,
        "pay_form": PayForm(initial={"paid_on": timezone.localdate()}),
    }
    return render(request, "mediation/case_detail.html", context)


def _label_events(events) -> None:
    """The history's labels, from dicts made once per page: every opening of a case is an event, so a case's
    history grows with each view of it, and get_FOO_display rebuilds a hashed dict of the lazy choices at each
    call (three per event)."""
    kinds = {value: str(label) for value, label in EventKind.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    for event in events:
        event.kind_label = kinds.get(event.kind, event.kind)
        event.from_label = statuses.get(event.from_status, event.from_status)
        event.to_label = statuses.get(event.to_status, event.to_status)


def _fail(request: HttpRequest, case: Case, error: services.TransitionError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("mediation:case_detail", pk=case.pk)


def _form_errors(request: HttpRequest, case: Case, form) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return redirect("mediation:case_detail", pk=case.pk)


MOVES = {
    "accept": services.case_accept,
    "no_agreement": services.case_no_agreement,
    "close": services.case_close,
    "withdraw": services.case_withdraw,
}


@require_POST
@role_required(*CASE_ROLES)
def case_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _get_case_for_user(request.user, pk)
    service = MOVES.get(action)
    if service is None:
        raise Http404
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, case, form)
    try:
        service(case=case, user=request.user, version=form.cleaned_data["version"], note=form.cleaned_data["note"])
    except services.TransitionError as error:
        return _fail(request, case, error)
    messages.success(request, _("The case is now “%(status)s”.") % {"status": case.get_status_display()})
    return redirect("mediation:case_detail", pk=case.pk)


@require_POST
@role_required(*CASE_ROLES)
def case_decline(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request.user, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, case, form)
    try:
        services.case_decline(case=case, user=request.user, **form.cleaned_data)
    except services.TransitionError as error:
        return _fail(request, case, error)
    messages.success(request, _("The application was declined."))
    return redirect("mediation:case_detail", pk=case.pk)


@require_POST
@role_required(*CASE_ROLES)
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request.user, pk)
    form = SessionForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, case, form)
    try:
        services.session_add(case=case, user=request.user, **form.cleaned_data)
    except services.TransitionError as error:
        return _fail(request, case, error)
    messages.success(request, _("Session recorded."))
    return redirect("mediation:case_detail", pk=case.pk)


@require_POST
@role_required(*CASE_ROLES)
def agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request.user, pk)
    form = AgreementForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, case, form)
    try:
        services.agreement_record(case=case, user=request.user, **form.cleaned_data)
    except services.TransitionError as error:
        return _fail(request, case, error)
    messages.success(request, _("Agreement recorded. Print it for signatures and seals."))
    return redirect("mediation:case_detail", pk=case.pk)


@require_POST
@role_required(*CASE_ROLES)
def instalment_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _get_case_for_user(request.user, pk)
    form = InstalmentForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, case, form)
    try:
        services.instalment_add(case=case, user=request.user, **form.cleaned_data)
    except services.TransitionError as error:
        return _fail(request, case, error)
    messages.success(request, _("Payment recorded."))
    return redirect("mediation:case_detail", pk=case.pk)


@require_POST
@role_required(*CASE_ROLES)
def instalment_pay(request: HttpRequest, pk: int, instalment_pk: int) -> HttpResponse:
    case = _get_case_for_user(request.user, pk)
    try:
        instalment = Instalment.objects.get(pk=instalment_pk, agreement__case=case)
    except (Instalment.DoesNotExist, ValueError):
        raise Http404 from None
    form = PayForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, case, form)
    try:
        services.instalment_pay(instalment=instalment, user=request.user, paid_on=form.cleaned_data["paid_on"])
    except services.TransitionError as error:
        return _fail(request, case, error)
    messages.success(request, _("Payment recorded."))
    return redirect("mediation:case_detail", pk=case.pk)


@role_required(*CASE_ROLES)
def agreement_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The 调解协议书 on A4: one copy per party and one kept by the body."""
    case = _get_case_for_user(request.user, pk, detail=True)
    agreement = _agreement(case)
    if agreement is None:
        raise Http404
    applicants = list(case.applicants.all())
    labels = [_("Party %(n)s") % {"n": _number(i + 1)} for i in range(len(applicants) + 1)] + [_("Archive copy")]
    services.case_printed(case=case, user=request.user, what=_("Agreement"))
    return render(
        request,
        "mediation/agreement_print.html",
        {"case": case, "agreement": agreement, "applicants": applicants, "copies": labels},
    )


def _number(n: int) -> str:
    from django.utils.translation import get_language

    if (get_language() or "").startswith("zh") and n <= 10:
        return "一二三四五六七八九十"[n - 1]
    return str(n)


@role_required(*CASE_ROLES)
def arbitration_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Printable notice to the worker that they may now apply for labour-dispute arbitration."""
    case = _get_case_for_user(request.user, pk, detail=True)
    if not case.may_arbitrate:
        raise Http404
    services.case_printed(case=case, user=request.user, what=_("Notice of the right to arbitration"))
    return render(
        request,
        "mediation/arbitration_notice.html",
        {"case": case, "applicants": list(case.applicants.all()), "today": timezone.localdate()},
    )


@role_required(*CASE_ROLES)
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    case = _get_case_for_user(request.user, pk)
    try:
        attachment = Attachment.objects.get(pk=attachment_pk, case=case)
    except (Attachment.DoesNotExist, ValueError):
        raise Http404 from None
    thumb = request.GET.get("thumb") == "1" and attachment.thumbnail
    handle = (attachment.thumbnail if thumb else attachment.file).open("rb")
    content_type = "application/pdf" if attachment.kind == "pdf" else "image/jpeg"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=attachment.kind == "pdf",
        filename=attachment.file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(Role.MEDIATOR, Role.PARK_ADMIN)
def body_list(request: HttpRequest) -> HttpResponse:
    bodies = (
        MediationBody.objects.visible_to(request.user)
        .select_related("enterprise")
        .prefetch_related("mediators")
        .order_by("-kind", "name", "pk")  # the park's rooms first, then the enterprise committees
    )
    page = Paginator(bodies, PAGE_SIZE).get_page(request.GET.get("page"))
    # Per page, not per row: the kind's label (get_kind_display rebuilds a hashed dict of lazy choices at each
    # call), whether rows link to the edit page, and its prefix (body_edit is "<body_list><pk>/": no reverse()).
    kinds = {value: str(label) for value, label in BodyKind.choices}
    rows = list(page.object_list)
    for body in rows:
        body.kind_label = kinds.get(body.kind, body.kind)
    can_edit = request.user.role == Role.PARK_ADMIN
    return render(
        request,
        "mediation/body_list.html",
        {
            "bodies": rows,
            "page": page,
            "share": stats.committee_share(request.user),
            "edit_prefix": reverse("mediation:body_list") if can_edit else "",
        },
    )


@role_required(Role.PARK_ADMIN)
def body_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Park administrators add the park's rooms and the enterprises' committees, and name their mediators."""
    body = get_visible_or_404(MediationBody.objects.all(), request.user, pk=pk) if pk else None
    form = BodyForm(request.POST or None, instance=body, park=request.user.park)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.park = request.user.park
        saved.save()
        form.save_m2m()
        messages.success(request, _("Saved: %(name)s.") % {"name": saved.name})
        return redirect("mediation:body_list")
    return render(request, "mediation/body_form.html", {"form": form, "body": body})


#: What the statistics of a mediator or a park administrator are computed from: the cases, the money (agreements,
#: instalments), the bodies (names, park) and who mediates in which body (a mediator's scope). A secretary's scope
#: also reads the parties app's tree, so their figures are computed each time.
STATISTICS_TABLES = (Case, Agreement, Instalment, MediationBody, MediationBody.mediators.through)


@role_required(*STATS_ROLES)
def statistics(request: HttpRequest) -> HttpResponse:
    # Queries: session, user; the tables' generations; on a miss, the figures' one statement (stats.PAGE_SQL).
    user, year = request.user, _year(request)
    key = None
    if user.role in (Role.MEDIATOR, Role.PARK_ADMIN):
        # Read BEFORE the figures are computed: a write committed meanwhile has bumped it, so what is computed
        # here is never stored under a key that a later read of the same data could find stale.
        generation = generations.read(*STATISTICS_TABLES)
        scope = user.pk if user.role == Role.MEDIATOR else ""  # a park administrator's scope is the park
        days = settings.PORTAL_RULES["MEDIATION_DAYS"]
        key = (
            f"mediation:statistics:v1:{generation}:{user.role}:{user.park_id}:{scope}:{year}:{days}:"
            f"{get_language()}:{get_script_prefix()}"
        )
        cached = cache.get(key)
        if cached is not None:
            figures, html = cached
            return _statistics_page(request, figures, html)
    # The page shows payments as a total; per group they are in the Excel export only.
    figures = stats.compute(Case.objects.visible_to(user), year=year, rows=False)
    html = render_to_string("mediation/_statistics_figures.html", {"figures": figures, "year": year}, request)
    if key is not None:
        cache.set(key, ({k: v for k, v in figures.items() if k != "types"}, html), STATISTICS_SECONDS)
    return _statistics_page(request, figures, html)


#: A day: a key is never stale (every write makes a new one), so this only bounds how long unread keys linger.
STATISTICS_SECONDS = 24 * 3600


def _statistics_page(request: HttpRequest, figures: dict, html: str) -> HttpResponse:
    figures.setdefault("types", [(value, label) for value, label in DisputeType.choices])  # labels not cached
    return render(
        request,
        "mediation/statistics.html",
        {"figures": figures, "year": figures["year"], "figures_html": mark_safe(html)},  # noqa: S308 - a template's
    )


@role_required(*STATS_ROLES)
def statistics_export(request: HttpRequest) -> HttpResponse:
    figures = stats.compute(Case.objects.visible_to(request.user), year=_year(request))
    headers = [
        _("Month"),
        _("Mediation body"),
        _("Dispute type"),
        _("Cases"),
        _("Agreements"),
        _("Amount agreed (yuan)"),
        _("Amount paid (yuan)"),
    ]
    rows = [
        [r["month"], r["body"], r["type"], r["cases"], r["agreements"], r["agreed"], r["paid"]] for r in figures["rows"]
    ]
    rows.append([_("Total"), "", "", figures["total"], figures["agreements"], figures["agreed"], figures["paid"]])
    return xlsx_response("mediation-statistics", headers, rows, title=_("Mediation statistics"))


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year
