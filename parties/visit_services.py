"""Workflows of the visit log: log a visit, edit it (keeping its history), hand a dispute to mediation.

Each is one transaction: a visit is saved with all its problems and photos, or not at all.
Photos arrive already re-encoded by `parkportal.uploads.clean_image` (the form calls it, so a bad
photo is reported next to its field before anything is written).
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkportal.roles import Role
from parkportal.uploads import CleanImage
from parties.models import Enterprise, Instructor, ProblemState, Visit, VisitPhoto, VisitProblem, VisitRevision

VISIT_FIELDS = ("enterprise", "date", "kind", "people_met", "summary")
PROBLEM_FIELDS = ("description", "is_labour_dispute", "state", "owner")


def max_photos() -> int:
    return settings.PORTAL_RULES["VISIT_MAX_PHOTOS"]


def instructor_of(user) -> Instructor | None:
    if getattr(user, "role", None) != Role.INSTRUCTOR:
        return None
    return Instructor.objects.filter(user=user, park_id=user.park_id).first()


def visit_can_edit(visit: Visit, user, now: datetime | None = None) -> bool:
    """Its author for VISIT_EDIT_DAYS days after logging it; a park administrator of its park always."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.PARK_ADMIN and user.park_id == visit.park_id:
        return True
    if user.role == Role.INSTRUCTOR and visit.author_id == user.pk:
        now = now or timezone.now()
        return now - visit.created_at <= timedelta(days=settings.PORTAL_RULES["VISIT_EDIT_DAYS"])
    return False


def _check_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError({"date": _("A visit cannot be in the future.")})


def _problem_fields(data: dict, found_on: date) -> dict:
    state = data.get("state") or ProblemState.OPEN
    return {
        "description": data["description"].strip(),
        "is_labour_dispute": bool(data.get("is_labour_dispute")),
        "state": state,
        "owner": (data.get("owner") or "").strip(),
        "opened_on": found_on,
    }


def _save_photos(visit: Visit, photos: Sequence[CleanImage]) -> list[VisitPhoto]:
    """Write the files and their rows. Files are not transactional: if anything fails before the commit,
    the files written so far are removed again, so a refused visit leaves nothing on disk."""
    saved: list[VisitPhoto] = []
    written: list = []
    try:
        for photo in photos:
            row = VisitPhoto(visit=visit, width=photo.width, height=photo.height)
            row.image.save(photo.image.name, photo.image, save=False)
            written.append(row.image)
            row.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
            written.append(row.thumbnail)
            row.save()
            saved.append(row)
    except BaseException:
        _delete_files(written)
        raise
    return saved


def _delete_files(files) -> None:
    for field in files:
        try:
            field.storage.delete(field.name)
        except OSError:
            pass


def _delete_photo_files_on_commit(photo: VisitPhoto) -> None:
    files = [photo.image, photo.thumbnail]
    transaction.on_commit(lambda: _delete_files(files))


@transaction.atomic
def visit_create(
    *,
    user,
    enterprise: Enterprise,
    date: date,
    kind: str,
    people_met: str,
    summary: str,
    problems: Sequence[dict] = (),
    photos: Sequence[CleanImage] = (),
    submit_token: uuid.UUID | None = None,
) -> Visit:
    """Log a visit with its problems and photos, all or nothing. Only an instructor logs visits.

    The same `submit_token` (one per form shown) returns the visit it already logged, so a double tap
    or a resubmission logs the visit once, also when both requests arrive together.
    """
    instructor = instructor_of(user)
    if instructor is None:
        raise PermissionDenied
    if not Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists():
        raise PermissionDenied
    if len(photos) > max_photos():
        raise ValidationError(_("At most %(n)d photos per visit.") % {"n": max_photos()})
    _check_date(date)
    if submit_token is not None:
        logged = Visit.objects.filter(submit_token=submit_token, author=user).first()
        if logged is not None:
            return logged
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                park_id=user.park_id,
                enterprise=enterprise,
                instructor=instructor,
                author=user,
                date=date,
                kind=kind,
                people_met=people_met.strip(),
                summary=summary.strip(),
                submit_token=submit_token,
            )
    except IntegrityError:
        # The twin request committed first (the unique token waited for it): return its visit.
        logged = Visit.objects.filter(submit_token=submit_token, author=user).first()
        if logged is None:
            raise
        return logged
    rows = []
    for data in problems:
        fields = _problem_fields(data, date)
        if fields["state"] == ProblemState.SOLVED:
            fields["solved_on"] = date
        rows.append(VisitProblem(visit=visit, **fields))
    VisitProblem.objects.bulk_create(rows)
    _save_photos(visit, photos)
    return visit


