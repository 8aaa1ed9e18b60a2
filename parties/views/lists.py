"""Enterprise and member lists: django-filter filters, search, pagination, and Excel export as filtered."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

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


def _enterprises(request: HttpRequest) -> EnterpriseFilter:
    queryset = Enterprise.objects.visible_to(request.user).select_related(
        "platform", "category", "organisation", "instructor"
    )
    return EnterpriseFilter(request.GET or None, queryset=queryset.order_by("name", "pk"), request=request)


def _members(request: HttpRequest) -> MemberFilter:
    queryset = Member.objects.visible_to(request.user).select_related("organisation", "enterprise")
    return MemberFilter(request.GET or None, queryset=queryset.order_by("name", "pk"), request=request)


def _filtered(filterset):
    # An invalid filter value shows its error beside the field and an empty list, never a 500.
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs


@role_required(*OFFICE_ROLES)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    filterset = _enterprises(request)
    page = paginate(request, _filtered(filterset).values(*ENTERPRISE_COLUMNS))
    # Labels and links made here, once per row, instead of get_*_display() and {% url %} in the template.
    kinds, coverage = dict(EnterpriseKind.choices), dict(CoverageStatus.choices)
    organisation = pk_url_prefix("parties:organisation")
    rows = list(page.object_list)
    for row in rows:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
        row["coverage_label"] = coverage.get(row["coverage"], row["coverage"])
        row["organisation_url"] = f"{organisation}{row['organisation_id']}/" if row["organisation_id"] else ""
    page.object_list = rows
    return render(request, "parties/enterprise_list.html", {"filter": filterset, "page": page})


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


@role_required(*OFFICE_ROLES)
def member_list(request: HttpRequest) -> HttpResponse:
    filterset = _members(request)
    page = paginate(request, _filtered(filterset).values(*MEMBER_COLUMNS))
    # Labels, dates, masked phones and links made here, once per row, instead of filters and {% url %}.
    status = dict(MemberStatus.choices)
    organisation = pk_url_prefix("parties:organisation")
    rows = list(page.object_list)
    for row in rows:
        row["status_label"] = status.get(row["status"], row["status"])
        row["admitted_day"] = row["admitted"].isoformat() if row["admitted"] else "—"
        row["last_activity_day"] = row["last_activity"].isoformat() if row["last_activity"] else "—"
        row["phone_masked"] = mask_phone(row["phone"]) or "—"
        row["organisation_url"] = f"{organisation}{row['organisation_id']}/"
    page.object_list = rows
    return render(request, "parties/member_list.html", {"filter": filterset, "page": page})


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
