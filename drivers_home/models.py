from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

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
