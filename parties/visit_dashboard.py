"""Navigation and dashboard cards of the visit log."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkportal.registry import Card, Figures, NavItem, register_cards, register_nav
from parkportal.roles import Role
from parties.models import Enterprise, Instructor, Organisation, Visit, VisitProblem
from parties.visit_querysets import overdue_cutoff

OFFICE = (Role.PARK_ADMIN, Role.SECRETARY)

register_nav(
    NavItem(_("My enterprises"), "parties:my_enterprises", (Role.INSTRUCTOR,), order=5),
    NavItem(_("Log a visit"), "parties:visit_new", (Role.INSTRUCTOR,), order=6),
    NavItem(_("Visits"), "parties:visit_list", (Role.PARK_ADMIN, Role.SECRETARY, Role.INSTRUCTOR), order=20),
    NavItem(_("Visits by instructor"), "parties:visit_report", OFFICE, order=21),
    NavItem(_("Open problems"), "parties:visit_problems", OFFICE, order=22),
)


def platforms_visited_aggregates(since) -> dict:
    """Over an enterprise queryset: its platform enterprises, and how many had a visit on or after `since`."""
    visited = Exists(Visit.objects.filter(enterprise=OuterRef("pk"), date__gte=since))
    platform = Q(kind="platform")
    return {"total": Count("pk", filter=platform), "visited": Count("pk", filter=platform & Q(visited))}


@register_cards(reads=(Enterprise, Instructor, Visit, VisitProblem, Organisation))
def visit_cards(user, figures: Figures):
    today = timezone.localdate()
    if user.role == Role.INSTRUCTOR:
        # Figures: my platform enterprises without a visit within the interval.
        recent = Exists(Visit.objects.filter(enterprise=OuterRef("pk"), date__gt=overdue_cutoff(today)))
        mine = figures.aggregate(
            Enterprise.objects.visible_to(user).filter(kind="platform").exclude(recent), overdue=Count("pk")
        )

        def build_instructor() -> list[Card]:
            return [
                Card(
                    title=_("Enterprises overdue for a visit"),
                    value=mine["overdue"],
                    url=reverse("parties:my_enterprises"),
                    tone="warn" if mine["overdue"] else "",
                    group="visits",
                )
            ]

        return build_instructor
    if user.role not in OFFICE:
        return None
    # Figures: share of platform enterprises visited this month; open problems.
    visited = figures.aggregate(
        Enterprise.objects.visible_to(user), **platforms_visited_aggregates(today.replace(day=1))
    )
    # COUNT(*), not COUNT(id): visitproblem_open_idx then answers from the index alone.
    problems = figures.aggregate(VisitProblem.objects.visible_to(user).still_open(), open=Count("*"))

    def build() -> list[Card]:
        share = visited["visited"] / visited["total"] * 100 if visited["total"] else None
        return [
            Card(
                title=_("Platform enterprises visited this month"),
                value=f"{share:.0f}%" if share is not None else "—",
                note=_("%(visited)d of %(total)d") % visited,
                url=reverse("parties:visit_report"),
                tone="" if share is None or share >= 50 else "warn",
                group="visits",
            ),
            Card(
                title=_("Open problems from visits"),
                value=problems["open"],
                url=reverse("parties:visit_problems"),
                tone="warn" if problems["open"] else "",
                group="visits",
            ),
        ]

    return build
