"""Scoping for visits, their problems, photos and revisions, and the instructor's "my enterprises" list.

Who sees a visit:
- an instructor: the visits they logged, and every visit to the enterprises assigned to them (their platform
  enterprises and those platforms' secondary enterprises), so they see their predecessor's history too;
- a secretary: visits to enterprises whose organisation (or whose platform's organisation) is in their subtree;
- a park administrator: every visit of the park; anyone else: nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max, Q

from parkportal.scoping import ScopedQuerySet
from parties.querysets import subtree_q


def visit_scope_q(user, prefix: str = "") -> Q:
    """The Q a role's visits match, reached from another model by `prefix` (e.g. "visit__")."""
    role = getattr(user, "role", None)
    if role == "instructor":
        return (
            Q(**{f"{prefix}instructor__user": user})
            | Q(**{f"{prefix}enterprise__instructor__user": user})
            | Q(**{f"{prefix}enterprise__platform__instructor__user": user})
        )
    if role == "secretary":
        return subtree_q(user, f"{prefix}enterprise__organisation") | subtree_q(
            user, f"{prefix}enterprise__platform__organisation"
        )
    return Q(pk__in=[])


class _VisitScoped(ScopedQuerySet):
    prefix = ""

    # Each branch of the OR follows to-one relations, so no row repeats: no DISTINCT needed.
    def scope_instructor(self, user):
        return self.filter(visit_scope_q(user, self.prefix), **{self.park_lookup: user.park_id})

    def scope_secretary(self, user):
        return self.filter(visit_scope_q(user, self.prefix), **{self.park_lookup: user.park_id})


class VisitQuerySet(_VisitScoped):
    park_lookup = "park"
    prefix = ""


class VisitProblemQuerySet(_VisitScoped):
    park_lookup = "visit__park"
    prefix = "visit__"

    def still_open(self):
        return self.exclude(state="solved")


class VisitPhotoQuerySet(_VisitScoped):
    park_lookup = "visit__park"
    prefix = "visit__"


class VisitRevisionQuerySet(_VisitScoped):
    park_lookup = "visit__park"
    prefix = "visit__"


def interval_days() -> int:
    return settings.PORTAL_RULES["VISIT_INTERVAL_DAYS"]


def my_enterprises(user, today: date):
    """The instructor's enterprises with the date of their last visit, in ONE query.

    Each platform enterprise is followed by its secondary enterprises. Rows get `last_visit` (annotated),
    and in Python `days_since` and `overdue` (platform enterprises only: never visited, or last visited
    more than VISIT_INTERVAL_DAYS ago).
    """
    from parties.models import Enterprise

    rows = list(
        Enterprise.objects.visible_to(user)
        .select_related("platform")
        .annotate(last_visit=Max("visits__date"))
        .order_by("name")
    )
    limit = interval_days()
    for row in rows:
        row.days_since = (today - row.last_visit).days if row.last_visit else None
        row.overdue = row.kind == "platform" and (row.days_since is None or row.days_since > limit)
    # Platforms first by name, each followed by its own secondaries.
    platforms = sorted((r for r in rows if r.kind == "platform"), key=lambda r: r.name)
    by_group: dict[int, list] = {}
    for row in rows:
        if row.kind != "platform":
            by_group.setdefault(row.platform_id, []).append(row)
    ordered = []
    for platform in platforms:
        ordered.append(platform)
        ordered.extend(by_group.pop(platform.pk, []))
    for rest in by_group.values():  # secondaries whose platform is not the instructor's (should not happen)
        ordered.extend(rest)
    return ordered


def overdue_cutoff(today: date) -> date:
    """A platform enterprise last visited before this day is overdue."""
    return today - timedelta(days=interval_days())
