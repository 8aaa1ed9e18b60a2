from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from parkportal.excel import xlsx_response
from parkportal.scoping import OFFICE_ROLES, role_required
from parties import coverage as cov
from parties.models import CoverageStatus
from parties.views.common import paginate, pk_url_prefix

#: What a row of the missing list shows, read as values (no model instances per row).
MISSING_COLUMNS = (
    "name",
    "platform__name",
    "member_count",
    "coverage",
    "no_coverage_reason",
    "coverage_planned",
    "instructor__name",
)


@role_required(*OFFICE_ROLES)
def coverage(request: HttpRequest) -> HttpResponse:
    # Queries: overall aggregate (1), committees (1), aggregate per (organisation, platform) and the paths that
    # place them under committees (2), missing list count + page (2).
    rows, root_row, unassigned = cov.coverage_by_committee(request.user)
    page = paginate(request, cov.missing_enterprises(request.user).values(*MISSING_COLUMNS))
    labels = dict(CoverageStatus.choices)
    page.object_list = list(page.object_list)
    for row in page.object_list:  # labels and dates once here, not get_coverage_display() and |date per row
        row["coverage_label"] = labels.get(row["coverage"], row["coverage"])
        row["planned_day"] = row["coverage_planned"].isoformat() if row["coverage_planned"] else "—"
    context = {
        "overall": cov.overall(request.user),
        "rows": rows,
        "root_row": root_row,
        "unassigned": unassigned,
        "page": page,
        "organisation_url": pk_url_prefix("parties:organisation"),
    }
    return render(request, "parties/coverage.html", context)


@role_required(*OFFICE_ROLES)
def coverage_export(request: HttpRequest) -> HttpResponse:
    """The enterprises that must have an organisation and do not, with reasons and planned dates."""
    rows = (
        (
            e.name,
            e.get_kind_display(),
            e.platform.name if e.platform else "",
            e.member_count,
            e.get_coverage_display(),
            e.instructor.name if e.instructor else "",
            e.no_coverage_reason,
            e.coverage_planned,
        )
        for e in cov.missing_enterprises(request.user).iterator(chunk_size=2000)
    )
    headers = [
        _("Name"),
        _("Kind"),
        _("Platform enterprise"),
        _("Party members"),
        _("Coverage"),
        _("Instructor"),
        _("Reason not covered"),
        _("Coverage planned by"),
    ]
    return xlsx_response("coverage-gaps", headers, rows, title=_("Coverage gaps"))
