"""Navigation and dashboard cards of the visit log."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkportal.registry import Card, NavItem, register_cards, register_nav
from parkportal.roles import Role
from parties.models import Enterprise, Visit, VisitProblem
from parties.visit_querysets import overdue_cutoff

OFFICE = (Role.PARK_ADMIN, Role.SECRETARY)

register_nav(
    NavItem(_("My enterprises"), "parties:my_enterprises", (Role.INSTRUCTOR,), order=5),
    NavItem(_("Log a visit"), "parties:visit_new", (Role.INSTRUCTOR,), order=6),
    NavItem(_("Visits"), "parties:visit_list", (Role.PARK_ADMIN, Role.SECRETARY, Role.INSTRUCTOR), order=20),
    NavItem(_("Visits by instructor"), "parties:visit_report", OFFICE, order=21),
    NavItem(_("Open problems"), "parties:visit_problems", OFFICE, order=22),
)


def platforms_visited(enterprises, since) -> dict:
    """Platform enterprises in `enterprises`, and how many had a visit on or after `since` (one query)."""
    visited = Exists(Visit.objects.filter(enterprise=OuterRef("pk"), date__gte=since))
    return enterprises.filter(kind="platform").aggregate(total=Count("pk"), visited=Count("pk", filter=Q(visited)))


@register_cards
def visit_cards(user) -> list[Card]:
    today = timezone.localdate()
    if user.role == Role.INSTRUCTOR:
        # Queries: 1 (my platform enterprises without a visit within the interval).
        recent = Exists(Visit.objects.filter(enterprise=OuterRef("pk"), date__gt=overdue_cutoff(today)))
        overdue = Enterprise.objects.visible_to(user).filter(kind="platform").exclude(recent).count()
        return [
            Card(
                title=_("Enterprises overdue for a visit"),
                value=overdue,
                url=reverse("parties:my_enterprises"),
                tone="warn" if overdue else "",
                group="visits",
            )
        ]
    if user.role not in OFFICE:
        return []
    # Queries: 1 (share of platform enterprises visited this month) + 1 (open problems).
    figures = platforms_visited(Enterprise.objects.visible_to(user), today.replace(day=1))
    share = figures["visited"] / figures["total"] * 100 if figures["total"] else None
    open_count = VisitProblem.objects.visible_to(user).still_open().count()
    return [
        Card(
            title=_("Platform enterprises visited this month"),
            value=f"{share:.0f}%" if share is not None else "—",
            note=_("%(visited)d of %(total)d") % figures,
            url=reverse("parties:visit_report"),
            tone="" if share is None or share >= 50 else "warn",
            group="visits",
        ),
        Card(
            title=_("Open problems from visits"),
            value=open_count,
            url=reverse("parties:visit_problems"),
            tone="warn" if open_count else "",
            group="visits",
        ),
    ]
