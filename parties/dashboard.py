from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parkportal.registry import Card, NavItem, register_cards, register_nav
from parkportal.roles import Role
from parties.models import Enterprise, Instructor, Member, Organisation
from parties.querysets import coverage_summary

OFFICE = (Role.PARK_ADMIN, Role.SECRETARY)

register_nav(
    NavItem(_("Organisation tree"), "parties:tree", OFFICE, order=10),
)


@register_cards
def party_cards(user) -> list[Card]:
    if user.role not in OFFICE:
        return []
    # Queries: organisations per tier (1), coverage aggregate (1), member aggregate (1), instructors (1).
    cards: list[Card] = []
    tiers = (
        Organisation.objects.visible_to(user)
        .values("depth", "tier_name")
        .annotate(n=Count("pk"))
        .order_by("depth", "tier_name")
    )
    tree_url = reverse("parties:tree")
    for row in tiers:
        cards.append(
            Card(
                title=row["tier_name"] or _("Tier %(n)d") % {"n": row["depth"] + 1},
                value=row["n"],
                url=tree_url,
                group="org",
            )
        )
    coverage = coverage_summary(Enterprise.objects.visible_to(user))
    rate = coverage["rate"]
    cards.append(
        Card(
            title=_("Coverage rate (应建必建率)"),
            value=f"{rate:.1f}%" if rate is not None else "—",
            note=_("%(built)d of %(must)d enterprises") % coverage,
            tone="" if rate is None or rate >= 100 else "warn",
        )
    )
    # COUNT(*), not COUNT(id): with an index on (park, is_floating) this is an index-only scan.
    members = Member.objects.visible_to(user).aggregate(
        total=Count("*"), floating=Count("is_floating", filter=Q(is_floating=True))
    )
    cards.append(Card(title=_("Party members"), value=members["total"]))
    cards.append(Card(title=_("Floating members"), value=members["floating"]))
    cards.append(Card(title=_("Instructors"), value=Instructor.objects.visible_to(user).filter(active=True).count()))
    return cards
