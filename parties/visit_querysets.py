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

from parkportal import generations
from parkportal.memo import generation_memo
from parkportal.roles import Role
from parkportal.rows import PreparedQuery, execute_prepared, stand_in_user, statement_name
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
        return self.filter(instructor_list_q(instructor_ids, enterprise_ids, user.park_id))


def instructor_list_q(instructor_ids, enterprise_ids, park_id) -> Q:
    """An instructor's visits by their scope's ids (instructor_scope): VisitQuerySet.for_list's filter."""
    return (Q(instructor_id__in=instructor_ids) | Q(enterprise_id__in=enterprise_ids)) & Q(park_id=park_id)


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
    """An active instructor of a park: the role whose pages read their scope through the prepared statements
    below (anyone else: visible_to, as it is)."""
    return bool(user.is_authenticated and user.is_active and user.role == "instructor" and user.park_id)


# The instructor's two phone pages (my enterprises, the visits list) read their scope with statements compiled
# once per connection (parkportal.rows.PreparedQuery): building and compiling the scoped querysets was the largest
# part of the pages' Python time (≈ 2 ms). The querysets are built by visible_to() itself, for a stand-in
# instructor whose id and park land in plain `=` comparisons, so the scope_instructor methods stay the one rule.


def instructor_scope_queryset(user):
    """One statement for the visits list: the user's Instructor rows (the filter's choices, by name), the ids of
    the enterprises they see (the list's scope) and the committees they see (by path), as rows of (source, pk,
    name, sort). Every column is an annotation, so the three parts select them in the same order."""
    from django.db.models import CharField, F, Value

    from parties.models import Enterprise, Instructor, Organisation

    def rows(queryset, source: str, name, sort):
        return (
            queryset.order_by()
            .annotate(scope_source=Value(source), scope_pk=F("pk"), scope_name=name, scope_sort=sort)
            .values_list("scope_source", "scope_pk", "scope_name", "scope_sort")
        )

    none = Value(None, output_field=CharField())
    instructors = rows(Instructor.objects.visible_to(user), "i", F("name"), F("name"))
    enterprises = rows(Enterprise.objects.visible_to(user), "e", none, none)
    committees = rows(Organisation.objects.visible_to(user).filter(kind="committee"), "o", F("name"), F("path"))
    return instructors.union(enterprises, committees, all=True).order_by("scope_source", "scope_sort")


_instructor_scope = PreparedQuery(
    "instructor_scope",
    lambda _shape, user_id, park_id: instructor_scope_queryset(stand_in_user(Role.INSTRUCTOR, user_id, park_id)),
)

InstructorScope = namedtuple("InstructorScope", "instructor_ids enterprise_ids instructors committees")


#: Instructor scopes by (generation of the tables they are read from, user, park).
_scope_memo = generation_memo(max_entries=512)

#: The tables instructor_scope_queryset reads (the scopes of Instructor, Enterprise and Organisation).
SCOPE_TABLES = ("parties_instructor", "parties_enterprise", "parties_organisation")


def instructor_scope(user) -> InstructorScope:
    """An instructor's Instructor ids, the ids of the enterprises assigned to them (their platform enterprises and
    those platforms' secondary enterprises), and the visits filter's choices ((pk, name) of their instructors, by
    name; of the committees they see, by path), read by ONE statement (instructor_scope_queryset) and kept in the
    process under the generation of the tables it reads, read first (parkportal.generations): one indexed read per
    request, where the statement took PostgreSQL ≈ 1.3 ms. Kept on the user object too: the request's list and its
    filter share it. Only for `is_instructor(user)` (their role and activity are the user row's, read per request).
    """
    cached = getattr(user, "_instructor_scope", None)
    if cached is not None:
        return cached
    using = _database()
    key = (generations.read(*SCOPE_TABLES, using=using), user.pk, user.park_id)
    user._instructor_scope = _scope_memo.get(key, lambda: _read_instructor_scope(user, using))
    return user._instructor_scope


def _read_instructor_scope(user, using: str) -> InstructorScope:
    instructors, enterprise_ids, committees = [], [], []
    for row in _instructor_scope.rows(user.pk, user.park_id, using=using):
        source, pk = row["scope_source"], row["scope_pk"]
        if source == "e":
            enterprise_ids.append(pk)
        elif source == "i":
            instructors.append((pk, row["scope_name"]))
        else:
            committees.append((pk, row["scope_name"]))
    return InstructorScope([pk for pk, _ in instructors], enterprise_ids, instructors, committees)


def instructor_scope_ids(user) -> tuple[list[int], list[int]]:
    """An instructor's Instructor ids, and the ids of the enterprises assigned to them."""
    scope = instructor_scope(user)
    return scope.instructor_ids, scope.enterprise_ids


