"""Enterprise and member lists: django-filter filters, search, pagination, and Excel export as filtered."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from parkportal.excel import xlsx_response
from parkportal.masking import mask_phone
from parkportal.scoping import OFFICE_ROLES, role_required
from parties.filters import EnterpriseFilter, MemberFilter
from parties.models import Enterprise, Member
from parties.views.common import paginate

EXPORT_CHUNK = 2000


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
    page = paginate(request, _filtered(filterset))
    return render(request, "parties/enterprise_list.html", {"filter": filterset, "page": page})


@role_required(*OFFICE_ROLES)
def enterprise_export(request: HttpRequest) -> HttpResponse:
    rows = (
        (
            e.name,
            e.get_kind_display(),
            e.platform.name if e.platform else "",
            e.category.name if e.category else "",
            e.staff_count,
            e.member_count,
            e.get_coverage_display(),
            e.organisation.name if e.organisation else "",
            e.instructor.name if e.instructor else "",
            e.no_coverage_reason,
            e.coverage_planned,
            e.credit_code,
            e.address,
        )
        for e in _filtered(_enterprises(request)).iterator(chunk_size=EXPORT_CHUNK)
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
    page = paginate(request, _filtered(filterset))
    return render(request, "parties/member_list.html", {"filter": filterset, "page": page})


@role_required(*OFFICE_ROLES)
def member_export(request: HttpRequest) -> HttpResponse:
    # Phones are masked: a roster needs to show who is reachable, not the number itself.
    rows = (
        (
            m.name,
            m.organisation.name,
            m.get_status_display(),
            m.admitted,
            _("Yes") if m.is_floating else _("No"),
            m.home_organisation,
            m.floating_certificate,
            m.enterprise.name if m.enterprise else "",
            m.last_activity,
            mask_phone(m.phone),
        )
        for m in _filtered(_members(request)).iterator(chunk_size=EXPORT_CHUNK)
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