def _raw(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "_meta"):
        return str(value)
    return str(value)


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    user,
    changes: dict,
    problems: Sequence[dict] = (),
    new_photos: Sequence[CleanImage] = (),
    remove_photo_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> VisitRevision | None:
    """Apply an edit and keep a field-level record of it; returns the revision (None if nothing changed).

    `changes` holds VISIT_FIELDS values; `problems` is a list of dicts with "id" (None for a new problem),
    "delete" and the PROBLEM_FIELDS. The visit row is locked so two edits cannot interleave.
    """
    visit = Visit.objects.select_for_update().select_related("enterprise").get(pk=visit.pk)
    if not visit_can_edit(visit, user, now):
        raise PermissionDenied
    diff: list[dict] = []

    if "enterprise" in changes and changes["enterprise"].pk != visit.enterprise_id:
        enterprise = changes["enterprise"]
        allowed = Enterprise.objects.filter(park_id=visit.park_id)
        if user.role == Role.INSTRUCTOR:
            allowed = Enterprise.objects.visible_to(user)
        if not allowed.filter(pk=enterprise.pk).exists():
            raise PermissionDenied
    if "date" in changes:
        _check_date(changes["date"])
    for field in VISIT_FIELDS:
        if field not in changes:
            continue
        new = changes[field]
        if isinstance(new, str):
            new = new.strip()
        old = getattr(visit, field)
        if (old.pk if field == "enterprise" else old) != (new.pk if field == "enterprise" else new):
            diff.append({"field": field, "old": _raw(old), "new": _raw(new)})
            setattr(visit, field, new)

    existing = {p.pk: p for p in visit.problems.select_for_update()}
    today = timezone.localdate()
    for data in problems:
        pk = data.get("id")
        problem = existing.get(pk) if pk else None
        if pk and problem is None:
            continue  # not a problem of this visit: ignore rather than touch another visit's row
        if problem is not None and data.get("delete"):
            if problem.handed_over:
                raise ValidationError(_("A problem handed to mediation cannot be removed."))
            diff.append({"field": "problem_removed", "item": problem.description, "old": problem.description})
            problem.delete()
            continue
        if problem is None:
            if data.get("delete") or not (data.get("description") or "").strip():
                continue
            fields = _problem_fields(data, visit.date)
            if fields["state"] == ProblemState.SOLVED:
                fields["solved_on"] = max(today, visit.date)
            VisitProblem.objects.create(visit=visit, **fields)
            diff.append({"field": "problem_added", "item": fields["description"], "new": fields["description"]})
            continue
        fields = _problem_fields(data, problem.opened_on)
        for field in PROBLEM_FIELDS:
            if getattr(problem, field) != fields[field]:
                diff.append(
                    {
                        "field": f"problem_{field}",
                        "item": problem.description,
                        "old": _raw(getattr(problem, field)),
                        "new": _raw(fields[field]),
                    }
                )
                setattr(problem, field, fields[field])
        if problem.state == ProblemState.SOLVED and problem.solved_on is None:
            problem.solved_on = max(today, problem.opened_on)
        elif problem.state != ProblemState.SOLVED:
            problem.solved_on = None
        problem.save()

    if any(c["field"] == "date" for c in diff):
        # Problems were found on the day of the visit.
        for problem in visit.problems.all():
            problem.opened_on = visit.date
            if problem.solved_on and problem.solved_on < visit.date:
                problem.solved_on = visit.date
            problem.save(update_fields=["opened_on", "solved_on"])

    if remove_photo_ids:
        for photo in visit.photos.filter(pk__in=list(remove_photo_ids)):
            diff.append({"field": "photo_removed", "old": photo.image.name.rsplit("/", 1)[-1]})
            _delete_photo_files_on_commit(photo)
            photo.delete()
    if new_photos:
        if visit.photos.count() + len(new_photos) > max_photos():
            raise ValidationError(_("At most %(n)d photos per visit.") % {"n": max_photos()})
        for photo in _save_photos(visit, new_photos):
            diff.append({"field": "photo_added", "new": photo.image.name.rsplit("/", 1)[-1]})

    if not diff:
        return None
    visit.save()
    return VisitRevision.objects.create(visit=visit, user=user, changes=diff)


