"""Scoping for visits, their problems, photos and revisions, and the instructor's "my enterprises" list.

Who sees a visit:
- an instructor: the visits they logged, and every visit to the enterprises assigned to them (their platform
  enterprises and those platforms' secondary enterprises), so they see their predecessor's history too;
- a secretary: visits to enterprises whose organisation (or whose platform's organisation) is in their subtree;
- a park administrator: every visit of the park; anyone else: nothing.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import date, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery, Value

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

    def for_list(self, user):
        """visible_to(user), with an instructor's scope resolved to ids first: the same rows, found by index.

        The instructor's scope is an OR across three joins (their visits, their enterprises', their platforms'
        secondaries'), which PostgreSQL can only answer by joining every visit of the park (25 ms at 30,000
        visits for the list's COUNT). With the instructor ids and enterprise ids as literals, it is a BitmapOr
        of two index scans (1.6 ms). One query more, run when called; for a page's list, not for a scope that
        must stay lazy.
        """
        if not (user.is_authenticated and user.is_active and user.role == "instructor" and user.park_id):
            return self.visible_to(user)
        instructor_ids, enterprise_ids = instructor_scope_ids(user)
        return self.filter(
            Q(instructor_id__in=instructor_ids) | Q(enterprise_id__in=enterprise_ids), park_id=user.park_id
        )


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


def instructor_scope_ids(user) -> tuple[list[int], list[int]]:
    """An instructor's Instructor ids, and the ids of the enterprises assigned to them (their platform
    enterprises and those platforms' secondary enterprises), in ONE query."""
    from parties.models import Enterprise, Instructor

    mine = Instructor.objects.filter(user=user).order_by()
    # The enterprises' own scoping (EnterpriseQuerySet.scope_instructor), so the rule is written once.
    assigned = Enterprise.objects.visible_to(user).order_by().annotate(source=Value("e")).values_list("source", "pk")
    instructor_ids: list[int] = []
    enterprise_ids: list[int] = []
    for source, pk in mine.annotate(source=Value("i")).values_list("source", "pk").union(assigned, all=True):
        (instructor_ids if source == "i" else enterprise_ids).append(pk)
    return instructor_ids, enterprise_ids


def interval_days() -> int:
    return settings.PORTAL_RULES["VISIT_INTERVAL_DAYS"]


#: A row of "my enterprises": a tuple with the model's attribute names, plus the figures the page shows.
EnterpriseRow = namedtuple("EnterpriseRow", "pk name kind platform_id last_visit days_since overdue")


def my_enterprises(user, today: date):
    """The instructor's enterprises with the date of their last visit, in ONE query.

    Each platform enterprise is followed by its secondary enterprises. Rows (EnterpriseRow tuples, no model
    instances) carry `last_visit` (one index probe per enterprise), `days_since` and `overdue` (platform
    enterprises only: never visited, or last visited more than VISIT_INTERVAL_DAYS ago).
    """
    from parties.models import Enterprise, Visit

    last = Visit.objects.filter(enterprise=OuterRef("pk")).order_by("-date").values("date")[:1]
    limit = interval_days()
    rows = []
    for pk, name, kind, platform_id, last_visit in (
        Enterprise.objects.visible_to(user)
        .annotate(last_visit=Subquery(last))
        .order_by("name")
        .values_list("pk", "name", "kind", "platform_id", "last_visit")
    ):
        days_since = (today - last_visit).days if last_visit else None
        overdue = kind == "platform" and (days_since is None or days_since > limit)
        rows.append(EnterpriseRow(pk, name, kind, platform_id, last_visit, days_since, overdue))
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
