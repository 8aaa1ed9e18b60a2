"""Labour-dispute mediation (劳动争议调解): bodies, cases, sessions, agreements, performance, history.

Legal frame: 劳动争议调解仲裁法 (2008) and 人民调解法 (2010); see DOMAIN.md section 5. Nothing in a case
is ever hard-deleted (人民调解法 Art. 27: the body keeps the case file): every relation into a case is
PROTECT, the admin refuses deletion, and there are no delete views.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from mediation.querysets import BodyQuerySet, CaseChildQuerySet, CaseQuerySet
from parkportal.models import Park
from parkportal.validators import validate_mobile


class BodyKind(models.TextChoices):
    ROOM = "room", _("Park mediation room")
    COMMITTEE = "committee", _("Enterprise labour-dispute mediation committee")


class MediationBody(models.Model):
    """调解组织: a park mediation room (商友之家, 书记帮帮团, 红色老娘舅) or an enterprise's 劳动争议调解委员会."""

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="mediation_bodies", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=BodyKind.choices, default=BodyKind.ROOM)
    enterprise = models.ForeignKey(
        "parties.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_committees",
        verbose_name=_("enterprise"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="mediation_bodies",
        verbose_name=_("mediators"),
        limit_choices_to={"role": "mediator"},
    )
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = BodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation body")
        verbose_name_plural = _("mediation bodies")
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["park", "name"], name="mediation_body_name_unique"),
            models.CheckConstraint(
                condition=Q(kind="room", enterprise__isnull=True) | Q(kind="committee", enterprise__isnull=False),
                name="mediation_body_committee_has_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_MEDIATION = "in_mediation", _("In mediation")
    AGREEMENT = "agreement", _("Agreement reached")
    NO_AGREEMENT = "no_agreement", _("No agreement")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The states in which the 15-day clock runs (no agreement yet, not ended).
CLOCK_STATES = (Status.RECEIVED, Status.ACCEPTED, Status.IN_MEDIATION)
#: States after which nothing moves.
FINAL_STATES = (Status.DECLINED, Status.CLOSED, Status.WITHDRAWN)


class Outcome(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement reached")
    NO_AGREEMENT = "no_agreement", _("No agreement")


class Intake(models.TextChoices):
    WRITTEN = "written", _("Written application")
    ORAL = "oral", _("Oral application")


class DisputeType(models.TextChoices):
    WAGES = "wages", _("Unpaid wages")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
    WORK_INJURY = "work_injury", _("Work injury")
    DISMISSAL = "dismissal", _("Dismissal and compensation")
    COMMERCIAL = "commercial", _("Commercial dispute")
    OTHER = "other", _("Other")


#: Disputes for which an unperformed agreement supports a court payment order (劳动争议调解仲裁法 Art. 16).
PAYMENT_ORDER_TYPES = (DisputeType.WAGES, DisputeType.WORK_INJURY, DisputeType.DISMISSAL)


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Hotline")
    VISIT = "visit", _("Instructor's visit")
    REFERRAL = "referral", _("Referral")


class Case(models.Model):
    """调解案件: one application for mediation, from receipt to closure; the 15-day clock runs from receipt."""

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="mediation_cases", verbose_name=_("park"))
    body = models.ForeignKey(
        MediationBody, on_delete=models.PROTECT, related_name="cases", verbose_name=_("mediation body")
    )
    intake = models.CharField(_("application"), max_length=10, choices=Intake.choices, default=Intake.WRITTEN)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    received_on = models.DateField(_("received on"), default=timezone.localdate, db_index=True)
    matter = models.CharField(_("matter"), max_length=200)
    reasons = models.TextField(_("reasons"), blank=True)
    respondent_enterprise = models.ForeignKey(
        "parties.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_cases",
        verbose_name=_("respondent (registered enterprise)"),
    )
    respondent_name = models.CharField(_("respondent (name)"), max_length=120, blank=True)
    respondent_contact = models.CharField(_("respondent's contact"), max_length=120, blank=True)
    dispute_type = models.CharField(_("dispute type"), max_length=20, choices=DisputeType.choices)
    amount_claimed = models.DecimalField(
        _("amount claimed (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    facts = models.TextField(_("facts"))
    requests = models.TextField(_("requests"))
    source = models.CharField(_("how it came"), max_length=20, choices=Source.choices, default=Source.WALK_IN)
    harm_known_on = models.DateField(_("worker knew of the harm on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    referral = models.CharField(_("referred to"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    concluded_on = models.DateField(_("mediation concluded on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    days_to_close = models.PositiveIntegerField(_("days to close"), null=True, blank=True)
    left_park = models.BooleanField(
        _("left the park"), default=False, help_text=_("Declined and referred, or ended without agreement.")
    )
    submit_token = models.UUIDField(default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["submit_token"], name="mediation_case_submit_once"),
            models.CheckConstraint(
                condition=Q(respondent_enterprise__isnull=False) | ~Q(respondent_name=""),
                name="mediation_case_has_respondent",
            ),
            models.CheckConstraint(
                condition=Q(amount_claimed__isnull=True) | Q(amount_claimed__gte=0),
                name="mediation_case_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(intake="oral") | ~Q(reasons=""), name="mediation_case_oral_has_reasons"
            ),
        ]
        indexes = [models.Index(fields=["park", "status", "received_on"])]

    def __str__(self) -> str:
        return f"{self.number} {self.matter}"

    @property
    def number(self) -> str:
        return f"{self.received_on:%Y}-{self.pk:05d}" if self.pk else ""

    @property
    def respondent(self) -> str:
        if self.respondent_enterprise_id:
            return self.respondent_enterprise.name
        return self.respondent_name

    # --- the 15-day clock (劳动争议调解仲裁法 Art. 14)
    @property
    def deadline(self) -> date:
        return self.received_on + timedelta(days=settings.PORTAL_RULES["MEDIATION_DAYS"])

    @property
    def clock_running(self) -> bool:
        return self.status in CLOCK_STATES

    @property
    def days_left(self) -> int | None:
        """Days until the deadline (0 on its last day, negative after); None once the clock has stopped."""
        return clock_days_left(self.status, self.received_on)

    @property
    def clock_badge(self) -> tuple[str, str]:
        """(CSS class, text) of the clock's badge; see `clock_badge`."""
        return clock_badge(self.days_left, self.get_status_display())

    @property
    def overdue(self) -> bool:
        left = self.days_left
        return left is not None and left < 0

    @property
    def days_over(self) -> int:
        left = self.days_left
        return -left if left is not None and left < 0 else 0

    @property
    def may_arbitrate(self) -> bool:
        """Either party may now apply for arbitration: the clock ran out without agreement, or none was reached."""
        return self.overdue or self.outcome == Outcome.NO_AGREEMENT

    # --- the limitation period for arbitration (Art. 27)
    @property
    def limitation_ends(self) -> date | None:
        if not self.harm_known_on:
            return None
        return self.harm_known_on + timedelta(days=settings.PORTAL_RULES["ARBITRATION_LIMITATION_DAYS"])

    @property
    def limitation_state(self) -> str:
        """ "passed", "near" or "" (measured today)."""
        return limitation_state(self.harm_known_on)


def clock_days_left(status: str, received_on: date, today: date | None = None) -> int | None:
    """`Case.days_left` from the two columns it needs: lists compute it from a row of values, with `today`
    read once per page instead of once per row."""
    if status not in CLOCK_STATES:
        return None
    today = today or timezone.localdate()
    return (received_on - today).days + settings.PORTAL_RULES["MEDIATION_DAYS"]


def clock_badge(days_left: int | None, status_label: str) -> tuple[str, str]:
    """(CSS class, text) of the 15-day clock's badge: the status once the clock has stopped, days over in red,
    the last day and the last 3 days in amber, else days left in green. One function for the list and the case
    page; the list calls it for 50 rows, which as a template include cost more than the rest of the row."""
    if days_left is None:
        return "badge", status_label
    if days_left < 0:
        over = -days_left
        return "badge badge-alert clock-overdue", ngettext("%(days)s day over", "%(days)s days over", over) % {
            "days": over
        }
    if days_left == 0:
        return "badge badge-warn", gettext("Last day")
    text = ngettext("%(days)s day left", "%(days)s days left", days_left) % {"days": days_left}
    return ("badge badge-warn" if days_left <= 3 else "badge badge-ok"), text


def limitation_state(harm_known_on: date | None, today: date | None = None) -> str:
    if not harm_known_on:
        return ""
    today = today or timezone.localdate()
    ends = harm_known_on + timedelta(days=settings.PORTAL_RULES["ARBITRATION_LIMITATION_DAYS"])
    if today > ends:
        return "passed"
    if (ends - today).days <= settings.PORTAL_RULES["LIMITATION_WARN_DAYS"]:
        return "near"
    return ""


class Applicant(models.Model):
    """申请人: a worker who applied; the ID number is optional and lists show only its last four characters."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="applicants", verbose_name=_("case"))
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[validate_mobile])
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """调解记录: one mediation session (date, place, who was present, minutes)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("case"))
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120)
    present = models.TextField(_("people present"))
    minutes = models.TextField(_("minutes"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_on}"


class Agreement(models.Model):
    """调解协议书: the agreement; takes effect when both parties sign or seal it, the mediator signs and the
    body's seal is applied (人民调解法 Art. 29)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="agreement", verbose_name=_("case"))
    facts_in_dispute = models.TextField(_("main facts and matters in dispute"))
    terms = models.TextField(_("what was agreed"))
    performance = models.TextField(_("how it is performed"))
    perform_by = models.DateField(_("to be performed by"))
    amount = models.DecimalField(
        _("amount agreed (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    signed_on = models.DateField(_("signed on"))
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("mediator")
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="mediation_agreement_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.signed_on}"

    @property
    def confirmation_deadline(self) -> date:
        """The last day to seek judicial confirmation together (人民调解法 Art. 33)."""
        return self.signed_on + timedelta(days=settings.PORTAL_RULES["JUDICIAL_CONFIRMATION_DAYS"])


class Instalment(models.Model):
    """履行记录: a payment due under an agreement, and when it was paid."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("agreement")
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="mediation_instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.paid_on or self.due_on}"


def attachment_path(instance, filename: str) -> str:
    return f"mediation/{instance.case.park_id}/{instance.case_id}/{uuid.uuid4().hex}-{filename}"


class Attachment(models.Model):
    """证据材料: an image or PDF filed with a case (checked and re-encoded by parkportal.uploads)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("case"))
    kind = models.CharField(max_length=10, default="image")
    file = models.FileField(_("file"), upload_to=attachment_path)
    thumbnail = models.FileField(upload_to=attachment_path, blank=True)
    name = models.CharField(_("name"), max_length=120)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened the case")
    CREATED = "created", _("Received the application")
    TRANSITION = "transition", _("Changed the status")
    SESSION = "session", _("Recorded a session")
    AGREEMENT = "agreement", _("Recorded the agreement")
    INSTALMENT = "instalment", _("Recorded a payment")
    ATTACHMENT = "attachment", _("Added an attachment")
    PRINTED = "printed", _("Printed")


class CaseEvent(models.Model):
    """案件日志: who did what to a case and when, including every opening of it. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