def problem_can_follow_up(problem: VisitProblem, user) -> bool:
    """The follow-up outlives the 7-day edit window: the visit's instructor, a secretary who sees it, or a park
    administrator may record it at any time (the caller has already checked the problem is visible)."""
    if user.role in (Role.PARK_ADMIN, Role.SECRETARY):
        return True
    return user.role == Role.INSTRUCTOR and problem.visit.instructor.user_id == user.pk


@transaction.atomic
def problem_follow_up(*, problem: VisitProblem, user, state: str, owner: str) -> VisitRevision | None:
    """Record a problem's new follow-up state and owner; the change goes into the visit's history."""
    locked = VisitProblem.objects.select_for_update().select_related("visit__instructor").get(pk=problem.pk)
    if not problem_can_follow_up(locked, user):
        raise PermissionDenied
    if state not in ProblemState.values:
        raise ValidationError({"state": _("Choose a follow-up state.")})
    owner = owner.strip()
    diff = []
    for field, new in (("state", state), ("owner", owner)):
        old = getattr(locked, field)
        if old != new:
            diff.append({"field": f"problem_{field}", "item": locked.description, "old": old, "new": new})
            setattr(locked, field, new)
    if not diff:
        return None
    if locked.state == ProblemState.SOLVED and locked.solved_on is None:
        locked.solved_on = max(timezone.localdate(), locked.opened_on)
    elif locked.state != ProblemState.SOLVED:
        locked.solved_on = None
    locked.save()
    return VisitRevision.objects.create(visit=locked.visit, user=user, changes=diff)


# --- Handing a labour dispute to mediation -------------------------------------------------------------------
def mediation_intake() -> Callable | None:
    """`mediation.services.case_intake_from_visit(*, problem, user)` if the mediation app provides it."""
    try:
        module = importlib.import_module("mediation.services")
    except ModuleNotFoundError as exc:
        if exc.name in ("mediation", "mediation.services"):
            return None
        raise
    intake = getattr(module, "case_intake_from_visit", None)
    return intake if callable(intake) else None


def problem_can_hand_over(problem: VisitProblem, user) -> bool:
    """A labour dispute not yet handed over, by the park's staff or the visit's instructor, if mediation exists."""
    if not problem.is_labour_dispute or problem.handed_over or problem.state == ProblemState.SOLVED:
        return False
    if user.role not in (Role.PARK_ADMIN, Role.SECRETARY, Role.INSTRUCTOR):
        return False
    return mediation_intake() is not None


@transaction.atomic
def problem_hand_to_mediation(*, problem: VisitProblem, user) -> VisitProblem:
    """Open a mediation case from a problem, once: a second call returns the problem as it is."""
    intake = mediation_intake()
    if intake is None:
        raise ValidationError(_("Mediation is not available yet."))
    locked = VisitProblem.objects.select_for_update().select_related("visit").get(pk=problem.pk)
    if locked.handed_over:
        return locked
    if not locked.is_labour_dispute:
        raise ValidationError(_("Only a labour dispute can be handed to mediation."))
    case = intake(problem=locked, user=user)
    locked.mediation_case_id = getattr(case, "pk", case)
    locked.handed_at = timezone.now()
    locked.handed_by = user
    if locked.state == ProblemState.OPEN:
        locked.state = ProblemState.IN_HAND
    locked.save()
    return locked
