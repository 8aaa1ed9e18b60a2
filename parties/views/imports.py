"""Excel import: template → upload → preview (every bad row and column) → confirm → all rows saved, or none.

Between preview and confirm the upload is kept as a file under var/imports/ with a random name; the
confirm form carries only a signed token of that name (bound to the user and the kind of import, valid for an
hour), so no parsed rows travel through the browser and nobody can confirm another user's file. On confirm the
file is parsed and checked again (the database may have changed), saved in one transaction, then deleted.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parkportal.excel import template_response
from parkportal.roles import Role
from parkportal.scoping import OFFICE_ROLES, role_required
from parties import imports, services
from parties.forms import ImportConfirmForm, ImportUploadForm, import_dir, token_salt

PREVIEW_ROWS = 20
STALE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ImportKind:
    key: str
    title: str
    columns: Callable
    example: Callable
    check: Callable
    save: Callable
    list_url: str


KINDS = {
    "enterprises": ImportKind(
        "enterprises",
        gettext_lazy("Import enterprises"),
        imports.enterprise_columns,
        imports.enterprise_example,
        imports.check_enterprises,
        services.enterprises_import,
        "parties:enterprise_list",
    ),
    "members": ImportKind(
        "members",
        gettext_lazy("Import party members"),
        imports.member_columns,
        imports.member_example,
        imports.check_members,
        services.members_import,
        "parties:member_list",
    ),
}


def _forget_stale_uploads() -> None:
    folder = import_dir()
    if not folder.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for path in [*folder.glob("*.xlsx"), *folder.glob("*.claimed")]:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _preview(request: HttpRequest, kind: ImportKind, report, token: str = "", form=None) -> HttpResponse:
    columns = kind.columns()
    preview = [[row.get(c.key) for c in columns] for row in report.rows[:PREVIEW_ROWS]]
    context = {
        "kind": kind,
        "report": report,
        "errors": report.errors[: imports.MAX_ERRORS_SHOWN],
        "more_errors": max(len(report.errors) - imports.MAX_ERRORS_SHOWN, 0),
        "headers": [c.header for c in columns],
        "preview": preview,
        "token": token,
        "form": form or ImportUploadForm(),
    }
    return render(request, "parties/import_preview.html", context, status=200)


def _upload(request: HttpRequest, key: str) -> HttpResponse:
    kind = KINDS[key]
    if request.method != "POST":
        return render(request, "parties/import.html", {"kind": kind, "form": ImportUploadForm()})
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "parties/import.html", {"kind": kind, "form": form})
    upload = form.cleaned_data["file"]
    report = kind.check(request.user, upload)
    if not report.ok:
        return _preview(request, kind, report)
    _forget_stale_uploads()
    folder = import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.xlsx"
    upload.seek(0)
    (folder / name).write_bytes(upload.read())
    token = signing.dumps(name, salt=token_salt(key, request.user))
    return _preview(request, kind, report, token=token)


def _confirm(request: HttpRequest, key: str) -> HttpResponse:
    kind = KINDS[key]
    form = ImportConfirmForm(request.POST, kind=key, user=request.user)
    if not form.is_valid():
        return render(request, "parties/import.html", {"kind": kind, "form": ImportUploadForm(), "confirm": form})
    path = form.cleaned_data["token"]
    # Claim the stored file by renaming it (atomic): of two confirmations of one upload (a double tap, two
    # tabs), only one gets the file and imports; the other is told it was already imported.
    claimed = path.with_name(f"{path.stem}.{uuid.uuid4().hex}.claimed")
    try:
        path.rename(claimed)
    except FileNotFoundError:
        form.add_error("token", _("This file was already imported or has expired; upload it again."))
        return render(request, "parties/import.html", {"kind": kind, "form": ImportUploadForm(), "confirm": form})
    try:
        with claimed.open("rb") as stored:
            report = kind.check(request.user, stored)
        if not report.ok:
            return _preview(request, kind, report)
        count = kind.save(park=request.user.park, rows=report.rows)
    finally:
        claimed.unlink(missing_ok=True)
    messages.success(request, _("%(n)d rows imported.") % {"n": count})
    return redirect(kind.list_url)


def _template(key: str) -> HttpResponse:
    kind = KINDS[key]
    return template_response(f"{key}-template", [c.header for c in kind.columns()], kind.example())


# Enterprises are the park's register: only the park administrator imports them.
@role_required(Role.PARK_ADMIN)
def import_enterprises(request: HttpRequest) -> HttpResponse:
    return _upload(request, "enterprises")


@role_required(Role.PARK_ADMIN)
@require_POST
def import_enterprises_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm(request, "enterprises")


@role_required(Role.PARK_ADMIN)
def import_enterprises_template(request: HttpRequest) -> HttpResponse:
    return _template("enterprises")


# Secretaries import members into the organisations of their own subtree.
@role_required(*OFFICE_ROLES)
def import_members(request: HttpRequest) -> HttpResponse:
    return _upload(request, "members")


@role_required(*OFFICE_ROLES)
@require_POST
def import_members_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm(request, "members")


@role_required(*OFFICE_ROLES)
def import_members_template(request: HttpRequest) -> HttpResponse:
    return _template("members")
