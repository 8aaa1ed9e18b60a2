"""Enterprise and member lists: django-filter filters, search, pagination, and Excel export as filtered."""

from __future__ import annotations

from html import escape as html_escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django_filters import ModelChoiceFilter

from parkportal import querycache
from parkportal.excel import xlsx_response
from parkportal.masking import mask_phone
from parkportal.scoping import OFFICE_ROLES, role_required
from parties.filters import EnterpriseFilter, MemberFilter
from parties.models import CoverageStatus, Enterprise, EnterpriseKind, Member, MemberStatus
from parties.views.common import paginate, pk_url_prefix

EXPORT_CHUNK = 2000

#: What a row of each list shows, read as values (no model instances per row; select_related is not needed).
ENTERPRISE_COLUMNS = (
    "name",
    "platform__name",
    "kind",
    "category__name",
    "staff_count",
    "member_count",
    "coverage",
    "no_coverage_reason",
    "organisation_id",
    "organisation__name",
    "instructor__name",
)
MEMBER_COLUMNS = (
    "name",
    "is_floating",
    "home_organisation",
    "floating_certificate",
    "organisation_id",
    "organisation__name",
    "status",
    "admitted",
    "last_activity",
    "phone",
)


def _enterprise_base(request: HttpRequest):
    """The enterprise list before its filters."""
    queryset = Enterprise.objects.visible_to(request.user).select_related(
        "platform", "category", "organisation", "instructor"
    )
    return queryset.order_by("name", "pk")


def _member_base(request: HttpRequest):
    """The member list before its filters."""
    return Member.objects.visible_to(request.user).select_related("organisation", "enterprise").order_by("name", "pk")


def _enterprises(request: HttpRequest) -> EnterpriseFilter:
    return EnterpriseFilter(request.GET or None, queryset=_enterprise_base(request), request=request)


def _members(request: HttpRequest) -> MemberFilter:
    return MemberFilter(request.GET or None, queryset=_member_base(request), request=request)


def _filtered(filterset):
    # An invalid filter value shows its error beside the field and an empty list, never a 500.
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs


#: One row of the enterprise list, filled by `_enterprise_rows` with values it has escaped. A string format rather
#: than a template loop: 50 rows of 16 template values were the largest part of the page's Python time.
ENTERPRISE_ROW = (
    "<tr>\n"
    '    <td data-label="{l[name]}">{name}{platform}</td>\n'
    '    <td data-label="{l[kind]}">{kind}</td>\n'
    '    <td data-label="{l[category]}">{category}</td>\n'
    '    <td data-label="{l[staff]}" class="num">{staff}</td>\n'
    '    <td data-label="{l[members]}" class="num">{members}</td>\n'
    '    <td data-label="{l[coverage]}"><span class="badge cov-{coverage}">{coverage_label}</span>{reason}</td>\n'
    '    <td data-label="{l[organisation]}">{organisation}</td>\n'
    '    <td data-label="{l[instructor]}">{instructor}</td>\n'
    "  </tr>"
)


def _enterprise_labels() -> dict[str, str]:
    """The enterprise list's column headings, also each cell's data-label (escaped: the rows use them as they are)."""
    return {
        "name": escape(_("Name")),
        "kind": escape(_("Kind")),
        "category": escape(_("Category")),
        "staff": escape(_("Staff")),
        "members": escape(_("Party members")),
        "coverage": escape(_("Coverage")),
        "organisation": escape(_("Party organisation")),
        "instructor": escape(_("Instructor")),
    }


def _enterprise_rows(rows: list[dict], labels: dict[str, str]) -> list[SafeString]:
    """The enterprise list's rows as HTML (ENTERPRISE_ROW), every value escaped with the standard library's
    html.escape (what Django's escape does, without its lazy-argument check per call). Labels and links are made
    once per page, not get_*_display() and {% url %} per row."""
    kinds = {value: html_escape(str(label)) for value, label in EnterpriseKind.choices}
    coverages = {value: html_escape(str(label)) for value, label in CoverageStatus.choices}
    organisation_url = pk_url_prefix("parties:organisation")
    out = []
    for row in rows:
        platform, category, reason = row["platform__name"], row["category__name"], row["no_coverage_reason"]
        organisation_id, instructor = row["organisation_id"], row["instructor__name"]
        html = ENTERPRISE_ROW.format(
            l=labels,
            name=html_escape(row["name"]),
            platform=f'<br><span class="muted">{html_escape(platform)}</span>' if platform else "",
            kind=kinds.get(row["kind"]) or html_escape(row["kind"]),
            category=html_escape(category) if category else "—",
            staff=row["staff_count"],
            members=row["member_count"],
            coverage=html_escape(row["coverage"]),
            coverage_label=coverages.get(row["coverage"]) or html_escape(row["coverage"]),
            reason=f'<br><span class="muted">{html_escape(reason)}</span>' if reason else "",
            organisation=(
                f'<a href="{organisation_url}{organisation_id}/">{html_escape(row["organisation__name"])}</a>'
                if organisation_id
                else "—"
            ),
            instructor=html_escape(instructor) if instructor else "—",
        )
        out.append(mark_safe(html))  # noqa: S308 - every value in it is escaped above or an int
    return out


