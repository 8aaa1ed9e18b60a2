from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drivers_home.models import DailyStat, DriverProfile, FloatingMemberRequest, Site
from parkportal.registry import Card, Figures, NavItem, register_cards, register_nav
from parkportal.roles import Role

register_nav(
    NavItem(_("My page"), "drivers_home:me", (Role.DRIVER,), order=20),
    NavItem(_("Today at my site"), "drivers_home:desk", (Role.DESK,), order=20),
    NavItem(_("Drivers' home traffic"), "drivers_home:traffic", (Role.PARK_ADMIN, Role.SECRETARY), order=30),
    NavItem(_("Drivers' homes"), "drivers_home:site_list", (Role.PARK_ADMIN,), order=31),
    NavItem(_("Floating member requests"), "drivers_home:floating_list", (Role.PARK_ADMIN,), order=32),
)


@register_cards(reads=(DriverProfile, DailyStat, Site, Site.desk_staff.through, FloatingMemberRequest))
def drivers_home_cards(user, figures: Figures):
    today = timezone.localdate()
    if user.role == Role.DRIVER:
        # Figures: whether the driver has filled in his profile.
        profile = figures.aggregate(DriverProfile.objects.filter(user=user), n=Count("pk"))

        def build_driver() -> list[Card]:
            if not profile["n"]:
                return [
                    Card(title=_("Your details"), value=_("Fill in"), url=reverse("drivers_home:profile"), tone="warn")
                ]
            return [Card(title=_("My page"), value="→", url=reverse("drivers_home:me"))]

        return build_driver
    if user.role not in (Role.PARK_ADMIN, Role.SECRETARY, Role.DESK):
        return None
    # Figures: today's check-ins from the daily summary; waiting floating requests (park admin).
    checkins = figures.aggregate(
        DailyStat.objects.visible_to(user).filter(day=today, kind=DailyStat.Kind.HOUR), n=Sum("count")
    )
    waiting = (
        figures.aggregate(FloatingMemberRequest.objects.visible_to(user).pending(), n=Count("pk"))
        if user.role == Role.PARK_ADMIN
        else None
    )

    def build() -> list[Card]:
        url = reverse("drivers_home:desk" if user.role == Role.DESK else "drivers_home:traffic")
        cards = [
            Card(title=_("Drivers' home check-ins today"), value=checkins["n"] or 0, url=url, group="drivers_home")
        ]
        if waiting is not None:
            cards.append(
                Card(
                    title=_("Floating members waiting"),
                    value=waiting["n"],
                    url=reverse("drivers_home:floating_list"),
                    tone="warn" if waiting["n"] else "",
                    group="drivers_home",
                )
            )
        return cards

    return build
