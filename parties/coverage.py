"""应建必建率 overall and per committee, aggregated in the database in a fixed number of queries.

An enterprise must have an organisation (应建) when it has at least BRANCH_MIN_FULL_MEMBERS members;
it has one (已建) when it is covered by its own or a joint organisation. Each enterprise is counted under
the committee whose subtree holds its organisation, or, when it has none, its platform's organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, Value
from django.utils.translation import get_language

from parkportal import querycache
from parkportal.roles import Role
from parties.models import Category, CoverageStatus, Enterprise, Instructor, Organisation
from parties.models.organisation import PATH_STEP
from parties.querysets import coverage_aggregates, coverage_rate, coverage_summary, secretary_root_path

BUILT = (CoverageStatus.OWN, CoverageStatus.JOINT)


def must_q() -> Q:
    return Q(member_count__gte=settings.PORTAL_RULES["BRANCH_MIN_FULL_MEMBERS"])


def missing_q() -> Q:
    """Enterprises that must have an organisation and do not."""
    return must_q() & ~Q(coverage__in=BUILT)


@dataclass
class CommitteeRow:
    organisation: Organisation | None
    label: str
    total: int = 0
    must: int = 0
    built: int = 0
    own: int = 0
    joint: int = 0
    instructor: int = 0
    none: int = 0

    @property
    def rate(self) -> float | None:
        return self.built / self.must * 100 if self.must else None

    @property
    def missing(self) -> int:
        return self.must - self.built


def base_depth(user) -> int:
    """The depth of the viewer's root: 0 for a park administrator, their organisation's for a secretary."""
    if user.role == Role.SECRETARY:
        path = secretary_root_path(user) or ""
        return max(path.count(".") - 1, 0)
    return 0


def coverage_by_committee(user) -> tuple[list[CommitteeRow], CommitteeRow | None, CommitteeRow | None]:
    rows, root, unassigned, _overall = coverage_with_overall(user)
    return rows, root, unassigned


def coverage_with_overall(
    user,
) -> tuple[list[CommitteeRow], CommitteeRow | None, CommitteeRow | None, dict]:
    """coverage_by_committee(), and overall(): the groups counted for the committees are every enterprise the
    viewer sees (the same scope and the same counts), so their sums are the overall figures, with no aggregate
    query of their own (2-4 ms on a large park).

    Rows per child of the viewer's root (3 queries), plus rows for the root itself and for 'no organisation'.

    The enterprises are counted per (organisation, platform) on their own table, then each group is put under
    the committee its organisation's path (or its platform's organisation's path) starts with. Grouping by that
    path in SQL joined every enterprise to two organisations and its platform (6-9 ms at 3,549 enterprises);
    this is 2 ms plus one small query for the paths of the organisations the groups name.
    """
    depth = base_depth(user)
    prefix_len = (depth + 2) * (PATH_STEP + 1)
    committees = list(
        Organisation.objects.visible_to(user).filter(depth=depth + 1).only("pk", "name", "path").order_by("path")
    )
    groups = list(
        Enterprise.objects.visible_to(user)
        .values("organisation_id", "platform_id")
        .annotate(**coverage_aggregates())  # the dashboard's and the summary's figures, per group
        .order_by()
    )
    figures = dict.fromkeys(("total", "must", "built", "own", "joint", "instructor", "none"), 0)
    for group in groups:
        for key in figures:
            figures[key] += group[key]
    figures["rate"] = coverage_rate(figures)
    org_paths, platform_paths = _paths(
        {g["organisation_id"] for g in groups if g["organisation_id"]},
        {g["platform_id"] for g in groups if not g["organisation_id"] and g["platform_id"]},
    )
    by_branch: dict[str | None, dict] = {}
    for group in groups:
        organisation_id, platform_id = group.pop("organisation_id"), group.pop("platform_id")
        # COALESCE(organisation's path, platform's organisation's path), cut to the committees' depth.
        path = org_paths.get(organisation_id) if organisation_id else platform_paths.get(platform_id)
        branch = path[:prefix_len] if path is not None else None
        if branch in by_branch:
            for key, value in group.items():
                by_branch[branch][key] += value
        else:
            by_branch[branch] = group
    rows = [CommitteeRow(organisation=c, label=c.name, **by_branch.pop(c.path, {})) for c in committees]
    unassigned = None
    if None in by_branch:
        unassigned = CommitteeRow(organisation=None, label="", **by_branch.pop(None))
    root = None
    if by_branch:
        # Enterprises attached directly to the root (their path is shorter than a committee's).
        root = CommitteeRow(organisation=None, label="")
        for values in by_branch.values():
            for key, value in values.items():
                setattr(root, key, getattr(root, key) + value)
    return rows, root, unassigned, figures


#: What the missing list (missing_enterprises) reads beside the viewer's enterprises: their platforms' names are
#: enterprises too, and their categories and instructors. A test checks its SQL's tables against the key's.
MISSING_LIST_MODELS = (Category, Instructor)


def coverage_key(request) -> tuple | None:
    """The querycache key of the coverage page's content: the generations and SQL of the viewer's organisations
    and enterprises (coverage_with_overall reads nothing else: its paths' query reads the same two tables), the
    generations of the missing list's other tables, the rules, the language, the path and the query string (the
    page number). The missing list's SQL is not compiled for the key: it is the enterprises' SQL (in the key)
    with the rules' filter (the rules are in the key) and fixed joins, and compiling it was ≈ 1 ms for a
    secretary."""
    user = request.user
    extra = (
        request.path,
        tuple((name, tuple(values)) for name, values in request.GET.lists()),
        get_language(),
        tuple(sorted(settings.PORTAL_RULES.items())),
    )
    return querycache.key_for(
        user,
        "coverage",
        lambda: (Organisation.objects.visible_to(user), Enterprise.objects.visible_to(user)),
        models=MISSING_LIST_MODELS,
        extra=extra,
    )


def _paths(organisation_ids: set[int], platform_ids: set[int]) -> tuple[dict[int, str], dict[int, str | None]]:
    """Paths of these organisations, and of these platforms' organisations (None: a platform without one), in ONE
    query. Only to place the counted groups under their committees: nothing of these rows is shown."""
    organisations = Organisation.objects.filter(pk__in=organisation_ids).annotate(source=Value("o"))
    platforms = Enterprise.objects.filter(pk__in=platform_ids).annotate(source=Value("p"))
    org_paths: dict[int, str] = {}
    platform_paths: dict[int, str | None] = {}
    query = (
        organisations.order_by()
        .values_list("source", "pk", "path")
        .union(platforms.order_by().values_list("source", "pk", "organisation__path"), all=True)
    )
    for source, pk, path in query:
        (org_paths if source == "o" else platform_paths)[pk] = path
    return org_paths, platform_paths


def overall(user) -> dict:
    return coverage_summary(Enterprise.objects.visible_to(user))


def missing_enterprises(user):
    return (
        Enterprise.objects.visible_to(user)
        .filter(missing_q())
        .select_related("platform", "category", "instructor")
        .order_by("coverage_planned", "name", "pk")
    )
