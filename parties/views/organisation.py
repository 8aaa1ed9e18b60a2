from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parkportal.scoping import OFFICE_ROLES, role_required
from parties.models import Organisation, OrganisationKind


@role_required(*OFFICE_ROLES)
def tree(request: HttpRequest) -> HttpResponse:
    # 400 organisations at large-park size: rows as dicts of the columns shown, and the kind's label
    # translated once per request (get_kind_display per row was half the page's time; docs/PERFORMANCE.md).
    kind_labels = {value: str(label) for value, label in OrganisationKind.choices}
    organisations = list(
        Organisation.objects.visible_to(request.user).order_by("path").values("pk", "name", "depth", "kind")
    )
    for org in organisations:
        org["kind_label"] = kind_labels.get(org["kind"], org["kind"])
        org["depth"] = str(org["depth"])  # a str renders as is; an int goes through number localisation
    return render(request, "parties/tree.html", {"organisations": organisations})
