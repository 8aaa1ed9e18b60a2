from __future__ import annotations

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from activities.models import Event, Registration
from parkportal.registry import Card, Figures, NavItem, register_cards, register_nav
from parkportal.roles import Role

OFFICE = (Role.PARK_ADMIN, Role.SECRETARY)

register_nav(
    NavItem(_("Events"), "activities:event_list", (Role.DRIVER,), order=20),
    NavItem(_("My registrations"), "activities:mine", (Role.DRIVER,), order=21),
    NavItem(_("Manage events"), "activities:manage", (*OFFICE, Role.DESK), order=40),
    NavItem(_("Event calendar"), "activities:calendar", (*OFFICE, Role.DESK), order=41),
    NavItem(_("Event outcomes"), "activities:report", OFFICE, order=42),
)


@register_cards(reads=(Event, Registration))
def event_cards(user, figures: Figures):
    if user.role not in OFFICE:
        return None
    # Figures: upcoming published events; registrations this month, and how many of them wait.
    now = timezone.now()
    upcoming = figures.aggregate(
        # COUNT(*): an index-only range of (park, status, starts_at); COUNT(id) would read the rows.
        Event.objects.visible_to(user).filter(status="published", starts_at__gte=now),
        n=Count("*"),
        # The count drops when the first of them starts: the cached dashboard expires then.
        next=Min("starts_at"),
    )
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    registrations = figures.aggregate(
        Registration.objects.visible_to(user).filter(created__gte=month_start),
        # COUNT(*) and the status: for a park administrator one index-only range of (park, created) INCLUDE
        # (status), no join with the events (a secretary's subtree still needs the events' organisers).
        total=Count("*"),
        waiting=Count("status", filter=Q(status="waiting")),
    )

    def build() -> list[Card]:
        if upcoming["next"]:
            figures.expire_at(parse_datetime(upcoming["next"]))
        return [
            Card(title=_("Upcoming events"), value=upcoming["n"], url=reverse("activities:manage"), group="events"),
            Card(
                title=_("Registrations this month"),
                value=registrations["total"],
                note=_("%(n)d waiting") % {"n": registrations["waiting"]},
                url=reverse("activities:manage"),
                group="events",
            ),
        ]

    return build
