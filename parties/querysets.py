"""Scoping for the party organisation, and the subtree filter other apps use for secretaries."""

from __future__ import annotations

from django.db.models import Q

from parkportal.roles import Role
from parkportal.rows import PreparedQuery
from parkportal.scoping import ScopedQuerySet


def _root_path_queryset(shape, user_id, park_id):
    from parties.models import Organisation

    return Organisation.objects.filter(secretary_user_id=user_id, park_id=park_id).order_by("depth").values("path")[:1]


#: Read on every page a secretary opens (their scope): compiled once per connection (0.3-0.5 ms of ORM time).
_ROOT_PATH = PreparedQuery("secretary_root_path", _root_path_queryset)


def secretary_root_path(user) -> str | None:
    """The tree path of the organisation a secretary answers for (cached on the user object)."""
    if getattr(user, "role", None) != Role.SECRETARY:
        return None
    if not hasattr(user, "_secretary_path"):
        if user.park_id is None:  # PreparedQuery takes values, not NULL: the queryset itself
            rows = list(_root_path_queryset((), user.pk, None))
        else:
            rows = _ROOT_PATH.rows(user.pk, user.park_id)
        user._secretary_path = rows[0]["path"] if rows else None
    return user._secretary_path


def subtree_q(user, organisation_lookup: str) -> Q:
    """A Q that keeps rows whose organisation (reached by `organisation_lookup`) is in the secretary's subtree.

    Other apps scope their secretaries with it, e.g. `subtree_q(user, "organiser")`.
    A secretary without an organisation matches nothing.
    """
    path = secretary_root_path(user)
    if not path:
        return Q(pk__in=[])
    return Q(**{f"{organisation_lookup}__path__startswith": path})


class OrganisationQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_secretary(self, user):
        return self.filter(_path_q(user, ""), park_id=user.park_id)

    def scope_instructor(self, user):
        return self.filter(
            Q(enterprises__instructor__user=user) | Q(enterprises__platform__instructor__user=user),
            park_id=user.park_id,
        ).distinct()


def _path_q(user, prefix: str) -> Q:
    path = secretary_root_path(user)
    if not path:
        return Q(pk__in=[])
    return Q(**{f"{prefix}path__startswith": path})


class EnterpriseQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def platforms(self):
        return self.filter(kind="platform")

    def scope_secretary(self, user):
        return self.filter(
            subtree_q(user, "organisation") | subtree_q(user, "platform__organisation"), park_id=user.park_id
        )

    def scope_instructor(self, user):
        # Q(instructor__user=user) | Q(platform__instructor__user=user), as subqueries: the joins made
        # PostgreSQL join every enterprise of the park to its platform and both instructors (4 ms at 3,549).
        from parties.models import Enterprise, Instructor

        mine = Instructor.objects.filter(user=user).values("pk")
        their_platforms = Enterprise.objects.filter(instructor__in=mine).values("pk")
        return self.filter(Q(instructor__in=mine) | Q(platform__in=their_platforms), park_id=user.park_id)


class MemberQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_secretary(self, user):
        return self.filter(subtree_q(user, "organisation"), park_id=user.park_id)


class InstructorQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_secretary(self, user):
        # The instructors of enterprises in the subtree, each once: a subquery, not a join with DISTINCT, under
        # which an aggregate (the dashboard's count) counted one row per enterprise, not per instructor.
        from parties.models import Enterprise

        assigned = Enterprise.objects.filter(organisation__in=_subtree_ids(user), instructor__isnull=False)
        return self.filter(pk__in=assigned.values("instructor_id"), park_id=user.park_id)

    def scope_instructor(self, user):
        return self.filter(user=user)


def _subtree_ids(user):
    from parties.models import Organisation

    return Organisation.objects.filter(_path_q(user, "")).values("pk")


class VanguardPostQuerySet(ScopedQuerySet):
    park_lookup = "park"

    def scope_secretary(self, user):
        return self.filter(subtree_q(user, "organisation"), park_id=user.park_id)


def coverage_aggregates() -> dict:
    """The aggregates of 应建必建率 over an enterprise queryset (see `coverage_summary`)."""
    from django.conf import settings
    from django.db.models import Count

    threshold = settings.PORTAL_RULES["BRANCH_MIN_FULL_MEMBERS"]
    must = Q(member_count__gte=threshold)
    built = must & Q(coverage__in=["own", "joint"])
    # COUNT(*) / COUNT(member_count) (NOT NULL, so the same), not COUNT(id): with the index on (park, coverage,
    # member_count) PostgreSQL answers from the index alone (COUNT(id) would have to read the table).
    return {
        "total": Count("*"),
        "must": Count("member_count", filter=must),
        "built": Count("member_count", filter=built),
        "own": Count("member_count", filter=Q(coverage="own")),
        "joint": Count("member_count", filter=Q(coverage="joint")),
        "instructor": Count("member_count", filter=Q(coverage="instructor")),
        "none": Count("member_count", filter=Q(coverage="none")),
    }


def coverage_rate(figures: dict) -> float | None:
    return (figures["built"] / figures["must"] * 100) if figures["must"] else None


def coverage_summary(enterprises) -> dict:
    """应建必建率 over a (scoped) enterprise queryset, in one aggregate query.

    An enterprise must have an organisation when it has at least BRANCH_MIN_FULL_MEMBERS
    members; it has one when it is covered by its own or a joint organisation.
    """
    figures = enterprises.aggregate(**coverage_aggregates())
    figures["rate"] = coverage_rate(figures)
    return figures
