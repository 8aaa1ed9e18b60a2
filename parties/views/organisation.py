from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parkportal.scoping import OFFICE_ROLES, role_required
from parties.models import Organisation


@role_required(*OFFICE_ROLES)
def tree(request: HttpRequest) -> HttpResponse:
    organisations = list(Organisation.objects.visible_to(request.user).select_related("category").order_by("path"))
    return render(request, "parties/tree.html", {"organisations": organisations})
