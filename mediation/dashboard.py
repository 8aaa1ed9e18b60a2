from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediation.models import CLOCK_STATES, FINAL_STATES, Case, MediationBody
from mediation.stats import (
    committee_share_aggregates,
    committee_share_queryset,
    committee_share_rate,
    committee_share_reads,
)
from parkportal.registry import Card, Figures, NavItem, register_cards, register_nav
from parkportal.roles import Role

register_nav(
    NavItem(_("Mediation cases"), "mediation:case_list", (Role.MEDIATOR, Role.PARK_ADMIN), order=40),
    NavItem(_("Mediation bodies"), "mediation:body_list", (Role.MEDIATOR, Role.PARK_ADMIN), order=41),
    NavItem(
        _("Mediation statistics"), "mediation:statistics", (Role.MEDIATOR, Role.PARK_ADMIN, Role.SECRETARY), order=42
    ),
)


@register_cards(reads=(Case, MediationBody, MediationBody.mediators.through, *committee_share_reads()))
def mediation_cards(user, figures: Figures):
    if user.role not in (Role.MEDIATOR, Role.PARK_ADMIN, Role.SECRETARY):
        return None
    # Figures: open/overdue counts; for park administrators the committee share.
    limit = timezone.localdate() - timedelta(days=settings.PORTAL_RULES["MEDIATION_DAYS"])
    # COUNT(status), not COUNT(id) (the same: status is NOT NULL; Django allows no filter on COUNT(*)): the index
    # (park, status, received_on) then answers both counts by an index-only scan, without reading the 3,000
    # cases' rows (1.9 -> 0.3 ms at the large park).
    counts = figures.aggregate(
        Case.objects.visible_to(user),
        open=Count("status", filter=~Q(status__in=FINAL_STATES)),
        overdue=Count("status", filter=Q(status__in=CLOCK_STATES, received_on__lt=limit)),
    )
    share = (
        figures.aggregate(committee_share_queryset(user), **committee_share_aggregates())
        if user.role == Role.PARK_ADMIN
        else None
    )

    def build() -> list[Card]:
        url = reverse("mediation:statistics") if user.role == Role.SECRETARY else reverse("mediation:case_list")
        cards = [
            Card(title=_("Open mediation cases"), value=counts["open"], url=url, group="mediation"),
            Card(
                title=_("Cases past the 15-day clock"),
                value=counts["overdue"],
                url=url if user.role == Role.SECRETARY else url + "?overdue=on",
                tone="alert" if counts["overdue"] else "",
                group="mediation",
            ),
        ]
        if share is not None:
            rate = committee_share_rate(share)
            cards.append(
                Card(
                    title=_("Enterprises with a mediation committee"),
                    value=f"{rate:.1f}%" if rate is not None else "—",
                    note=_("%(with_committee)d of %(total)d enterprises") % share,
                    url=reverse("mediation:body_list"),
                    group="mediation",
                )
            )
        return cards

    return build
