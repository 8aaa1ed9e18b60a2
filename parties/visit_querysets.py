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
from django.db.models import OuterRef, Q, Subquery

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
        if not is_instructor(user):
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


def is_instructor(user) -> bool:
    """An active instructor of a park: the role whose scope the SQL below writes out (else: visible_to)."""
    return bool(user.is_authenticated and user.is_active and user.role == "instructor" and user.park_id)


# The instructor's scope as SQL, for the instructor's two phone pages (my enterprises, the visits list), where
# building and compiling the scoped querysets was the largest part of the page's Python time (≈ 2 ms). Each is
# the querysets' rule written out: tests/parties/test_visit_sql.py compares them with visible_to() for every
# persona and for data that crosses parks. A change of a scope_instructor method must change them too.
#: "My" instructor ids (InstructorQuerySet.scope_instructor). Param: the user's id.
_MINE = "SELECT i.id FROM parties_instructor i WHERE i.user_id = %s"
#: The enterprises of an instructor (EnterpriseQuerySet.scope_instructor: theirs, and their platforms'
#: secondary enterprises), as a condition on `e`. Params: user id, user id, park id.
INSTRUCTOR_ENTERPRISES_WHERE = (
    f"(e.instructor_id IN ({_MINE}) OR e.platform_id IN "
    f"(SELECT p.id FROM parties_enterprise p WHERE p.instructor_id IN ({_MINE}))) AND e.park_id = %s"
)
#: One query for the visits list: the instructor's own Instructor rows (the filter's choices), the enterprises
#: above (the list's scope) and the committees among the organisations of those enterprises
#: (OrganisationQuerySet.scope_instructor: an organisation of the park with an enterprise assigned to them or to a
#: platform of theirs, in any park), each group in its queryset's order.
INSTRUCTOR_SCOPE_SQL = f"""
SELECT 'i', i.id, i.name, i.name FROM parties_instructor i WHERE i.user_id = %s
UNION ALL
SELECT 'e', e.id, NULL, NULL FROM parties_enterprise e WHERE {INSTRUCTOR_ENTERPRISES_WHERE}
UNION ALL
SELECT 'o', o.id, o.name, o.path FROM parties_organisation o
WHERE o.park_id = %s AND o.kind = 'committee' AND o.id IN (
    SELECT e.organisation_id FROM parties_enterprise e
    WHERE e.instructor_id IN ({_MINE})
       OR e.platform_id IN (SELECT p.id FROM parties_enterprise p WHERE p.instructor_id IN ({_MINE}))
)
ORDER BY 1, 4
"""

InstructorScope = namedtuple("InstructorScope", "instructor_ids enterprise_ids instructors committees")


def instructor_scope(user) -> InstructorScope:
    """An instructor's Instructor ids, the ids of the enterprises assigned to them (their platform enterprises and
    those platforms' secondary enterprises), and the visits filter's choices ((pk, name) of their instructors, by
    name; of the committees they see, by path), in ONE query (INSTRUCTOR_SCOPE_SQL). Kept on the user object:
    the request's list and its filter share it. Only for `is_instructor(user)`."""
    cached = getattr(user, "_instructor_scope", None)
    if cached is not None:
        return cached
    from django.db import connections, router

    from parties.models import Enterprise

    uid, park = user.pk, user.park_id
    instructors, enterprise_ids, committees = [], [], []
    with connections[router.db_for_read(Enterprise)].cursor() as cursor:
        cursor.execute(INSTRUCTOR_SCOPE_SQL, [uid, uid, uid, park, park, uid, uid])
        for source, pk, name, _order in cursor.fetchall():
            if source == "e":
                enterprise_ids.append(pk)
            elif source == "i":
                instructors.append((pk, name))
            else:
                committees.append((pk, name))
    user._instructor_scope = InstructorScope([pk for pk, _ in instructors], enterprise_ids, instructors, committees)
    return user._instructor_scope


def instructor_scope_ids(user) -> tuple[list[int], list[int]]:
    """An instructor's Instructor ids, and the ids of the enterprises assigned to them."""
    scope = instructor_scope(user)
    return scope.instructor_ids, scope.enterprise_ids


def interval_days() -> int:
    return settings.PORTAL_RULES["VISIT_INTERVAL_DAYS"]


#: A row of "my enterprises": a tuple with the model's attribute names, plus the figures the page shows.
EnterpriseRow = namedtuple("EnterpriseRow", "pk name kind platform_id last_visit days_since overdue")


#: "My enterprises": each enterprise of the instructor with the date of its last visit (an index probe on
#: (enterprise, date) per enterprise), by name. Params: as INSTRUCTOR_ENTERPRISES_WHERE.
MY_ENTERPRISES_SQL = f"""
SELECT e.id, e.name, e.kind, e.platform_id,
       (SELECT v.date FROM parties_visit v WHERE v.enterprise_id = e.id ORDER BY v.date DESC LIMIT 1)
FROM parties_enterprise e
WHERE {INSTRUCTOR_ENTERPRISES_WHERE}
ORDER BY e.name
"""


def as_date(value):
    """A date as the database gave it: a date (PostgreSQL) or its ISO text (SQLite, for raw SQL)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def my_enterprise_values(user) -> list[tuple]:
    """(pk, name, kind, platform_id, last visit) of the instructor's enterprises, by name, in ONE query: the
    SQL above for an instructor; for anyone else (who has no enterprises of their own) their visible ones."""
    from parties.models import Enterprise, Visit

    if is_instructor(user):
        from django.db import connections, router

        with connections[router.db_for_read(Enterprise)].cursor() as cursor:
            cursor.execute(MY_ENTERPRISES_SQL, [user.pk, user.pk, user.park_id])
            return [(pk, name, kind, platform, as_date(last)) for pk, name, kind, platform, last in cursor.fetchall()]

    last = Visit.objects.filter(enterprise=OuterRef("pk")).order_by("-date").values("date")[:1]
    return list(
        Enterprise.objects.visible_to(user)
        .annotate(last_visit=Subquery(last))
        .order_by("name")
        .values_list("pk", "name", "kind", "platform_id", "last_visit")
    )


def my_enterprises(user, today: date):
    """The instructor's enterprises with the date of their last visit, in ONE query.

    Each platform enterprise is followed by its secondary enterprises. Rows (EnterpriseRow tuples, no model
    instances) carry `last_visit`, `days_since` and `overdue` (platform enterprises only: never visited, or last
    visited more than VISIT_INTERVAL_DAYS ago).
    """
    limit = interval_days()
    rows = []
    for pk, name, kind, platform_id, last_visit in my_enterprise_values(user):
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
