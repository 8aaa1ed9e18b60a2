from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parkportal.scoping import OFFICE_ROLES, role_required
from parties.models import Organisation, OrganisationKind

#: The columns the tree shows. The template gets only these, so the cache fingerprint below covers
#: everything it can render.
TREE_FIELDS = ("pk", "name", "depth", "kind")


@role_required(*OFFICE_ROLES)
def tree(request: HttpRequest) -> HttpResponse:
    # 400 organisations at large-park size (docs/PERFORMANCE.md): rows as dicts of the shown columns, the
    # kind's label translated once per request, and the rendered list cached under a fingerprint of exactly
    # those rows, so any change to what is shown is a new key (correct invalidation, no signals needed).
    rows = list(Organisation.objects.visible_to(request.user).order_by("path").values(*TREE_FIELDS))
    fingerprint = hashlib.blake2b(repr([tuple(r.values()) for r in rows]).encode(), digest_size=16).hexdigest()
    kind_labels = {value: str(label) for value, label in OrganisationKind.choices}
    for org in rows:
        org["kind_label"] = kind_labels.get(org["kind"], org["kind"])
        org["depth"] = str(org["depth"])  # a str renders as is; an int goes through number localisation
    return render(request, "parties/tree.html", {"organisations": rows, "fingerprint": fingerprint})
