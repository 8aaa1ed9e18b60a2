"""Every workflow of a mediation case, in one place.

The lifecycle is enforced here and only here: `case_transition` locks the case row
(select_for_update), checks the version the user saw (so two mediators moving the same
case at once cannot both win: the second is told), checks that the move is allowed from
the current status, applies it, bumps the version and writes a CaseEvent. The specific
services (`case_accept`, `case_decline`, `session_add`, `agreement_record`, `case_close`,
`case_withdraw`, ...) go through it. Nothing is ever deleted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.models import (
    Agreement,
    Applicant,
    Attachment,
    BodyKind,
    Case,
    CaseEvent,
    EventKind,
    Instalment,
    Intake,
    MediationBody,
    Outcome,
    Session,
    Source,
    Status,
)
from parkportal.audit import log_access

#: The only moves a case can make. Withdrawal is possible from every state that has not ended.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN),
    Status.ACCEPTED: (Status.IN_MEDIATION, Status.NO_AGREEMENT, Status.WITHDRAWN),
    Status.IN_MEDIATION: (Status.AGREEMENT, Status.NO_AGREEMENT, Status.WITHDRAWN),
    Status.AGREEMENT: (Status.CLOSED, Status.WITHDRAWN),
    Status.NO_AGREEMENT: (Status.CLOSED, Status.WITHDRAWN),
    Status.DECLINED: (),
    Status.CLOSED: (),
    Status.WITHDRAWN: (),
}


class TransitionError(Exception):
    """A move the case cannot make (the message says why, in the user's language)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleCase(TransitionError):
    """Someone else changed the case since the user loaded it."""


def allowed_moves(case: Case) -> tuple[str, ...]:
    return TRANSITIONS.get(case.status, ())


def _event(case: Case, user, kind: str, note: str = "", from_status: str = "", to_status: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, user=user, kind=kind, note=note[:2000], from_status=from_status, to_status=to_status
    )


def _lock(case: Case, version: int | None) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and locked.version != int(version):
        raise StaleCase(
            _(
                "Someone else changed this case while you were looking at it (it is now “%(status)s”). "
                "Nothing was saved; look at it again."
            )
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def case_transition(*, case: Case, to: str, user, version: int | None = None, note: str = "", **fields) -> Case:
    """Move `case` to status `to`, or raise TransitionError. Extra `fields` are set on the case."""
    locked = _lock(case, version)
    if to not in Status.values:
        raise TransitionError(_("Unknown status."))
    if to not in TRANSITIONS[locked.status]:
        raise TransitionError(
            _("A case that is “%(from)s” cannot become “%(to)s”.")
            % {"from": locked.get_status_display(), "to": Status(to).label}
        )
    today = timezone.localdate()
    before = locked.status
    locked.status = to
    for name, value in fields.items():
        setattr(locked, name, value)
    if to in (Status.AGREEMENT, Status.NO_AGREEMENT):
        locked.concluded_on = today
        locked.outcome = Outcome.AGREEMENT if to == Status.AGREEMENT else Outcome.NO_AGREEMENT
        locked.left_park = to == Status.NO_AGREEMENT
    if to in (Status.CLOSED, Status.DECLINED, Status.WITHDRAWN):
        locked.closed_on = today
        locked.days_to_close = max((today - locked.received_on).days, 0)
    if to == Status.DECLINED:
        locked.left_park = bool(locked.referral)
    locked.version += 1
    locked.save()
    _event(locked, user, EventKind.TRANSITION, note, before, to)
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def case_accept(*, case: Case, user, version: int | None = None, note: str = "") -> Case:
    return case_transition(case=case, to=Status.ACCEPTED, user=user, version=version, note=note)


def case_decline(*, case: Case, user, reason: str, referral: str = "", version: int | None = None) -> Case:
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Give the reason for declining."))
    note = reason + (f" → {referral}" if referral else "")
    return case_transition(
        case=case,
        to=Status.DECLINED,
        user=user,
        version=version,
        note=note,
        decline_reason=reason,
        referral=(referral or "").strip(),
    )


def case_no_agreement(*, case: Case, user, version: int | None = None, note: str = "") -> Case:
    return case_transition(case=case, to=Status.NO_AGREEMENT, user=user, version=version, note=note)


def case_close(*, case: Case, user, version: int | None = None, note: str = "") -> Case:
    return case_transition(case=case, to=Status.CLOSED, user=user, version=version, note=note)


def case_withdraw(*, case: Case, user, version: int | None = None, note: str = "") -> Case:
    return case_transition(case=case, to=Status.WITHDRAWN, user=user, version=version, note=note)


@transaction.atomic
def session_add(
    *, case: Case, user, held_on: date, place: str, present: str, minutes: str, version: int | None = None
) -> Session:
    """Record a session; the first one moves an accepted case into mediation."""
    locked = _lock(case, version)
    if held_on < locked.received_on:
        raise TransitionError(_("A session cannot be held before the application was received."))
    if locked.status == Status.ACCEPTED:
        locked = case_transition(case=locked, to=Status.IN_MEDIATION, user=user)
    elif locked.status != Status.IN_MEDIATION:
        raise TransitionError(
            _("Sessions can be recorded only for an accepted case in mediation (this one is “%(status)s”).")
            % {"status": locked.get_status_display()}
        )
    else:
        Case.objects.filter(pk=locked.pk).update(version=locked.version + 1)
        locked.version += 1
    session = Session.objects.create(
        case=locked, held_on=held_on, place=place, present=present, minutes=minutes, recorded_by=user
    )
    _event(locked, user, EventKind.SESSION, _("Session on %(date)s at %(place)s") % {"date": held_on, "place": place})
    case.status, case.version = locked.status, locked.version
    return session


@transaction.atomic
def agreement_record(
    *,
    case: Case,
    user,
    facts_in_dispute: str,
    terms: str,
    performance: str,
    perform_by: date,
    amount: Decimal,
    signed_on: date | None = None,
    version: int | None = None,
) -> Agreement:
    """Record the 调解协议书 and move the case to “agreement reached”."""
    if signed_on and signed_on < case.received_on:
        raise TransitionError(_("The agreement cannot be signed before the application was received."))
    locked = case_transition(case=case, to=Status.AGREEMENT, user=user, version=version)
    agreement = Agreement.objects.create(
        case=locked,
        facts_in_dispute=facts_in_dispute,
        terms=terms,
        performance=performance,
        perform_by=perform_by,
        amount=amount or Decimal("0"),
        signed_on=signed_on or timezone.localdate(),
        mediator=user,
    )
    _event(
        locked,
        user,
        EventKind.AGREEMENT,
        _("Agreement: %(amount)s yuan by %(date)s") % {"amount": agreement.amount, "date": perform_by},
    )
    return agreement


@transaction.atomic
def instalment_add(
    *,
    case: Case,
    user,
    amount: Decimal,
    due_on: date | None = None,
    paid_on: date | None = None,
    note: str = "",
    version: int | None = None,
) -> Instalment:
    """Record an instalment. The case version the form was shown with makes a double submit record it once."""
    locked = _lock(case, version)
    try:
        agreement = locked.agreement
    except Agreement.DoesNotExist:
        raise TransitionError(_("Payments can be recorded only under an agreement.")) from None
    if locked.status not in (Status.AGREEMENT, Status.CLOSED):
        raise TransitionError(_("Payments can be recorded only under an agreement."))
    if amount is None or amount <= 0:
        raise TransitionError(_("The amount must be more than zero."))
    if paid_on and paid_on < agreement.signed_on:
        raise TransitionError(_("A payment under the agreement cannot be made before it was signed."))
    instalment = Instalment.objects.create(
        agreement=agreement, amount=amount, due_on=due_on, paid_on=paid_on, note=note, recorded_by=user
    )
    Case.objects.filter(pk=locked.pk).update(version=locked.version + 1)
    case.version = locked.version + 1
    if paid_on:
        text = _("Paid %(amount)s yuan on %(date)s") % {"amount": amount, "date": paid_on}
    else:
        text = _("Instalment of %(amount)s yuan due %(date)s") % {"amount": amount, "date": due_on or "—"}
    _event(locked, user, EventKind.INSTALMENT, text)
    return instalment


@transaction.atomic
def instalment_pay(*, instalment: Instalment, user, paid_on: date) -> Instalment:
    locked = Instalment.objects.select_for_update().select_related("agreement__case").get(pk=instalment.pk)
    if locked.paid_on:
        raise TransitionError(_("This instalment is already recorded as paid."))
    if paid_on < locked.agreement.signed_on:
        raise TransitionError(_("A payment under the agreement cannot be made before it was signed."))
    locked.paid_on = paid_on
    locked.save(update_fields=["paid_on"])
    _event(
        locked.agreement.case,
        user,
        EventKind.INSTALMENT,
        _("Paid %(amount)s yuan on %(date)s") % {"amount": locked.amount, "date": paid_on},
    )
    return locked


def attachment_add(*, case: Case, user, cleaned: tuple, name: str) -> Attachment:
    """`cleaned` is what parkportal.uploads.clean_attachment returned."""
    kind, file, thumbnail = cleaned
    attachment = Attachment(case=case, kind=kind, name=(name or file.name)[:120], uploaded_by=user)
    attachment.file.save(file.name, file, save=False)
    if thumbnail is not None:
        attachment.thumbnail.save(thumbnail.name, thumbnail, save=False)
    attachment.save()
    _event(case, user, EventKind.ATTACHMENT, attachment.name)
    return attachment


@transaction.atomic
def case_intake(
    *,
    park,
    body: MediationBody,
    user,
    fields: dict,
    applicants: list[dict],
    attachments: list[tuple] = (),
    submit_token=None,
) -> tuple[Case, bool]:
    """Receive an application. Returns (case, created); a repeated submission returns the first case."""
    if body.park_id != park.pk:
        raise ValidationError(_("Choose a mediation body of this park."))
    if not applicants:
        raise ValidationError(_("Enter at least one applicant."))
    if submit_token:
        existing = Case.objects.filter(submit_token=submit_token).first()
        if existing:
            return existing, False
    case = Case(park=park, body=body, created_by=user, **fields)
    if submit_token:
        case.submit_token = submit_token
    # The token's uniqueness is left to the database: a check here would race with a twin submission that
    # commits in between, and refuse it with a form error instead of answering with the first case.
    case.full_clean(exclude=["park", "body", "created_by", "submit_token"])
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        if submit_token:
            existing = Case.objects.filter(submit_token=submit_token).first()
            if existing:
                return existing, False
        raise
    for data in applicants:
        applicant = Applicant(case=case, **data)
        applicant.full_clean(exclude=["case"])
        applicant.save()
    how = Intake(case.intake).label
    _event(case, user, EventKind.CREATED, f"{how}: {case.matter}", "", Status.RECEIVED)
    for cleaned, name in attachments:
        attachment_add(case=case, user=user, cleaned=cleaned, name=name)
    return case, True


def default_body(park) -> MediationBody | None:
    """The park's default body: its first park-level room."""
    return MediationBody.objects.filter(park=park, kind=BodyKind.ROOM, active=True).order_by("pk").first()


@transaction.atomic
def case_intake_from_visit(*, problem, user) -> Case:
    """A case from a problem an instructor found on a visit (`problem.description`, `problem.visit.enterprise`,
    `problem.visit.date`): received, source “instructor's visit”, in the park's first room."""
    enterprise = problem.visit.enterprise
    park = enterprise.park
    body = default_body(park)
    if body is None:
        raise ValidationError(_("The park has no mediation room to receive the case."))
    description = (problem.description or "").strip() or _("Problem found on a visit")
    visit_date = problem.visit.date
    case, _created = case_intake(
        park=park,
        body=body,
        user=user,
        fields={
            "intake": Intake.WRITTEN,
            "matter": description[:200],
            "facts": description,
            "requests": _("Found on the instructor's visit of %(date)s; to be clarified with the workers.")
            % {"date": visit_date},
            "respondent_enterprise": enterprise,
            "dispute_type": "other",
            "source": Source.VISIT,
        },
        applicants=[{"name": _("(to be identified)")}],
    )
    return case


@transaction.atomic
def case_open(*, case: Case, user) -> None:
    """Record that `user` opened the case (its parties' personal details): the case's history and the access
    log, both or neither, in one commit (one WAL flush per opening instead of two; the case page's largest cost
    after its template on a busy disk)."""
    _event(case, user, EventKind.OPENED)
    log_access(user, case)


@transaction.atomic
def case_printed(*, case: Case, user, what: str) -> None:
    _event(case, user, EventKind.PRINTED, what)
