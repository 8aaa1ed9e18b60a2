from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drivers_home.validators import validate_plate
from parkportal.models import Park
from parkportal.scoping import ScopedQuerySet


def new_site_token() -> str:
    return secrets.token_urlsafe(16)


class Service(models.Model):
    """服务项目: what a site offers (rest, showers, charging, books, …). Services are data."""

    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="site_services", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["park", "name"], name="service_unique_name")]

    def __str__(self) -> str:
        return self.name


class SiteQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_secretary(self, user):
        return self.filter(park_id=user.park_id)

    def scope_desk(self, user):
        return self.filter(park_id=user.park_id, desk_staff=user)


class Site(models.Model):
    """卡车司机之家 / 户外劳动者驿站: a drivers' home or an outdoor-worker station of a park."""

    class Kind(models.TextChoices):
        DRIVERS_HOME = "drivers_home", _("Drivers' home")
        OUTDOOR_STATION = "outdoor_station", _("Outdoor-worker station")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="sites", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DRIVERS_HOME)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    facilities = models.TextField(_("facilities"), blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="sites", verbose_name=_("services"))
    # The QR poster's URL carries this token; it is unguessable so a poster cannot be forged.
    token = models.CharField(max_length=32, unique=True, default=new_site_token, editable=False)
    desk_staff = models.ManyToManyField(
        "parkportal.User", blank=True, related_name="desk_sites", verbose_name=_("desk staff")
    )
    active = models.BooleanField(_("active"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["park", "name"], name="site_unique_name")]

    def __str__(self) -> str:
        return self.name


# --- Drivers, check-ins, floating-member requests, and the daily summary -------------------------------------

PRIVACY_NOTICE_VERSION = "2026-11"

PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
    "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
]  # fmt: skip


class VehicleType(models.TextChoices):
    HEAVY_TRUCK = "heavy", _("Heavy truck")
    SEMI_TRAILER = "semi", _("Tractor and semi-trailer")
    MEDIUM_TRUCK = "medium", _("Medium truck")
    LIGHT_TRUCK = "light", _("Light truck or van")
    COURIER = "courier", _("Courier or delivery vehicle")
    OTHER = "other", _("Other")


class ConsentMethod(models.TextChoices):
    SELF = "self", _("Ticked by the driver")
    SPOKEN = "spoken", _("Spoken, noted by desk staff")


class DriverProfileQuerySet(ScopedQuerySet):
    # A driver belongs to no park: park staff see the drivers who checked in at their park's sites.
    park_lookup = None

    def scope_driver(self, user):
        return self.filter(user=user)

    def scope_park_admin(self, user):
        seen = CheckIn.objects.filter(driver_id=models.OuterRef("user_id"), site__park_id=user.park_id)
        return self.filter(models.Exists(seen))


class DriverProfile(models.Model):
    """司机档案: the minimum PIPL allows us to ask of a driver (name, plate, home province, vehicle type)."""

    user = models.OneToOneField(
        "parkportal.User", on_delete=models.CASCADE, related_name="driver_profile", verbose_name=_("account")
    )
    # Blank only for the minimal record desk staff create for a driver without a smartphone.
    name = models.CharField(_("name"), max_length=40, blank=True)
    plate = models.CharField(_("plate number"), max_length=8, blank=True, db_index=True, validators=[validate_plate])
    province = models.CharField(_("home province"), max_length=10, blank=True, choices=[(p, p) for p in PROVINCES])
    vehicle_type = models.CharField(_("vehicle type"), max_length=10, blank=True, choices=VehicleType.choices)
    consent_version = models.CharField(_("privacy notice version"), max_length=20)
    consent_at = models.DateTimeField(_("consent given"))
    consent_method = models.CharField(
        _("consent"), max_length=10, choices=ConsentMethod.choices, default=ConsentMethod.SELF
    )
    consent_noted_by = models.ForeignKey(
        "parkportal.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent noted by"),
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = DriverProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("driver profile")
        verbose_name_plural = _("driver profiles")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(consent_version=""), name="driver_profile_has_consent"),
        ]

    def __str__(self) -> str:
        return self.name or self.plate or str(self.user_id)


class CheckInQuerySet(ScopedQuerySet):
    park_lookup = "site__park"

    def scope_driver(self, user):
        return self.filter(driver=user)

    def scope_desk(self, user):
        return self.filter(site__park_id=user.park_id, site__desk_staff=user)


