from __future__ import annotations

from html import escape as html_escape

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from parkportal import querycache
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


#: One row of the missing list, filled by `_missing_rows` with values it has escaped. A string format rather than a
#: template loop: 50 rows of 12 template values were a large part of the page's Python time.
MISSING_ROW = (
    "<tr>\n"
    '    <td data-label="{l[name]}">{name}{platform}</td>\n'
    '    <td data-label="{l[members]}" class="num">{members}</td>\n'
    '    <td data-label="{l[coverage]}"><span class="badge cov-{coverage}">{coverage_label}</span></td>\n'
    '    <td data-label="{l[reason]}">{reason}</td>\n'
    '    <td data-label="{l[planned]}">{planned}</td>\n'
    '    <td data-label="{l[instructor]}">{instructor}</td>\n'
    "  </tr>"
)


def _missing_labels() -> dict[str, str]:
    """The missing list's column headings, also each cell's data-label (escaped: the rows use them as they are)."""
    return {
        "name": escape(_("Name")),
        "members": escape(_("Party members")),
        "coverage": escape(_("Coverage")),
        "reason": escape(_("Reason not covered")),
        "planned": escape(_("Coverage planned by")),
        "instructor": escape(_("Instructor")),
    }


def _missing_rows(rows: list[dict], labels: dict[str, str]) -> list[SafeString]:
    """The missing list's rows as HTML (MISSING_ROW), every value escaped with the standard library's html.escape
    (what Django's escape does, without its lazy-argument check per call)."""
    coverage_labels = {value: html_escape(str(label)) for value, label in CoverageStatus.choices}
    out = []
    for row in rows:
        platform = row["platform__name"]
        coverage = row["coverage"]
        planned = row["coverage_planned"]
        html = MISSING_ROW.format(
            l=labels,
            name=html_escape(row["name"]),
            platform=f'<br><span class="muted">{html_escape(platform)}</span>' if platform else "",
            members=row["member_count"],
            coverage=html_escape(coverage),
            coverage_label=coverage_labels.get(coverage) or html_escape(coverage),
            reason=html_escape(row["no_coverage_reason"]) if row["no_coverage_reason"] else "—",
            planned=planned.isoformat() if planned else "—",  # = |date:"Y-m-d"
            instructor=html_escape(row["instructor__name"]) if row["instructor__name"] else "—",
        )
        out.append(mark_safe(html))  # noqa: S308 - every value in it is escaped above, an int or a date
    return out


@role_required(*OFFICE_ROLES)
def coverage(request: HttpRequest) -> HttpResponse:
    # Queries: session, user, (the secretary's root path), the generations of the tables the page reads: seen
    # before under the same data, its content is kept whole (parkportal.querycache). Else also: committees (1),
    # aggregate per (organisation, platform), whose sums are the overall figures, and the paths that place them
    # under committees (2), missing list count + page (2).
    user = request.user

    def content() -> tuple:
        missing = cov.missing_enterprises(user).values(*MISSING_COLUMNS)
        figures = cov.coverage_with_overall(user)
        context = dict(zip(("rows", "root_row", "unassigned", "overall"), figures, strict=True))
        labels = _missing_labels()
        page = paginate(request, missing)
        page.object_list = list(page.object_list)
        context["page"] = page
        html = render_to_string(
            "parties/_coverage_content.html",
            {
                **context,
                "labels": labels,
                "missing_rows": _missing_rows(page.object_list, labels),
                "organisation_url": pk_url_prefix("parties:organisation"),
            },
            request=request,
        )
        return html, context

    html, figures = querycache.get(cov.coverage_key(request), content)
    # The figures and the page too, for whoever reads the context.
    context = {**figures, "content": html}
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
