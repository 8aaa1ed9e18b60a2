from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from parkportal.memo import KeyedMemo
from parkportal.scoping import OFFICE_ROLES, role_required
from parties.reminders import MEMBER_LIST_LIMIT, ORG_GROUPS, PREVIEW, cached_reminders_for, org_groups
from parties.views.common import PER_PAGE, pk_url_prefix

SECTIONS = ("terms", "size", "activity")
_lists_memo = KeyedMemo()


@role_required(*OFFICE_ROLES)
def reminders(request: HttpRequest) -> HttpResponse:
    # Queries: session, user, (the secretary's root path), the generations of the tables the lists read; seen
    # before under the same data, the lists are kept (parkportal.querycache). Else also: organisations with their
    # member counters, birthdays count + first rows, inactive members count + first rows. Each list shows its
    # first PREVIEW rows and links to the rest.
    r = cached_reminders_for(request.user)
    url_prefix = reverse("parties:reminders")
    organisation_url = pk_url_prefix("parties:organisation")

    def lists() -> str:
        groups = org_groups(r, url_prefix=url_prefix)
        sections = [(section, [g for g in groups if g.section == section]) for section in SECTIONS]
        context = {"r": r, "sections": sections, "limit": MEMBER_LIST_LIMIT, "preview": PREVIEW}
        return render_to_string("parties/_reminders_lists.html", {**context, "organisation_url": organisation_url})

    # The lists rendered, kept per process under fingerprints of exactly what they show (and the language).
    key = (r.fingerprint, r.members_fingerprint, url_prefix, organisation_url)
    return render(request, "parties/reminders.html", {"r": r, "lists": _lists_memo.get(key, lists)})


@role_required(*OFFICE_ROLES)
def reminder_group(request: HttpRequest, group: str) -> HttpResponse:
    """One organisation list of the reminders page in full, 50 rows a page."""
    if group not in {key for key, _section, _tone in ORG_GROUPS}:
        raise Http404
    r = cached_reminders_for(request.user, members=False)
    (found,) = (g for g in org_groups(r, url_prefix="", limit=None) if g.key == group)
    page = Paginator(found.rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "parties/reminder_group.html",
        {"r": r, "group": found, "page": page, "organisation_url": pk_url_prefix("parties:organisation")},
    )