class WrappedPreparedQuery(PreparedQuery):
    """A PreparedQuery whose statement is `wrap` with the built queryset's SQL in place of `{ids}`, and `%s` of its
    own after it, which take `execute`'s `extra` values. It returns the statement's rows as they come (tuples)."""

    def __init__(self, name: str, build, wrap: str):
        super().__init__(name, build)
        self.wrap = wrap

    def _wrapped(self, connection, using: str, shape, values):
        cache = connection.__dict__.setdefault(f"_portal_prepared_{self.name}", {})
        key = ("wrapped", shape, tuple(type(value) for value in values))
        found = cache.get(key)
        if found is None:
            _name, sql, params, slots, _read = self._prepared(connection, using, shape, values)
            sql = self.wrap.format(ids=sql)
            name = statement_name(f"portal_{self.name}", sql)
            found = cache[key] = (name, sql, params, slots)
        return found

    def execute(self, *values, extra=(), shape=(), using: str = "default") -> list[tuple]:
        from django.db import connections

        connection = connections[using]
        name, sql, params, slots = self._wrapped(connection, using, shape, values)
        params = list(params)
        for position, index in slots:
            params[position] = self._param(connection, values[index])
        params.extend(extra)
        with connection.cursor() as cursor:
            execute_prepared(connection, cursor, name, sql, params)
            return cursor.fetchall()


def _padded_size(n: int) -> int:
    """A list of n ids is passed as one of this many (1, 2, 4, 8, then the next multiple of 8; its last id
    repeated): a few statements per connection, not one per length. (Padded to powers of two, the duplicates
    PostgreSQL plans for made the statement ≈ 10 % slower at 73 enterprises.)"""
    if n <= 8:
        return 1 << (n - 1).bit_length() if n else 0
    return -(-n // 8) * 8


def instructor_list_statement(wrap: str) -> WrappedPreparedQuery:
    """`wrap` around an instructor's visits as (pk, date) (for_list's rows, by their scope's ids), prepared per
    padded length of the two id lists; `instructor_list_rows` executes it."""

    def build(shape, park_id, *ids):
        instructors, enterprises = ids[: shape[0]], ids[shape[0] :]
        from parties.models import Visit

        return (
            Visit.objects.filter(instructor_list_q(instructors, enterprises, park_id))
            .order_by()
            .values_list("pk", "date")
        )

    return WrappedPreparedQuery("instructor_list", build, wrap)


def instructor_list_rows(statement: WrappedPreparedQuery, user, extra) -> list[tuple] | None:
    """`statement`'s rows for the instructor's visits (for_list(user), unfiltered); None when their scope is
    empty (no visits: the ORM runs no query for it either)."""
    instructor_ids, enterprise_ids = instructor_scope_ids(user)
    if not instructor_ids and not enterprise_ids:
        return None
    shape = (_padded_size(len(instructor_ids)), _padded_size(len(enterprise_ids)))
    ids = [*instructor_ids, *instructor_ids[-1:] * (shape[0] - len(instructor_ids))]
    ids += [*enterprise_ids, *enterprise_ids[-1:] * (shape[1] - len(enterprise_ids))]
    return statement.execute(user.park_id, *ids, extra=extra, shape=shape, using=_database())


def interval_days() -> int:
    return settings.PORTAL_RULES["VISIT_INTERVAL_DAYS"]


#: A row of "my enterprises": a tuple with the model's attribute names, plus the figures the page shows.
EnterpriseRow = namedtuple("EnterpriseRow", "pk name kind platform_id last_visit days_since overdue")


def my_enterprises_queryset(user):
    """(pk, name, kind, platform_id, last visit) of the enterprises the user sees, by name: for an instructor,
    theirs, with the date of each one's last visit (an index probe on (enterprise, date) per enterprise)."""
    from parties.models import Enterprise, Visit

    last = Visit.objects.filter(enterprise=OuterRef("pk")).order_by("-date").values("date")[:1]
    return (
        Enterprise.objects.visible_to(user)
        .annotate(last_visit=Subquery(last))
        .order_by("name")
        .values_list("pk", "name", "kind", "platform_id", "last_visit")
    )


_my_enterprises = PreparedQuery(
    "my_enterprises",
    lambda _shape, user_id, park_id: my_enterprises_queryset(stand_in_user(Role.INSTRUCTOR, user_id, park_id)),
)


def _database() -> str:
    from django.db import router

    from parties.models import Enterprise

    return router.db_for_read(Enterprise)


def as_date(value):
    """A date as the database gave it: a date (PostgreSQL) or its ISO text (SQLite, for raw SQL)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def my_enterprise_values(user) -> list[tuple]:
    """my_enterprises_queryset's rows, in ONE query: a prepared statement for an instructor; for anyone else (who
    has no enterprises of their own) their visible ones."""
    if not is_instructor(user):
        return list(my_enterprises_queryset(user))
    return [
        (row["pk"], row["name"], row["kind"], row["platform_id"], row["last_visit"])
        for row in _my_enterprises.rows(user.pk, user.park_id, using=_database())
    ]


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
