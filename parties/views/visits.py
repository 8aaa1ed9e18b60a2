"""The visit log: the instructor's phone pages and the office's lists, report and export."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape as html_escape

from django.contrib import messages
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections, router
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkportal import generations
from parkportal.excel import xlsx_response
from parkportal.memo import KeyedMemo, generation_memo
from parkportal.roles import Role
from parkportal.scoping import get_visible_or_404, role_required
from parties.models import (
    Enterprise,
    Instructor,
    ProblemState,
    Visit,
    VisitKind,
    VisitPhoto,
    VisitProblem,
)
from parties.views.common import pk_url_prefix
from parties.visit_filters import VisitFilter
from parties.visit_forms import (
    FollowUpForm,
    VisitForm,
    enterprise_choices,
    max_photos,
    problem_formset,
    problem_initial,
)
from parties.visit_querysets import (
    SCOPE_TABLES,
    as_date,
    instructor_list_rows,
    instructor_list_statement,
    instructor_scope,
    is_instructor,
    overdue_cutoff,
)
from parties.visit_querysets import my_enterprises as my_enterprises_rows
from parties.visit_services import (
    instructor_of,
    problem_can_follow_up,
    problem_can_hand_over,
    problem_follow_up,
    problem_hand_to_mediation,
    visit_can_edit,
    visit_create,
    visit_update,
)

OFFICE = (Role.PARK_ADMIN, Role.SECRETARY)
READERS = (Role.PARK_ADMIN, Role.SECRETARY, Role.INSTRUCTOR)
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


def _count(queryset, field: str = "pk"):
    """A correlated COUNT(*) subquery (no join fan-out when several counts sit on one row)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(field).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
        ),
        Value(0),
    )


def _with_counts(visits):
    return visits.annotate(
        n_problems=_count(VisitProblem.objects.filter(visit=OuterRef("pk")), "visit"),
        n_open=_count(VisitProblem.objects.filter(visit=OuterRef("pk")).exclude(state=ProblemState.SOLVED), "visit"),
        n_photos=_count(VisitPhoto.objects.filter(visit=OuterRef("pk")), "visit"),
    )


def _get_visit_for_user(user, pk: int) -> Visit:
    return get_visible_or_404(
        Visit.objects.select_related("enterprise", "enterprise__platform", "instructor", "author"), user, pk=pk
    )


# --- The instructor, on a phone -----------------------------------------------------------------------------
#: One enterprise of "my enterprises", filled by `_my_enterprise_items` with values it has escaped. A string format
#: rather than a template loop: per row the template ran a plural blocktranslate, a date filter and ten lookups.
MY_ENTERPRISE_ITEM = (
    '<li class="enterprise{secondary_class}{overdue_class}">\n'
    '    <div class="ent-head">\n'
    '      <strong class="ent-name">{name}</strong>\n'
    "      {overdue_badge}\n"
    "    </div>\n"
    '    <div class="ent-meta muted">\n'
    "      {secondary}{last_visit}\n"
    "    </div>\n"
    '    <div class="ent-actions">\n'
    '      <a class="button{button_class}" href="{new_url}{pk}">{l[log]}</a>\n'
    "      {past}\n"
    "    </div>\n"
    "  </li>"
)


def _my_enterprise_items(rows, new_url: str, past_url: str) -> list[SafeString]:
    """The rows of "my enterprises" as HTML (MY_ENTERPRISE_ITEM), every value escaped with html.escape."""
    labels = {
        "secondary": html_escape(_("Secondary enterprise")),
        "log": html_escape(_("Log a visit")),
        "past": html_escape(_("Past visits")),
        "overdue": html_escape(_("Overdue")),
        "never": html_escape(_("Never visited")),
    }
    overdue_badge = f'<span class="badge badge-alert">{labels["overdue"]}</span>'
    new_url, past_url = html_escape(new_url), html_escape(past_url)
    out = []
    for row in rows:
        secondary = row.kind == "secondary"
        if row.last_visit:
            # The template's {% blocktranslate count %}: the translation as it is, its values escaped.
            last_visit = ngettext(
                "Last visit %(d)s (%(days)s day ago)", "Last visit %(d)s (%(days)s days ago)", row.days_since
            ) % {"d": row.last_visit.isoformat(), "days": row.days_since}
            past = f'<a href="{past_url}{row.pk}">{labels["past"]}</a>'
        else:
            last_visit, past = labels["never"], ""
        html = MY_ENTERPRISE_ITEM.format(
            l=labels,
            secondary_class=" secondary" if secondary else "",
            overdue_class=" overdue" if row.overdue else "",
            name=html_escape(row.name),
            overdue_badge=overdue_badge if row.overdue else "",
            secondary=f"{labels['secondary']} · " if secondary else "",
            last_visit=last_visit,
            button_class="" if row.overdue else " secondary",
            new_url=new_url,
            pk=row.pk,
            past=past,
        )
        out.append(mark_safe(html))  # noqa: S308 - every value in it is escaped above, an int or a date
    return out


