from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parkportal.scoping import OFFICE_ROLES, role_required
from parties.reminders import MEMBER_LIST_LIMIT, reminders_for


@role_required(*OFFICE_ROLES)
def reminders(request: HttpRequest) -> HttpResponse:
    # Queries: organisations with member counts (1), birthdays count + list (2), inactive count + list (2).
    return render(request, "parties/reminders.html", {"r": reminders_for(request.user), "limit": MEMBER_LIST_LIMIT})
