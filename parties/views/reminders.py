from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from parkportal.scoping import OFFICE_ROLES, role_required
from parties.reminders import MEMBER_LIST_LIMIT, ORG_GROUPS, PREVIEW, org_groups, reminders_for
from parties.views.common import PER_PAGE, pk_url_prefix

SECTIONS = ("terms", "size", "activity")


@role_required(*OFFICE_ROLES)
def reminders(request: HttpRequest) -> HttpResponse:
    # Queries: organisations with their member counters, birthdays count + first rows,
    # inactive members count + first rows. Each list shows its first PREVIEW rows and links to the rest.
    r = reminders_for(request.user)
    groups = org_groups(r, url_prefix=reverse("parties:reminders"))
    sections = [(section, [g for g in groups if g.section == section]) for section in SECTIONS]
    return render(
        request,
        "parties/reminders.html",
        {
            "r": r,
            "sections": sections,
            "limit": MEMBER_LIST_LIMIT,
            "preview": PREVIEW,
            "organisation_url": pk_url_prefix("parties:organisation"),
        },
    )


@role_required(*OFFICE_ROLES)
def reminder_group(request: HttpRequest, group: str) -> HttpResponse:
    """One organisation list of the reminders page in full, 50 rows a page."""
    if group not in {key for key, _section, _tone in ORG_GROUPS}:
        raise Http404
    r = reminders_for(request.user, members=False)
    (found,) = (g for g in org_groups(r, url_prefix="", limit=None) if g.key == group)
    page = Paginator(found.rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "parties/reminder_group.html",
        {"r": r, "group": found, "page": page, "organisation_url": pk_url_prefix("parties:organisation")},
    )
