from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkportal.registry import Card, Figures, NavItem, register_cards, register_nav
from parkportal.roles import Role
from parties.models import Enterprise, Instructor, Member, Organisation
from parties.querysets import coverage_aggregates, coverage_rate
from parties.rules import add_months

OFFICE = (Role.PARK_ADMIN, Role.SECRETARY)

register_nav(
    NavItem(_("Organisation tree"), "parties:tree", OFFICE, order=10),
    NavItem(_("Enterprises"), "parties:enterprise_list", OFFICE, order=11),
    NavItem(_("Party members"), "parties:member_list", OFFICE, order=12),
    NavItem(_("Coverage"), "parties:coverage", OFFICE, order=13),
    NavItem(_("Reminders"), "parties:reminders", OFFICE, order=14),
)


@register_cards(reads=(Organisation, Enterprise, Member, Instructor))
def party_cards(user, figures: Figures):
    if user.role not in OFFICE:
        return None
    # Queries: organisations per tier with the terms ending (1; rows, so not part of `figures`); the coverage,
    # member and instructor aggregates join the dashboard's one figures query. A secretary's root path is
    # looked up once more (cached on the user).
    long_months = settings.PORTAL_RULES["TERM_REMIND_MONTHS"][0]
    # Terms already ended or ending within the reminder window, counted in the same pass over the organisations.
    ending = Q(term_end__lte=add_months(timezone.localdate(), long_months))
    tiers = list(
        Organisation.objects.visible_to(user)
        .values("depth")
        .annotate(n=Count("pk"), tier_name=Max("tier_name"), ending=Count("pk", filter=ending))
        .order_by("depth")
    )
    coverage = figures.aggregate(Enterprise.objects.visible_to(user), **coverage_aggregates())
    # COUNT(*), not COUNT(id): with an index on (park, is_floating) this is an index-only scan.
    members = figures.aggregate(
        Member.objects.visible_to(user), total=Count("*"), floating=Count("is_floating", filter=Q(is_floating=True))
    )
    instructors = figures.aggregate(
        Instructor.objects.visible_to(user).filter(active=True),
        total=Count("pk"),
        full_time=Count("pk", filter=Q(kind=Instructor.Kind.FULL_TIME)),
    )

    def build() -> list[Card]:
        terms = sum(row["ending"] for row in tiers)
        tree_url = reverse("parties:tree")
        cards = [
            Card(
                title=row["tier_name"] or _("Tier %(n)d") % {"n": row["depth"] + 1},
                value=row["n"],
                url=tree_url,
                group="org",
            )
            for row in tiers
        ]
        rate = coverage_rate(coverage)
        cards.append(
            Card(
                title=_("Coverage rate (应建必建率)"),
                value=f"{rate:.1f}%" if rate is not None else "—",
                note=_("%(built)d of %(must)d enterprises") % coverage,
                url=reverse("parties:coverage"),
                tone="" if rate is None or rate >= 100 else "warn",
            )
        )
        member_url = reverse("parties:member_list")
        cards.append(Card(title=_("Party members"), value=members["total"], url=member_url))
        cards.append(Card(title=_("Floating members"), value=members["floating"], url=member_url + "?floating=true"))
        cards.append(
            Card(
                title=_("Enterprises"),
                value=coverage["total"],
                note=_("%(n)d not covered") % {"n": coverage["none"]},
                url=reverse("parties:enterprise_list"),
            )
        )
        cards.append(
            Card(
                title=_("Instructors"),
                value=instructors["total"],
                note=_("%(n)d full-time") % {"n": instructors["full_time"]},
                url=reverse("parties:enterprise_list") + "?kind=platform",
            )
        )
        cards.append(
            Card(
                title=_("Terms ending"),
                value=terms,
                note=_("within %(n)d months, or ended") % {"n": long_months},
                url=reverse("parties:reminders"),
                tone="warn" if terms else "",
            )
        )
        return cards

    return build