def _content_key(request: HttpRequest, filterset_class, make_base) -> tuple | None:
    """The querycache key of a filtered list's content (its filter form, count, rows and page links): the
    generations and SQL of the list's queryset before filtering and of every choice filter's queryset (the
    viewer's scope is in them), and everything else the content is made of: the query string (in its order, as
    the page links keep it), the path, the viewer's role (the import link), the language, today and the rules
    (filters such as "inactive" count months back from today). Built and compiled once per viewer and data
    (querycache.key_for)."""

    def querysets() -> list:
        choices = filterset_class.base_filters.values()
        return [make_base(request)] + [f.get_queryset(request) for f in choices if isinstance(f, ModelChoiceFilter)]

    extra = (
        request.path,
        tuple((name, tuple(values)) for name, values in request.GET.lists()),
        request.user.role,
        get_language(),
        timezone.localdate(),
        tuple(sorted(settings.PORTAL_RULES.items())),
    )
    # (make_base and the choices' querysets read request.user only: its scope fields are key_for's signature)
    return querycache.key_for(request.user, ("list", filterset_class, make_base), querysets, extra=extra)


def _list_page(request, template: str, filterset_class, make_base, columns, make_labels, render_rows) -> HttpResponse:
    """A filtered list's page: its content (`_<list>_content.html`), kept whole when seen before under the same
    data and query string (parkportal.querycache: then the request reads the generations and nothing else)."""

    def content() -> tuple:
        filterset = filterset_class(request.GET or None, queryset=make_base(request), request=request)
        labels, queryset = make_labels(), _filtered(filterset).values(*columns)
        page = paginate(request, queryset)
        page.object_list = list(page.object_list)
        context = {"filter": filterset, "page": page, "labels": labels, "rows": render_rows(page.object_list, labels)}
        return render_to_string(f"parties/_{template}_content.html", context, request=request), page

    key = _content_key(request, filterset_class, make_base)
    html, page = querycache.get(key and ("content", key), content)
    # The page too, for whoever reads the context; its count and rows are read already.
    return render(request, f"parties/{template}.html", {"content": html, "page": page})


@role_required(*OFFICE_ROLES)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    # Queries: session, user, the generations of the tables the page reads; when the scope is compiled (a new
    # viewer, or any write to those tables) a secretary's root path; on a miss also the filter's options (each
    # kept on their own), count and rows.
    return _list_page(
        request,
        "enterprise_list",
        EnterpriseFilter,
        _enterprise_base,
        ENTERPRISE_COLUMNS,
        _enterprise_labels,
        _enterprise_rows,
    )


@role_required(*OFFICE_ROLES)
def member_list(request: HttpRequest) -> HttpResponse:
    # Queries: as enterprise_list.
    return _list_page(request, "member_list", MemberFilter, _member_base, MEMBER_COLUMNS, _member_labels, _member_rows)


@role_required(*OFFICE_ROLES)
def enterprise_export(request: HttpRequest) -> HttpResponse:
    kinds = {value: str(label) for value, label in EnterpriseKind.choices}
    coverage = {value: str(label) for value, label in CoverageStatus.choices}
    fields = ["name", "kind", "platform__name", "category__name", "staff_count", "member_count", "coverage"]
    fields += ["organisation__name", "instructor__name", "no_coverage_reason", "coverage_planned", "credit_code"]
    fields += ["address"]
    rows = (
        (row[0], kinds.get(row[1], row[1]), row[2] or "", row[3] or "", row[4], row[5], coverage.get(row[6], row[6]))
        + tuple(v if v is not None else "" for v in row[7:10])
        + row[10:]
        for row in _filtered(_enterprises(request)).values_list(*fields).iterator(chunk_size=EXPORT_CHUNK)
    )
    headers = [
        _("Name"),
        _("Kind"),
        _("Platform enterprise"),
        _("Category"),
        _("Staff"),
        _("Party members"),
        _("Coverage"),
        _("Party organisation"),
        _("Instructor"),
        _("Reason not covered"),
        _("Coverage planned by"),
        _("Unified social credit code"),
        _("Address"),
    ]
    return xlsx_response("enterprises", headers, rows, title=_("Enterprises"))


