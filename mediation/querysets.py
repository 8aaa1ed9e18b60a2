"""Who sees which mediation rows: mediators their bodies' cases, park administrators the park's,
secretaries (through `visible_to`, used only by the statistics page) the cases concerning enterprises of
their subtree; everyone else nothing."""

from __future__ import annotations

from parkportal.scoping import ScopedQuerySet
from parties.querysets import subtree_q


class BodyQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_mediator(self, user):
        return self.filter(mediators=user, park_id=user.park_id)

    def rooms(self):
        return self.filter(kind="room")


class CaseQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_mediator(self, user):
        return self.filter(body__mediators=user, park_id=user.park_id)

    def scope_secretary(self, user):
        # Counts only: the secretary's pages never show a case's parties (statistics only).
        return self.filter(
            subtree_q(user, "respondent_enterprise__organisation")
            | subtree_q(user, "respondent_enterprise__platform__organisation")
            | subtree_q(user, "body__enterprise__organisation"),
            park_id=user.park_id,
        )

    def open(self):
        from mediation.models import FINAL_STATES

        return self.exclude(status__in=FINAL_STATES)

    def overdue(self, today=None):
        """Cases whose 15-day clock has run out without agreement."""
        from datetime import timedelta

        from django.conf import settings
        from django.utils import timezone

        from mediation.models import CLOCK_STATES

        today = today or timezone.localdate()
        limit = today - timedelta(days=settings.PORTAL_RULES["MEDIATION_DAYS"])
        return self.filter(status__in=CLOCK_STATES, received_on__lt=limit)


class CaseChildQuerySet(ScopedQuerySet):
    """Rows that belong to a case (applicants, sessions, attachments, events): scoped through the case."""

    park_lookup = "case__park"

    def scope_mediator(self, user):
        return self.filter(case__body__mediators=user, case__park_id=user.park_id)