class CheckIn(models.Model):
    """签到: one visit of a driver to a site. Anonymised (driver emptied) after deletion or retention."""

    class Via(models.TextChoices):
        SELF = "self", _("QR code")
        DESK = "desk", _("At the desk")

    # No index of their own on site and driver: each leads one of the indexes below, which serve every look-up
    # by either. Two fewer indexes to write per check-in (the busiest insert of the portal).
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("site"), db_index=False
    )
    driver = models.ForeignKey(
        "parkportal.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
        verbose_name=_("driver"),
        db_index=False,
    )
    created = models.DateTimeField(_("checked in"), default=timezone.now)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices, default=Via.SELF)
    services = models.ManyToManyField(
        Service, blank=True, through="CheckInService", related_name="checkins", verbose_name=_("services used")
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-created", "-pk"]
        indexes = [
            # The window lookup of checkin_create and "my check-ins".
            models.Index(fields=["driver", "site", "created"], name="checkin_driver_site_created"),
            # Per-site periods (desk today, traffic) incl. distinct drivers: index-only scans.
            models.Index(fields=["site", "created", "driver"], name="checkin_site_created_driver"),
            # Retention: the oldest rows first.
            models.Index(fields=["created"], name="checkin_created"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.created:%Y-%m-%d %H:%M}"


class CheckInService(models.Model):
    """签到所用服务: a service a driver ticked after checking in."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE)
    service = models.ForeignKey(Service, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("service used")
        verbose_name_plural = _("services used")
        constraints = [models.UniqueConstraint(fields=["checkin", "service"], name="checkin_service_unique")]

    def __str__(self) -> str:
        return f"{self.checkin_id}: {self.service_id}"


class DailyStatQuerySet(ScopedQuerySet):
    park_lookup = "site__park"

    def scope_desk(self, user):
        return self.filter(site__park_id=user.park_id, site__desk_staff=user)

    def scope_secretary(self, user):
        return self.filter(site__park_id=user.park_id)


class DailyStat(models.Model):
    """每日统计: check-ins per site and day by hour, service, home province and vehicle type.

    Kept in step by the check-in services (and the seed's bulk path), so yearly figures read a few
    thousand summary rows instead of millions of check-ins.
    """

    class Kind(models.TextChoices):
        HOUR = "hour", _("hour")
        SERVICE = "service", _("service")
        PROVINCE = "province", _("home province")
        VEHICLE = "vehicle", _("vehicle type")

    # (Indexed as the first column of dailystat_unique.)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="daily_stats", db_index=False)
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=40)
    count = models.IntegerField(default=0)

    objects = DailyStatQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "kind", "key"], name="dailystat_unique"),
        ]
        indexes = [models.Index(fields=["kind", "day", "site"], name="dailystat_kind_day")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.kind}={self.key}: {self.count}"


class FloatingRequestQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_driver(self, user):
        return self.filter(driver=user)

    def pending(self):
        return self.filter(status=FloatingMemberRequest.Status.PENDING)


class FloatingMemberRequest(models.Model):
    """流动党员登记: a driver says he is a party member; park staff accept him into an organisation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="floating_requests", verbose_name=_("park"))
    driver = models.ForeignKey(
        "parkportal.User", on_delete=models.CASCADE, related_name="floating_requests", verbose_name=_("driver")
    )
    home_organisation = models.CharField(_("home party organisation"), max_length=120)
    certificate = models.CharField(_("floating member certificate (活动证) no."), max_length=40)
    home_contact_phone = models.CharField(_("phone of the home organisation's contact"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(_("sent"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "parkportal.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "parties.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("party organisation"),
    )

    objects = FloatingRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("floating member request")
        verbose_name_plural = _("floating member requests")
        ordering = ["-created", "-pk"]
        constraints = [
            # One open request per driver: a double-submitted form cannot make a second.
            models.UniqueConstraint(
                fields=["driver"], condition=models.Q(status="pending"), name="floating_one_pending_per_driver"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(organisation__isnull=False),
                name="floating_accepted_has_organisation",
            ),
        ]
        indexes = [models.Index(fields=["park", "status", "created"], name="floating_park_status")]

    def __str__(self) -> str:
        return f"{self.home_organisation} ({self.get_status_display()})"


class DriverYear(models.Model):
    """每年到访日: on which days of a year a driver came to a park, one bit per day (m1…m12: bit d−1 = day d).

    200,000 rows a year at the benchmark size instead of 3.65 million check-ins: distinct drivers and
    repeat visitors (came on two or more days) over any period are bit tests on these rows. Kept in
    step by checkin_create; the driver is emptied (the row kept) when he deletes his account or the
    retention period passes.
    """

    # (Indexed as the first column of the unique key and of driveryear_park_year.)
    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="+", db_index=False)
    driver = models.ForeignKey("parkportal.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    year = models.PositiveSmallIntegerField()
    m1 = models.IntegerField(default=0)
    m2 = models.IntegerField(default=0)
    m3 = models.IntegerField(default=0)
    m4 = models.IntegerField(default=0)
    m5 = models.IntegerField(default=0)
    m6 = models.IntegerField(default=0)
    m7 = models.IntegerField(default=0)
    m8 = models.IntegerField(default=0)
    m9 = models.IntegerField(default=0)
    m10 = models.IntegerField(default=0)
    m11 = models.IntegerField(default=0)
    m12 = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("driver's visiting days")
        verbose_name_plural = _("drivers' visiting days")
        constraints = [models.UniqueConstraint(fields=["park", "driver", "year"], name="driveryear_unique")]
        indexes = [models.Index(fields=["park", "year"], name="driveryear_park_year")]

    def __str__(self) -> str:
        return f"{self.park_id} {self.driver_id} {self.year}"


class DriverYearEpoch(models.Model):
    """A counter per park, raised whenever DriverYear rows of DAYS ALREADY OVER change.

    Distinct drivers and repeat visitors over the closed days of a period are cached under this number
    (drivers_home.stats.distinct_and_repeat). Only today's bits change in the ordinary course (a check-in
    is made "now"); what changes past days raises the counter in the same transaction: a driver's account
    deleted (his rows lose the driver, so his years no longer merge), retention emptying whole years, a
    check-in recorded for an earlier day (seed, tests, a commit that crossed midnight), a rebuild. The
    counter lives in the database, not in the cache, so every worker process sees it at once.
    """

    park = models.OneToOneField(Park, on_delete=models.CASCADE, primary_key=True, related_name="+")
    epoch = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("visiting days' version")
        verbose_name_plural = _("visiting days' versions")

    def __str__(self) -> str:
        return f"{self.park_id}: {self.epoch}"