#: One row of the member list, filled by `_member_rows` with values it has escaped (see ENTERPRISE_ROW).
MEMBER_ROW = (
    "<tr>\n"
    '    <td data-label="{l[name]}">{name}\n      {floating}</td>\n'
    '    <td data-label="{l[organisation]}"><a href="{organisation_url}">{organisation}</a></td>\n'
    '    <td data-label="{l[status]}">{status}</td>\n'
    '    <td data-label="{l[admitted]}">{admitted}</td>\n'
    '    <td data-label="{l[last_activity]}">{last_activity}</td>\n'
    '    <td data-label="{l[phone]}">{phone}</td>\n'
    "  </tr>"
)


def _member_labels() -> dict[str, str]:
    """The member list's column headings and data-labels (escaped: the rows use them as they are). The name's
    heading is the plain "Name", its data-label the person's name (context "person"), as the template had them."""
    return {
        "name_heading": escape(_("Name")),
        "name": escape(pgettext("person", "Name")),
        "organisation": escape(_("Party organisation")),
        "status": escape(_("Status")),
        "admitted": escape(_("Political birthday")),
        "last_activity": escape(_("Last recorded activity")),
        "phone": escape(_("Mobile number")),
        "floating": escape(_("floating, no vote here")),
    }


def _member_rows(rows: list[dict], labels: dict[str, str]) -> list[SafeString]:
    """The member list's rows as HTML (MEMBER_ROW), every value escaped with the standard library's html.escape.
    Labels, dates, masked phones and links are made once per page or per row here, not by template filters."""
    statuses = {value: html_escape(str(label)) for value, label in MemberStatus.choices}
    organisation_url = pk_url_prefix("parties:organisation")
    badge = f'<br><span class="badge badge-warn">{labels["floating"]}</span> '
    out = []
    for row in rows:
        admitted, last_activity = row["admitted"], row["last_activity"]
        floating = (
            f'{badge}<span class="muted">{html_escape(row["home_organisation"])} '
            f"{html_escape(row['floating_certificate'])}</span>"
            if row["is_floating"]
            else ""
        )
        html = MEMBER_ROW.format(
            l=labels,
            name=html_escape(row["name"]),
            floating=floating,
            organisation_url=f"{organisation_url}{row['organisation_id']}/",
            organisation=html_escape(row["organisation__name"]),
            status=statuses.get(row["status"]) or html_escape(row["status"]),
            admitted=admitted.isoformat() if admitted else "—",
            last_activity=last_activity.isoformat() if last_activity else "—",
            phone=html_escape(mask_phone(row["phone"]) or "—"),
        )
        out.append(mark_safe(html))  # noqa: S308 - every value in it is escaped above or a date
    return out


@role_required(*OFFICE_ROLES)
def member_export(request: HttpRequest) -> HttpResponse:
    # Phones are masked: a roster needs to show who is reachable, not the number itself.
    # values_list and labels looked up once: 20,000 rows without building 60,000 model objects.
    status = {value: str(label) for value, label in MemberStatus.choices}
    yes, no = _("Yes"), _("No")
    rows = (
        (
            name,
            org,
            status.get(st, st),
            admitted,
            yes if floating else no,
            home,
            cert,
            ent or "",
            last,
            mask_phone(phone),
        )
        for name, org, st, admitted, floating, home, cert, ent, last, phone in _filtered(_members(request))
        .values_list(
            "name",
            "organisation__name",
            "status",
            "admitted",
            "is_floating",
            "home_organisation",
            "floating_certificate",
            "enterprise__name",
            "last_activity",
            "phone",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    headers = [
        _("Name"),
        _("Party organisation"),
        _("Status"),
        _("Admitted (political birthday)"),
        _("Floating member"),
        _("Home organisation"),
        _("Floating member certificate no."),
        _("Enterprise"),
        _("Last recorded activity"),
        _("Mobile number (masked)"),
    ]
    return xlsx_response("members", headers, rows, title=_("Party members"))
