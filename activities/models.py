"""Outreach events (活动): kinds as data, events, registrations with a waiting list, outcomes.

Capacity is enforced in one place, `activities.services`, under a row lock on the event (a shared one for
an event without a limit); the database backs it with constraints (one registration per person and event,
one person per waiting position).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.querysets import EventKindQuerySet, EventQuerySet, OutcomeQuerySet, RegistrationQuerySet
from parkportal.models import Park


def new_ticket_code() -> str:
    return secrets.token_urlsafe(9)


class EventKind(models.Model):
    """活动类型: clinic, legal salon, 卡友大讲堂 lecture, … Each kind lists its outcome figures.

    `figures` is a list of {"key": "...", "label": "..."}: the counts recorded after an event of this kind.
    """

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="event_kinds", verbose_name=_("park"))
    slug = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    figures = models.JSONField(_("outcome figures"), default=list, blank=True)
    asks_child_age = models.BooleanField(_("asks the age of family members"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = EventKindQuerySet.as_manager()

    class Meta:
        verbose_name = _("event kind")
        verbose_name_plural = _("event kinds")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["park", "slug"], name="eventkind_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def figure_list(self) -> list[tuple[str, str]]:
        out = []
        for item in self.figures or []:
            if isinstance(item, dict) and item.get("key"):
                out.append((str(item["key"]), str(item.get("label") or item["key"])))
        return out


class Audience(models.TextChoices):
    DRIVERS = "drivers", _("Drivers")
    STAFF = "staff", _("Enterprise staff")
    MEMBERS = "members", _("Party members")
    EVERYONE = "everyone", _("Everyone")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class Event(models.Model):
    """活动: an outreach event drivers and enterprise staff register for."""

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="events", verbose_name=_("park"))
    kind = models.ForeignKey(EventKind, on_delete=models.PROTECT, related_name="events", verbose_name=_("kind"))
    title = models.CharField(_("title"), max_length=120)
    organiser = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, related_name="events", verbose_name=_("organiser")
    )
    partners = models.CharField(_("partners"), max_length=200, blank=True)
    site = models.ForeignKey(
        "drivers_home.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("venue (site)"),
    )
    venue_text = models.CharField(_("venue"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True, help_text=_("Leave empty for no limit."))
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    allow_family = models.BooleanField(_("family members may be registered"), default=False)
    description = models.TextField(_("description"), blank=True)
    cover = models.ImageField(_("cover photo"), upload_to="events/covers/%Y/%m/", blank=True)
    cover_thumb = models.ImageField(upload_to="events/covers/%Y/%m/", blank=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # The create form carries a one-time token: a double submission finds the first event, not a second one.
    submit_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["park", "status", "starts_at"]),
            # The event list's "upcoming" (ends_at >= now): its pager's COUNT is an index-only range of the
            # few hundred upcoming events instead of a scan of all 5,000 (1.0 -> 0.1 ms on the large park).
            models.Index(fields=["park", "status", "ends_at"], name="event_upcoming"),
        ]
        constraints = [
            # The target of the registrations' (event, park) foreign key (PostgreSQL; migration 0005).
            models.UniqueConstraint(fields=["id", "park"], name="event_id_park"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(capacity__gte=1), name="event_capacity_1"),
            models.CheckConstraint(
                condition=Q(registration_opens__isnull=True)
                | Q(registration_closes__isnull=True)
                | Q(registration_closes__gt=models.F("registration_opens")),
                name="event_window_order",
            ),
            models.CheckConstraint(
                condition=Q(registration_closes__isnull=True) | Q(registration_closes__lte=models.F("ends_at")),
                name="event_window_before_end",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def venue(self) -> str:
        if self.site_id:
            return str(self.site) + (f" · {self.venue_text}" if self.venue_text else "")
        return self.venue_text

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @property
    def has_started(self) -> bool:
        return timezone.now() >= self.starts_at

    def registration_state(self, now=None) -> str:
        """ "open", "not_yet", "closed", "cancelled" or "draft"."""
        now = now or timezone.now()
        if self.status == EventStatus.CANCELLED:
            return "cancelled"
        if self.status != EventStatus.PUBLISHED:
            return "draft"
        if self.registration_opens and now < self.registration_opens:
            return "not_yet"
        closes = self.registration_closes or self.starts_at
        if now >= closes or now >= self.starts_at:
            return "closed"
        return "open"

    def places_left(self) -> int | None:
        """Uses `taken` (EventQuerySet.with_places, attach_taken) or counts it with one query, once; an event
        without a limit needs no count."""
        if self.capacity is None:
            return None
        taken = getattr(self, "taken", None)
        if taken is None:
            taken = self.taken = (
                self.registrations.filter(status__in=Registration.HOLDING)
                .order_by()
                .aggregate(n=models.Sum("places"))["n"]
                or 0
            )
        return max(self.capacity - taken, 0)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("Waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")


class Registration(models.Model):
    """报名: one person's registration for an event, with their family members; holds `places` places."""

    HOLDING = (RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED)

    # (Indexed as the first column of the (event, status) index.)
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event"), db_index=False
    )
    # The event's park, copied so that a park's registrations are one index range (the dashboard's month
    # figure) instead of a join with every event of the park. Filled from the event by save() and bulk_create;
    # on PostgreSQL a foreign key (event, park) -> event (id, park) refuses any other value and follows an
    # event moved to another park (migration 0005). That key implies this one, so this one has no constraint
    # of its own: its check would lock the park's single row on every registration (FOR KEY SHARE).
    park = models.ForeignKey(
        Park,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        db_index=False,
        db_constraint=False,
        verbose_name=_("park"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_registrations",
        verbose_name=_("person"),
    )
    name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)
    places = models.PositiveSmallIntegerField(_("places"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.CONFIRMED
    )
    position = models.PositiveIntegerField(_("waiting-list position"), null=True, blank=True)
    # Unique by a constraint in Meta, not unique=True: that adds a second, pattern-matching index on PostgreSQL
    # (for LIKE), and a ticket is only ever looked up by its whole code.
    ticket_code = models.CharField(max_length=20, default=new_ticket_code, editable=False)
    walk_in = models.BooleanField(_("walk-in"), default=False)
    created = models.DateTimeField(_("registered"), default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Who cancelled: the person themself, or an organiser or the desk on their behalf (the row says which when
    # someone asks "I never cancelled"). Only on a cancelled row: registering again clears it.
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    submit_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "status", "position", "pk"]
        indexes = [
            models.Index(fields=["event", "status"]),
            # The dashboard's "registrations this month" counts a park's date range with its waiting share:
            # one index-only range scan, no join with the park's events (70 ms without an index, 24 ms with one
            # on `created` alone, 12 ms on (created) INCLUDE (event, status) joined to the events, at 33,000 of
            # 250,000 rows). INCLUDE is PostgreSQL only; elsewhere a plain index on (park, created).
            models.Index(fields=["park", "created"], include=["status"], name="registration_park_created"),
            # Who cancelled or checked someone in is read only when a staff account is deleted (SET_NULL): an
            # index of the rows that have one, which a new registration (with neither) does not write to.
            models.Index(
                fields=["cancelled_by"], condition=Q(cancelled_by__isnull=False), name="registration_cancelled_by_idx"
            ),
            models.Index(
                fields=["checked_in_by"],
                condition=Q(checked_in_by__isnull=False),
                name="registration_checked_in_by_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["ticket_code"], name="registration_ticket_code"),
            models.UniqueConstraint(
                fields=["event", "user"], condition=Q(user__isnull=False), name="registration_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["event", "position"], condition=Q(position__isnull=False), name="registration_unique_position"
            ),
            models.CheckConstraint(
                condition=(Q(status="waiting") & Q(position__isnull=False))
                | (~Q(status="waiting") & Q(position__isnull=True)),
                name="registration_waiting_has_position",
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="registration_places_1"),
            models.CheckConstraint(
                condition=~Q(status="attended") | Q(checked_in_at__isnull=False), name="registration_attended_time"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(cancelled_by__isnull=True), name="registration_cancelled_by"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.event}"

    def save(self, *args, **kwargs):
        self.fill_park()
        super().save(*args, **kwargs)

    def fill_park(self) -> None:
        if self.park_id is None and self.event_id is not None:
            self.park_id = self.event.park_id

    @property
    def is_active(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED


class FamilyMember(models.Model):
    """随行家属: a family member registered with a person; each takes a place."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="family", verbose_name=_("registration")
    )
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(_("relation"), max_length=20)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(age__isnull=True) | Q(age__lte=120), name="family_age")]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class Broadcast(models.Model):
    """群发短信: a message an organiser sent to an event's registrants."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="broadcasts", verbose_name=_("event"))
    body = models.CharField(_("message"), max_length=300)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    submit_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("message to registrants")
        verbose_name_plural = _("messages to registrants")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.body[:40]


class Outcome(models.Model):
    """活动成效: the counts of an event after it was held (per its kind's figures), a short report, photos.

    Counts only: individual health readings are never stored.
    """

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="outcome", verbose_name=_("event"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    report = models.TextField(_("short report"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return str(self.event)


class OutcomePhoto(models.Model):
    """活动照片"""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="events/photos/%Y/%m/")
    thumbnail = models.ImageField(upload_to="events/photos/%Y/%m/")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outcome photo")
        verbose_name_plural = _("outcome photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name
