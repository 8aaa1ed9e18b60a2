"""党建指导员走访记录: the instructors' visit logs, their problems, photos and edit history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkportal.models import Park
from parties.models.organisation import Enterprise, Instructor
from parties.visit_querysets import (
    VisitPhotoQuerySet,
    VisitProblemQuerySet,
    VisitQuerySet,
    VisitRevisionQuerySet,
)


class VisitKind(models.TextChoices):
    ORGANISATIONAL_LIFE = "org_life", _("Organisational-life guidance")  # 组织生活指导
    POLICY = "policy", _("Policy briefing")  # 政策宣讲
    PROBLEM_SOLVING = "problem", _("Problem solving")  # 解决问题
    DISPUTE_WARNING = "dispute", _("Dispute early warning")  # 矛盾纠纷预警
    MEMBER_DEVELOPMENT = "members", _("Member development")  # 党员发展
    OTHER = "other", _("Other")


class ProblemState(models.TextChoices):
    OPEN = "open", _("Open")  # 待处理
    IN_HAND = "in_hand", _("In hand")  # 处理中
    SOLVED = "solved", _("Solved")  # 已解决


class Visit(models.Model):
    """走访记录: one instructor's visit to one enterprise on one day."""

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="visits", verbose_name=_("park"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="visits", verbose_name=_("enterprise")
    )
    instructor = models.ForeignKey(
        Instructor, on_delete=models.PROTECT, related_name="visits", verbose_name=_("instructor")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    date = models.DateField(_("date of visit"))
    kind = models.CharField(_("kind of visit"), max_length=20, choices=VisitKind.choices)
    people_met = models.CharField(_("people met"), max_length=200)
    summary = models.TextField(_("what was done"), max_length=4000)
    created_at = models.DateTimeField(_("logged at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # One per form shown: a double tap or a resubmission on a slow connection logs the visit once.
    submit_token = models.UUIDField(null=True, blank=True, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="visit_kind_valid"),
            models.CheckConstraint(condition=~Q(summary=""), name="visit_summary_not_empty"),
            models.CheckConstraint(condition=~Q(people_met=""), name="visit_people_met_not_empty"),
            models.UniqueConstraint(fields=["submit_token"], name="visit_submit_once"),
        ]
        indexes = [
            models.Index(fields=["park", "-date", "-id"], name="visit_park_date"),
            models.Index(fields=["enterprise", "-date"], name="visit_enterprise_date"),
            models.Index(fields=["instructor", "-date"], name="visit_instructor_date"),
            # A park's visits by id, from the index alone: the open problems count (home dashboard) probes it once
            # per open problem instead of hashing every visit of the park (see visitproblem_open_idx).
            models.Index(fields=["park", "id"], name="visit_park_id"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.enterprise}"


class VisitProblem(models.Model):
    """走访发现的问题: a problem found at a visit and its follow-up (open → in hand → solved)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="problems", verbose_name=_("visit"))
    description = models.CharField(_("problem"), max_length=500)
    is_labour_dispute = models.BooleanField(_("labour dispute"), default=False)
    state = models.CharField(_("follow-up"), max_length=10, choices=ProblemState.choices, default=ProblemState.OPEN)
    owner = models.CharField(_("owner"), max_length=60, blank=True, help_text=_("Who follows it up."))
    opened_on = models.DateField(_("found on"))
    solved_on = models.DateField(_("solved on"), null=True, blank=True)
    mediation_case_id = models.PositiveIntegerField(_("mediation case"), null=True, blank=True)
    handed_at = models.DateTimeField(_("handed to mediation at"), null=True, blank=True)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )

    objects = VisitProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem found")
        verbose_name_plural = _("problems found")
        ordering = ["opened_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ProblemState.values), name="visitproblem_state_valid"),
            models.CheckConstraint(condition=~Q(description=""), name="visitproblem_description_not_empty"),
            models.CheckConstraint(
                condition=Q(state=ProblemState.SOLVED, solved_on__isnull=False)
                | (~Q(state=ProblemState.SOLVED) & Q(solved_on__isnull=True)),
                name="visitproblem_solved_has_date",
            ),
            models.CheckConstraint(
                condition=Q(solved_on__isnull=True) | Q(solved_on__gte=models.F("opened_on")),
                name="visitproblem_solved_after_found",
            ),
            models.CheckConstraint(
                condition=Q(mediation_case_id__isnull=True, handed_at__isnull=True)
                | Q(mediation_case_id__isnull=False, handed_at__isnull=False, is_labour_dispute=True),
                name="visitproblem_handover_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "opened_on"], name="visitproblem_state_opened"),
            # The open problems (≈1/7 of them) by visit: with visit_park_id the dashboard's count of a park's open
            # problems is a nested loop of index-only scans (1,080 probes, ≈1 ms) instead of a hash join over the
            # park's 30,000 visits (≈6-8 ms).
            models.Index(fields=["visit"], condition=~Q(state="solved"), name="visitproblem_open_idx"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def handed_over(self) -> bool:
        return self.mediation_case_id is not None


def _photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit.date:%Y/%m}/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    """走访照片: re-encoded by parkportal.uploads.clean_image (no EXIF/GPS), with a thumbnail."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("visit"))
    image = models.FileField(_("photo"), upload_to=_photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_photo_path, max_length=200)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(width__gt=0, height__gt=0), name="visitphoto_has_size"),
        ]

    def __str__(self) -> str:
        return self.image.name


class VisitRevision(models.Model):
    """修改记录: who changed a visit, when, and each field's old and new value."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("visit"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True)
    #: [{"field": "summary", "label": "what was done", "old": "...", "new": "..."}, ...]
    changes = models.JSONField(_("changes"), default=list)

    objects = VisitRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit revision")
        verbose_name_plural = _("visit revisions")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.visit_id} @ {self.at:%Y-%m-%d %H:%M}"