@role_required(Role.INSTRUCTOR)
def my_enterprises(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = my_enterprises_rows(request.user, today)
    overdue = sum(1 for r in rows if r.overdue)
    # Each row's links are these plus its pk, not two {% url %} per row.
    new_url = reverse("parties:visit_new") + "?enterprise="
    past_url = reverse("parties:visit_list") + "?enterprise_id="
    return render(
        request,
        "parties/visits/my_enterprises.html",
        {
            "rows": rows,
            "items": _my_enterprise_items(rows, new_url, past_url),
            "overdue": overdue,
            "today": today,
            "interval": overdue_cutoff(today),
        },
    )


@role_required(Role.INSTRUCTOR)
def visit_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if instructor_of(user) is None:
        raise PermissionDenied
    enterprises = enterprise_choices(user, user.park_id)
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, enterprises=enterprises)
        problems = problem_formset(data=request.POST)
        if form.is_valid() and problems.is_valid():
            data = form.cleaned_data
            try:
                visit = visit_create(
                    user=user,
                    enterprise=data["enterprise"],
                    date=data["date"],
                    kind=data["kind"],
                    people_met=data["people_met"],
                    summary=data["summary"],
                    problems=[r for r in problems.rows() if not r["delete"]],
                    photos=data["new_photos"],
                    submit_token=data.get("submit_token"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Visit logged."))
                return redirect("parties:visit_detail", pk=visit.pk)
    else:
        initial = {"date": timezone.localdate(), "kind": VisitKind.ORGANISATIONAL_LIFE}
        enterprise_id = request.GET.get("enterprise", "")
        if enterprise_id.isdigit():
            initial["enterprise"] = enterprises.filter(pk=int(enterprise_id)).first()
        form = VisitForm(initial=initial, enterprises=enterprises)
        problems = problem_formset()
    return render(
        request,
        "parties/visits/form.html",
        {
            "form": form,
            "problems": problems,
            "visit": None,
            "photos_lost": request.method == "POST",
            "max_photos": max_photos(),
        },
    )


@role_required(*READERS)
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _get_visit_for_user(request.user, pk)
    problems = list(visit.problems.all())
    for problem in problems:
        problem.visit = visit  # already loaded: no query per problem
        problem.can_hand_over = problem_can_hand_over(problem, request.user)
        if problem_can_follow_up(problem, request.user):
            problem.follow_up_form = FollowUpForm(
                initial={"state": problem.state, "owner": problem.owner}, prefix=f"p{problem.pk}"
            )
    revisions = list(visit.revisions.select_related("user"))
    for revision in revisions:
        revision.lines = [describe_change(c) for c in revision.changes]
    return render(
        request,
        "parties/visits/detail.html",
        {
            "visit": visit,
            "problems": problems,
            "photos": list(visit.photos.all()),
            "revisions": revisions,
            "can_edit": visit_can_edit(visit, request.user),
        },
    )


@role_required(Role.PARK_ADMIN, Role.INSTRUCTOR)
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    visit = _get_visit_for_user(user, pk)
    if not visit_can_edit(visit, user):
        raise PermissionDenied
    # Its current enterprise stays a valid choice even if it has since been reassigned to someone else.
    enterprises = (
        enterprise_choices(user, visit.park_id) | Enterprise.objects.filter(pk=visit.enterprise_id)
    ).order_by("name")
    existing_photos = list(visit.photos.all())
    if request.method == "POST":
        form = VisitForm(
            request.POST, request.FILES, instance=visit, enterprises=enterprises, existing_photos=existing_photos
        )
        problems = problem_formset(data=request.POST, initial=problem_initial(visit), extra=2, can_delete=True)
        if form.is_valid() and problems.is_valid():
            data = form.cleaned_data
            try:
                revision = visit_update(
                    visit=visit,
                    user=user,
                    changes={f: data[f] for f in ("enterprise", "date", "kind", "people_met", "summary")},
                    problems=problems.rows(),
                    new_photos=data["new_photos"],
                    remove_photo_ids=data.get("remove_photos") or [],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if revision:
                    messages.success(request, _("Changes saved; they are kept in the visit's history."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("parties:visit_detail", pk=visit.pk)
    else:
        form = VisitForm(instance=visit, enterprises=enterprises, existing_photos=existing_photos)
        problems = problem_formset(initial=problem_initial(visit), extra=2, can_delete=True)
    return render(
        request,
        "parties/visits/form.html",
        {
            "form": form,
            "problems": problems,
            "visit": visit,
            "existing_photos": existing_photos,
            "photos_lost": request.method == "POST",
            "max_photos": max_photos(),
        },
    )


def _photo_response(request: HttpRequest, pk: int, thumb: bool) -> FileResponse:
    photo = get_visible_or_404(VisitPhoto.objects.all(), request.user, pk=pk)
    field = photo.thumbnail if thumb else photo.image
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*READERS)
def visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    return _photo_response(request, pk, thumb=False)


@role_required(*READERS)
def visit_photo_thumb(request: HttpRequest, pk: int) -> FileResponse:
    return _photo_response(request, pk, thumb=True)


@require_POST
@role_required(*READERS)
def problem_handover(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_visible_or_404(VisitProblem.objects.select_related("visit"), request.user, pk=pk)
    if not problem_can_hand_over(problem, request.user):
        if problem.handed_over:
            return redirect("parties:visit_detail", pk=problem.visit_id)
        raise Http404
    try:
        problem_hand_to_mediation(problem=problem, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The dispute was handed to mediation."))
    return redirect("parties:visit_detail", pk=problem.visit_id)


@require_POST
@role_required(*READERS)
def problem_follow_up_view(request: HttpRequest, pk: int) -> HttpResponse:
    problem = get_visible_or_404(VisitProblem.objects.select_related("visit__instructor"), request.user, pk=pk)
    if not problem_can_follow_up(problem, request.user):
        raise PermissionDenied
    form = FollowUpForm(request.POST, prefix=f"p{problem.pk}")
    if form.is_valid():
        problem_follow_up(
            problem=problem, user=request.user, state=form.cleaned_data["state"], owner=form.cleaned_data["owner"]
        )
        messages.success(request, _("Follow-up saved; it is kept in the visit's history."))
    else:
        messages.error(request, _("The follow-up was not saved: choose a state and keep the owner short."))
    return redirect("parties:visit_detail", pk=problem.visit_id)


# --- Park staff and secretaries, in a browser ---------------------------------------------------------------
@role_required(*READERS)
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    number = request.GET.get("page")
    if is_instructor(user) and set(request.GET) <= {"page"}:
        # An instructor's list with no filter: its page from a statement prepared once per connection
        # (_instructor_page), and the filter built only if its fields are rendered (a page number binds it).
        filterset = SimpleLazyObject(
            lambda: VisitFilter(request.GET or None, queryset=Visit.objects.for_list(user), user=user)
        )
        labels = _list_labels()
        page, filter_fields, rows, rows_html = _instructor_list_kept(user, number, filterset, labels)
    else:
        filterset = VisitFilter(request.GET or None, queryset=Visit.objects.for_list(user), user=user)
        visits = filterset.qs.order_by(*LIST_ORDER)
        if request.GET.get("export") == "xlsx":
            return _export(visits)
        page = _page(visits, number, small=is_instructor(user))
        filter_fields = _filter_fields_html(filterset) if request.GET else _office_filter_fields_html(user, filterset)
        labels = _list_labels()
        rows = _visit_rows(page.object_list, labels)
        rows_html = _rows_html(rows)
    return render(
        request,
        "parties/visits/list.html",
        {
            "filter": filterset,
            "filter_fields": filter_fields,
            "page": page,
            "labels": labels,
            "rows": rows,
            "rows_html": rows_html,
        },
    )


def _rows_html(rows: list[SafeString]) -> SafeString:
    # One string, not a template variable per row (each escaped-checked and localised by the engine).
    return mark_safe("".join(f"\n    {row}\n  " for row in rows))  # noqa: S308 - built of SafeStrings


#: Every table an instructor's unfiltered list reads: his scope (the filter's choices and the enterprises he sees)
#: and the rows' visits, problems, photos, enterprise and platform names and instructors' names. A test checks the
#: statements' tables against it and that each carries its generation trigger.
INSTRUCTOR_LIST_TABLES = (*SCOPE_TABLES, "parties_visit", "parties_visitphoto", "parties_visitproblem")

#: An instructor's unfiltered list by (generation of INSTRUCTOR_LIST_TABLES, instructor, park, page asked for,
#: language, URL prefix).
_instructor_list_memo = generation_memo(max_entries=256)


def _instructor_list_kept(user, number, filterset, labels) -> tuple:
    """An instructor's unfiltered list (page, filter fields, rows, rows' HTML), kept in the process under the
    generation of every table it reads, read first (parkportal.generations): an instructor opens his list far
    more often than visits are logged, and its statement (his visits counted, their problems and photos) took
    PostgreSQL 2–4 ms per request on the large park. A visit, problem or photo logged, an enterprise assigned or
    renamed, all move the key."""
    key = (
        generations.read(*INSTRUCTOR_LIST_TABLES, using=router.db_for_read(Visit)),
        user.pk,
        user.park_id,
        number,
        get_language(),
        get_script_prefix(),
    )

    def make() -> tuple:
        page = _instructor_page(user, number)
        # A page number binds the filter (rendered with its values); without one its fields are the scope's.
        fields = (
            _filter_fields_html(filterset) if number is not None else _instructor_filter_fields_html(user, filterset)
        )
        rows = _visit_rows(page.object_list, labels)
        return page, fields, rows, _rows_html(rows)

    return _instructor_list_memo.get(key, make)


_filter_fields_memo = KeyedMemo()


def _filter_fields_html(filterset: VisitFilter) -> SafeString:
    """The filter's fields. Unbound (the list as first opened), they are a function of the language and of the
    two choice lists (pk and name of the instructors and committees in the user's scope), which the key holds: a
    renamed instructor or a new committee makes a new key, so nothing needs invalidating. Their templates were
    ≈ 1.5 ms per request (a widget template per field). A bound filter (values, errors) is rendered each time."""

    def make() -> SafeString:
        return render_to_string("parties/visits/_filter_fields.html", {"filter": filterset})

    if filterset.is_bound:
        return make()
    fields = filterset.form.fields
    key = (
        get_language(),
        tuple((value, str(label)) for value, label in fields["instructor"].choices),
        tuple((value, str(label)) for value, label in fields["committee"].choices),
    )
    return _filter_fields_memo.get(key, make)


#: Unbound filter fields by (generation of the tables their choices are read from, the viewer's scope, language).
_office_filter_fields_memo = generation_memo()


def _office_filter_fields_html(user, filterset) -> SafeString:
    """The unbound filter fields (_filter_fields_html) of anyone but an instructor, kept under the generation of
    the tables their two choice lists are read from (read first: parkportal.generations) and what the viewer's
    scope of them depends on (role, park; a secretary's subtree is their own): one indexed read instead of the two
    choice queries."""
    key = (
        generations.read(*SCOPE_TABLES, using=router.db_for_read(Visit)),
        user.role,
        user.park_id,
        None if user.role == Role.PARK_ADMIN else user.pk,
        get_language(),
    )
    return _office_filter_fields_memo.get(key, lambda: _filter_fields_html(filterset))


def _instructor_filter_fields_html(user, filterset) -> SafeString:
    """An instructor's unbound filter fields (_filter_fields_html), keyed on what their choices are made of: the
    (pk, name) rows of their scope (instructor_scope), without building the form to read them."""
    scope = instructor_scope(user)
    key = ("instructor", get_language(), tuple(scope.instructors), tuple(scope.committees))
    return _filter_fields_memo.get(key, lambda: _filter_fields_html(filterset))


#: The columns a row of the list shows (read as values: no model instances per row).
LIST_COLUMNS = ("pk", "date", "kind", "enterprise__name", "enterprise__platform__name", "instructor__name")

#: One row of the visits list, filled by `_visit_rows` with values it has escaped. A string format rather than a
#: template loop: as template variables the 50 rows of 16 values were the largest part of the page's Python time.
VISIT_ROW = (
    "<tr>\n"
    '      <td data-label="{l[date]}"><a href="{url}">{day}</a></td>\n'
    '      <td data-label="{l[enterprise]}">{enterprise}{platform}</td>\n'
    '      <td data-label="{l[instructor]}">{instructor}</td>\n'
    '      <td data-label="{l[kind]}">{kind}</td>\n'
    '      <td data-label="{l[problems]}" class="num">{open} / {problems}</td>\n'
    '      <td data-label="{l[photos]}" class="num">{photos}</td>\n'
    "    </tr>"
)


def _list_labels() -> dict[str, str]:
    """The column headings, also each cell's data-label (escaped: they go into the rows as they are)."""
    return {
        "date": escape(_("Date")),
        "enterprise": escape(_("Enterprise")),
        "instructor": escape(_("Instructor")),
        "kind": escape(_("Kind of visit")),
        "problems": escape(_("Open / all problems")),
        "photos": escape(_("Photos")),
    }


#: The list's order; VISIT_ROWS_SQL and VISIT_PAGE_SQL write it out.
LIST_ORDER = ("-date", "-pk")

#: A row's names and counts: its enterprise, platform and instructor names, and its problem, open problem and photo
#: counts (each a probe of an index on visit_id). For `v`, a visit; the columns of VISIT_ROW_KEYS after LIST_COLUMNS.
VISIT_ROW_SELECT = """
SELECT v.id, v.date, v.kind, e.name, p.name, i.name,
       (SELECT COUNT(*) FROM parties_visitproblem pr WHERE pr.visit_id = v.id),
       (SELECT COUNT(*) FROM parties_visitproblem pr WHERE pr.visit_id = v.id AND NOT pr.state = 'solved'),
       (SELECT COUNT(*) FROM parties_visitphoto ph WHERE ph.visit_id = v.id)
FROM {visits}
JOIN parties_enterprise e ON e.id = v.enterprise_id
LEFT JOIN parties_enterprise p ON p.id = e.platform_id
JOIN parties_instructor i ON i.id = v.instructor_id
"""

#: The rows of one page of the filtered list: its ids are the filtered list's SQL (compiled by the ORM, from the
#: filter and the viewer's scope) ordered, LIMIT/OFFSET. What `_page_orm` reads, written out: building and
#: compiling that queryset (three count subqueries) and the page's COUNT was ≈ 2.5 ms of CPU per request.
VISIT_ROWS_SQL = (
    VISIT_ROW_SELECT.format(visits="parties_visit v")
    + """WHERE v.id IN ({ids} ORDER BY "parties_visit"."date" DESC, "parties_visit"."id" DESC LIMIT %s OFFSET %s)
ORDER BY v.date DESC, v.id DESC
"""
)

#: The count of a list and the rows of one page, in ONE statement, for a list of a few thousand visits at most (an
#: instructor's): `ids` is the filtered list's (pk, date) as the ORM compiles it, read once (MATERIALIZED), then
#: counted and sorted for the page's LIMIT/OFFSET. Without it PostgreSQL walked the park's (park, date) index for
#: the page, through every visit of the park in date order until 50 were the instructor's (2,300 rows, ≈ 1 ms),
#: and the count read the instructor's visits again. The first column is the count; an empty page is one row of
#: the count and NULLs. Not for an office's list (30,000 visits), where the page is an index walk of 50 rows.
VISIT_PAGE_SQL = (
    """WITH ids (pk, date) AS MATERIALIZED ({ids}),
page AS (SELECT pk, date FROM ids ORDER BY date DESC, pk DESC LIMIT %s OFFSET %s)
SELECT c.total, r.* FROM (SELECT COUNT(*) AS total FROM ids) AS c
LEFT JOIN (
"""
    + VISIT_ROW_SELECT.format(visits="page JOIN parties_visit v ON v.id = page.pk")
    + """) AS r ON TRUE
ORDER BY r.date DESC, r.id DESC
"""
)
VISIT_ROW_KEYS = (*LIST_COLUMNS, "n_problems", "n_open", "n_photos")


def _page(visits, number, *, small: bool = False):
    """One page of the list (rows as dicts, formatted by `_format_rows`) around the filtered list's SQL, compiled
    once: for a `small` list (an instructor's), the count and the rows in one statement (VISIT_PAGE_SQL); for
    another, the count, and the page's rows (VISIT_ROWS_SQL).

    A list whose query is not a plain filtered SELECT of visits (nothing the filter or the scopes make today)
    takes `_page_orm`, the same page through the ORM (and the reference of the tests)."""
    query = visits.order_by().values_list(*(("pk", "date") if small else ("pk",))).query
    if (
        tuple(visits.query.order_by) != LIST_ORDER
        or query.base_table != Visit._meta.db_table
        or query.distinct
        or query.combinator
        or query.is_sliced
        or query.group_by is not None
    ):
        return _page_orm(visits, number)
    try:
        ids_sql, params = query.get_compiler(using=visits.db).as_sql()
    except EmptyResultSet:  # a scope that matches nothing (the ORM runs no query for it either)
        return _empty_page()
    if small:

        def run(offset: int) -> list[tuple]:
            with connections[visits.db].cursor() as cursor:
                cursor.execute(VISIT_PAGE_SQL.format(ids=ids_sql), (*params, PAGE_SIZE, offset))
                return cursor.fetchall()

        return _counted_page(run, number)
    paginator = Paginator((), PAGE_SIZE)
    rows = []
    with connections[visits.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({ids_sql}) AS ids", params)
        # Counted here: the paginator's own COUNT is not run.
        (paginator.count,) = cursor.fetchone()
        page = paginator.get_page(number)
        if paginator.count:
            cursor.execute(VISIT_ROWS_SQL.format(ids=ids_sql), (*params, PAGE_SIZE, page.start_index() - 1))
            rows = [_row(row) for row in cursor.fetchall()]
    return _with_rows(page, rows)


#: An instructor's unfiltered list: VISIT_PAGE_SQL prepared once per connection (and per padded length of their id
#: lists), executed with their scope's ids. Building and compiling the filtered queryset was ≈ 0.5 ms of CPU, and
#: PostgreSQL planned the statement for ≈ 0.6 ms on every request.
_instructor_list = instructor_list_statement(VISIT_PAGE_SQL)


def _instructor_page(user, number):
    """The page of an instructor's unfiltered list (the same as _page's for Visit.objects.for_list(user))."""

    def run(offset: int) -> list[tuple]:
        return instructor_list_rows(_instructor_list, user, (PAGE_SIZE, offset)) or [(0, *[None] * 9)]

    return _counted_page(run, number)


def _row(values) -> dict:
    row = dict(zip(VISIT_ROW_KEYS, values, strict=True))
    row["date"] = as_date(row["date"])
    return row


def _empty_page():
    paginator = Paginator((), PAGE_SIZE)
    paginator.count = 0
    return _with_rows(paginator.get_page(1), [])


def _counted_page(run, number):
    """The page `number` (as Paginator.get_page reads it) from `run(offset)`, which returns VISIT_PAGE_SQL's rows
    (the count first): one statement, or two when the page asked for is past the end (or below 1, which
    Paginator.get_page answers with the last page)."""
    try:
        guess = int(number) if number is not None else 1
    except (TypeError, ValueError):
        guess = 1  # get_page's answer to what is not a number
    offset = (guess - 1) * PAGE_SIZE if guess >= 1 else 0
    found = run(offset)
    paginator = Paginator((), PAGE_SIZE)
    paginator.count = found[0][0]
    page = paginator.get_page(number)
    if page.start_index() - 1 != offset and paginator.count:
        found = run(page.start_index() - 1)
    return _with_rows(page, [_row(values[1:]) for values in found if values[1] is not None])


def _with_rows(page, rows: list[dict]):
    page.object_list = _format_rows(rows)
    return page


def _page_orm(visits, number):
    """One page: its rows with their counts, the page's ids found by an index walk however deep the page.

    Queries: count, then the page's rows (enterprise, platform and instructor names, three count subqueries) for
    `pk IN (the page's ids: LIMIT/OFFSET on the filtered list)`, one statement.
    """
    page = Paginator(visits.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
    rows = list(
        _with_counts(Visit.objects.filter(pk__in=page.object_list))
        .order_by(*visits.query.order_by)
        .values(*VISIT_ROW_KEYS)
    )
    return _with_rows(page, rows)


def _format_rows(rows: list[dict]) -> list[dict]:
    """The link, the date and the kind's label of each row."""
    kinds = dict(VisitKind.choices)
    detail = pk_url_prefix("parties:visit_detail")
    for row in rows:
        row["url"] = f"{detail}{row['pk']}/"
        row["day"] = row["date"].isoformat()
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
    return rows


def _visit_rows(rows: list[dict], labels: dict[str, str]) -> list[SafeString]:
    """The visits list's rows as HTML (VISIT_ROW), every value escaped with the standard library's html.escape
    (what Django's escape does, without its lazy-argument check per call)."""
    kinds: dict[str, str] = {}
    out = []
    for row in rows:
        kind = kinds.get(row["kind_label"])
        if kind is None:
            kind = kinds[row["kind_label"]] = html_escape(str(row["kind_label"]))
        platform = row["enterprise__platform__name"]
        n_open = row["n_open"]
        html = VISIT_ROW.format(
            l=labels,
            url=html_escape(row["url"]),
            day=row["day"],
            enterprise=html_escape(row["enterprise__name"]),
            platform=f' <span class="muted">({html_escape(platform)})</span>' if platform else "",
            instructor=html_escape(row["instructor__name"]),
            kind=kind,
            open=f'<span class="badge badge-warn">{n_open}</span>' if n_open else "0",
            problems=row["n_problems"],
            photos=row["n_photos"],
        )
        out.append(mark_safe(html))  # noqa: S308 - every value in it is escaped above or an int or a date
    return out


def _export(visits) -> HttpResponse:
    """The filtered list as a workbook. Queries: problem counts, photo counts, then the rows as tuples."""
    kinds = dict(VisitKind.choices)
    ids = visits.order_by().values("pk")
    problems = {
        row["visit"]: row
        for row in VisitProblem.objects.filter(visit__in=ids)
        .values("visit")
        .annotate(n=Count("pk"), open=Count("pk", filter=~Q(state=ProblemState.SOLVED)))
        .order_by()
    }
    photos = dict(
        VisitPhoto.objects.filter(visit__in=ids).values("visit").annotate(n=Count("pk")).values_list("visit", "n")
    )
    headers = [
        _("Date"),
        _("Enterprise"),
        _("Platform enterprise"),
        _("Instructor"),
        _("Kind of visit"),
        _("People met"),
        _("What was done"),
        _("Problems"),
        _("Open problems"),
        _("Photos"),
    ]
    none = {"n": 0, "open": 0}
    rows = (
        (
            day,
            enterprise,
            platform or "",
            instructor,
            str(kinds.get(kind, kind)),
            people,
            summary,
            problems.get(pk, none)["n"],
            problems.get(pk, none)["open"],
            photos.get(pk, 0),
        )
        for pk, day, enterprise, platform, instructor, kind, people, summary in visits[:EXPORT_LIMIT]
        .values_list(
            "pk",
            "date",
            "enterprise__name",
            "enterprise__platform__name",
            "instructor__name",
            "kind",
            "people_met",
            "summary",
        )
        .iterator(chunk_size=2000)
    )
    return xlsx_response("visits", headers, rows, title=_("Visits"))


def _month(value: str, today: date) -> date:
    try:
        year, month = (int(p) for p in value.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        return today.replace(day=1)


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@role_required(*OFFICE)
def visit_report(request: HttpRequest) -> HttpResponse:
    """Per instructor, for one month: visits, enterprises covered, overdue enterprises, open problems (1 query)."""
    user = request.user
    today = timezone.localdate()
    first = _month(request.GET.get("month", ""), today)
    end = min(_next_month(first) - timedelta(days=1), today) if first <= today else first
    cutoff = end - timedelta(days=_interval())
    scoped = Visit.objects.visible_to(user)
    month = scoped.filter(instructor=OuterRef("pk"), date__gte=first, date__lte=end)
    recent = Visit.objects.filter(enterprise=OuterRef("pk"), date__gt=cutoff, date__lte=end)
    overdue = (
        Enterprise.objects.visible_to(user).filter(instructor=OuterRef("pk"), kind="platform").exclude(Exists(recent))
    )
    open_problems = VisitProblem.objects.visible_to(user).filter(visit__instructor=OuterRef("pk")).still_open()
    rows = (
        Instructor.objects.visible_to(user)
        .filter(active=True)
        .annotate(
            n_visits=_count(month, "instructor"),
            n_covered=Coalesce(
                Subquery(
                    month.order_by()
                    .values("instructor")
                    .annotate(n=Count("enterprise", distinct=True))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            n_overdue=_count(overdue, "instructor"),
            n_open=_count(open_problems, "visit__instructor"),
        )
        .order_by("name")
    )
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            f"visits-{first:%Y-%m}",
            [
                _("Instructor"),
                _("Number of visits"),
                _("Enterprises covered"),
                _("Overdue enterprises"),
                _("Open problems"),
            ],
            ((r.name, r.n_visits, r.n_covered, r.n_overdue, r.n_open) for r in rows),
        )
    return render(
        request,
        "parties/visits/report.html",
        {
            "rows": rows,
            "month": first,
            "month_end": _next_month(first) - timedelta(days=1),
            "previous": (first - timedelta(days=1)).replace(day=1),
            "next": _next_month(first) if _next_month(first) <= today else None,
        },
    )


def _interval() -> int:
    from parties.visit_querysets import interval_days

    return interval_days()


@role_required(*OFFICE)
def open_problems(request: HttpRequest) -> HttpResponse:
    problems = (
        VisitProblem.objects.visible_to(request.user)
        .still_open()
        .select_related("visit", "visit__enterprise", "visit__instructor")
        .order_by("opened_on", "pk")
    )
    page = Paginator(problems, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "parties/visits/problems.html", {"page": page, "today": timezone.localdate()})


# --- History ----------------------------------------------------------------------------------------------------
def describe_change(change: dict) -> dict:
    """A revision entry as the visit page shows it: label, item, old and new values in the reader's language."""
    labels = {
        "enterprise": _("Enterprise"),
        "date": _("Date of visit"),
        "kind": _("Kind of visit"),
        "people_met": _("People met"),
        "summary": _("What was done"),
        "problem_added": _("Problem added"),
        "problem_removed": _("Problem removed"),
        "problem_description": _("Problem"),
        "problem_is_labour_dispute": _("Labour dispute"),
        "problem_state": _("Follow-up"),
        "problem_owner": _("Owner"),
        "photo_added": _("Photo added"),
        "photo_removed": _("Photo removed"),
    }
    field = change.get("field", "")
    values = {}
    if field == "kind":
        values = dict(VisitKind.choices)
    elif field == "problem_state":
        values = dict(ProblemState.choices)
    elif field == "problem_is_labour_dispute":
        values = {"1": _("yes"), "0": _("no")}

    def show(value):
        if value is None:
            return ""
        return str(values.get(value, value))

    return {
        "label": labels.get(field, field),
        "item": change.get("item", "") if field.startswith("problem_") and field not in ("problem_added",) else "",
        "old": show(change.get("old")),
        "new": show(change.get("new")),
    }
