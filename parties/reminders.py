"""The reminders page's lists: terms ending, branch sizes, political birthdays, inactivity.

Every threshold comes from settings.PORTAL_RULES. Organisation rules run over the viewer's organisations read
as tuples with their member counts (one query); members' lists are two limited queries plus their counts.

The page shows each list's first PREVIEW rows with its count; an organisation list's full rows are on its own
page (ORG_GROUPS, `parties:reminder_group`), a member list's in the member list, filtered. All of them on one
page were 360 KB of HTML for a large park's administrator.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext

from parkportal import querycache
from parkportal.roles import Role
from parties.models import Member, MemberCount, MemberStatus, Organisation, OrganisationKind
from parties.rules import add_months, months_before
from parties.visit_querysets import as_date

BRANCH_KINDS = (OrganisationKind.BRANCH, OrganisationKind.JOINT_BRANCH)
GRASSROOTS_KINDS = (OrganisationKind.BRANCH, OrganisationKind.JOINT_BRANCH, OrganisationKind.GENERAL_BRANCH)
#: Rows of each list shown on the reminders page (the member lists fetch no more).
PREVIEW = 10
MEMBER_LIST_LIMIT = PREVIEW


@dataclass
class Reminders:
    today: date
    terms_overdue: list = field(default_factory=list)
    terms_1_month: list = field(default_factory=list)
    terms_6_months: list = field(default_factory=list)
    too_small: list = field(default_factory=list)
    needs_committee: list = field(default_factory=list)
    needs_general_branch: list = field(default_factory=list)
    needs_committee_org: list = field(default_factory=list)
    inactive_branches: list = field(default_factory=list)
    birthdays: list = field(default_factory=list)
    birthdays_count: int = 0
    inactive_members: list = field(default_factory=list)
    inactive_members_count: int = 0
    inactive_since: date | None = None
    rules: dict = field(default_factory=dict)
    #: A hash of everything the organisation lists show (counts, first rows, today, rules, language): their
    #: cache key.
    fingerprint: str = ""
    #: The same for the two member lists (their rows and counts).
    members_fingerprint: str = ""


#: The member columns the reminders' lists show.
MEMBER_COLUMNS = ("pk", "name", "is_floating", "admitted", "last_activity", "organisation_id")
MemberRow = namedtuple("MemberRow", (*MEMBER_COLUMNS, "organisation_name"))

#: The organisation columns the reminders' lists use and show.
ORG_COLUMNS = ("pk", "name", "kind", "term_end", "last_activity", "has_committee", "full_members", "local_members")
#: A row of an organisation list: a tuple (no model instance per organisation), attributes as the model's.
OrgRow = namedtuple("OrgRow", (*ORG_COLUMNS, "floating_members", "kind_label"))

#: The organisation lists, in the page's order: (attribute of Reminders, section, badge tone).
ORG_GROUPS = (
    ("terms_overdue", "terms", "alert"),
    ("terms_1_month", "terms", "alert"),
    ("terms_6_months", "terms", "warn"),
    ("too_small", "size", "warn"),
    ("needs_committee", "size", "warn"),
    ("needs_general_branch", "size", "warn"),
    ("needs_committee_org", "size", "warn"),
    ("inactive_branches", "activity", "warn"),
)


def group_title(key: str, rules: dict) -> str:
    """An organisation list's heading (the msgids the page's template used, so their translations stay)."""
    if key == "terms_overdue":
        return gettext("Terms already ended")
    if key in ("terms_1_month", "terms_6_months"):
        n = rules["TERM_REMIND_MONTHS"][1 if key == "terms_1_month" else 0]
        return ngettext("Terms ending within %(n)s month", "Terms ending within %(n)s months", n) % {"n": n}
    texts = {
        "too_small": (
            gettext("Branches with fewer than %(n)s full members (consider a joint branch)"),
            "BRANCH_MIN_FULL_MEMBERS",
        ),
        "needs_committee": (
            gettext("Branches with %(n)s or more full members and no elected committee"),
            "BRANCH_COMMITTEE_MIN_FULL_MEMBERS",
        ),
        "needs_general_branch": (
            gettext("Branches with %(n)s or more members (consider a general branch)"),
            "GENERAL_BRANCH_MIN_MEMBERS",
        ),
        "needs_committee_org": (
            gettext("Branches and general branches with %(n)s or more members (consider a grassroots committee)"),
            "COMMITTEE_MIN_MEMBERS",
        ),
        "inactive_branches": (gettext("Branches with no recorded activity for %(n)s days"), "INACTIVE_BRANCH_DAYS"),
    }
    text, rule = texts[key]
    return text % {"n": rules[rule]}


def fingerprint(*parts) -> str:
    """A cache key for a rendered fragment: a hash of exactly the data it shows, and the language.

    Invalidation is correct by construction: any change to a shown row (even through QuerySet.update() or
    bulk_create, which send no signals) changes the key, and the fragment can only show what was hashed.

    The parts are serialised by pickle, not repr (a quarter of the CPU for the tree's 400 rows): pickle's
    bytes load back into the parts, so different data cannot give the same bytes. Equal data gives equal bytes
    here (plain rows of numbers, text, dates); were it ever not so, the cost would be a miss, never a wrong hit.
    """
    data = pickle.dumps((get_language(), parts), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


#: Roles whose member scoping is "members of my park" (a secretary: in my subtree, as Organisation's scoping):
#: for them, an organisation's members in scope are exactly those counted in its MemberCount row for their park.
#: Any other role counts with member_counts() (the GROUP BY), so its figures follow its own member scoping.
COUNTER_ROLES = (Role.PARK_ADMIN, Role.SECRETARY)


def uses_counters(user) -> bool:
    return getattr(user, "role", None) in COUNTER_ROLES


def organisations_with_counts(user):
    """The viewer's organisations (model instances) with their own members counted (floating members apart).

    Every member of the organisation, whatever his park and whoever views (as the join over all its members that
    this replaces counted): the sum of the organisation's counter rows, one per park, so an index probe per
    organisation instead of a join of every organisation with every member.
    """
    return (
        Organisation.objects.visible_to(user)
        .annotate(
            full_members=Coalesce(Sum("member_counts__full_members"), 0),
            local_members=Coalesce(Sum("member_counts__local_members"), 0),
            floating_members=Coalesce(Sum("member_counts__floating_members"), 0),
        )
        .order_by("path")
    )


#: The viewer's organisations (their ids: the scoped queryset's SQL) with their counter row for the viewer's park.
#: Written out because the same join through the ORM (a FilteredRelation) cost ≈ 0.7 ms of CPU to build and
#: compile, more than reading the 400 rows. Params: the park, then those of the ids' SQL.
COUNTED_SQL = """
SELECT {columns}, {counts}
FROM parties_organisation o
LEFT JOIN parties_membercount c ON c.organisation_id = o.id AND c.park_id = %s
WHERE o.id IN ({ids})
ORDER BY o.path
"""
#: The counts, in this order; an organisation without a counter row (it never had a member of this park) has 0.
COUNTS = ("full_members", "local_members", "floating_members")


def counted_organisations(user, columns: tuple[str, ...], counts: tuple[str, ...] = COUNTS) -> list[tuple]:
    """The viewer's organisations in tree order as tuples: `columns` (Organisation attribute names, "pk" for the
    id) + `counts` (of full_members, local_members, floating_members).

    One query for a park administrator or a secretary (COUNTED_SQL: the counters of parties.models.MemberCount,
    kept by triggers), two for anyone else (member_counts(): the live GROUP BY over their members). The figures
    are the same: tests/parties/test_member_counts.py compares them after every kind of write.
    """
    if not set(counts) <= set(COUNTS):
        raise ValueError(f"unknown counts: {counts}")
    orgs = Organisation.objects.visible_to(user)
    if not uses_counters(user):
        by_org = member_counts(user)
        picks = [COUNTS.index(c) for c in counts]
        rows = orgs.order_by("path").values_list(*columns)
        return [(*row, *(by_org.get(row[0], (0, 0, 0))[i] for i in picks)) for row in rows]
    fields = [Organisation._meta.pk if c == "pk" else Organisation._meta.get_field(c) for c in columns]
    try:
        ids_sql, params = orgs.order_by().values("pk").query.get_compiler(using=orgs.db).as_sql()
    except EmptyResultSet:  # a scope that matches nothing
        return []
    sql = COUNTED_SQL.format(
        columns=", ".join(f"o.{f.column}" for f in fields),
        counts=", ".join(f"COALESCE(c.{c}, 0)" for c in counts),
        ids=ids_sql,
    )
    connection = connections[orgs.db]
    with connection.cursor() as cursor:
        cursor.execute(sql, (user.park_id, *params))
        rows = cursor.fetchall()
    # SQLite hands raw SQL its dates as text and its booleans as integers; PostgreSQL, as the ORM reads them.
    convert = [
        (i, as_date if isinstance(f, models.DateField) else bool)
        for i, f in enumerate(fields)
        if isinstance(f, (models.DateField, models.BooleanField))
    ]
    if not convert or connection.vendor == "postgresql":
        return rows
    out = []
    for row in rows:
        row = list(row)
        for i, to in convert:
            if row[i] is not None:
                row[i] = to(row[i])
        out.append(tuple(row))
    return out


def member_counts(user) -> dict[int, tuple[int, int, int]]:
    """(full, local, floating) members per organisation id, in ONE grouped query over the viewer's members.

    The live computation the counters replace (and the tests' reference). Organisations without members are
    absent: count them as 0.
    """
    local = Q(is_floating=False)
    rows = (
        Member.objects.visible_to(user)
        .order_by()
        .values("organisation_id")
        .annotate(
            # COUNT of a NOT NULL column in the index (organisation, is_floating, status), not of id.
            full=Count("status", filter=local & Q(status=MemberStatus.FULL)),
            local=Count("status", filter=local),
            floating=Count("status", filter=Q(is_floating=True)),
        )
        .values_list("organisation_id", "full", "local", "floating")
    )
    return {org_id: (full, local_, floating) for org_id, full, local_, floating in rows}


def reminders_for(user, today: date | None = None, *, members: bool = True) -> Reminders:
    """Every list of the reminders page; `members=False` skips the two member lists (4 queries)."""
    rules = settings.PORTAL_RULES
    today = today or timezone.localdate()
    long_months, short_months = rules["TERM_REMIND_MONTHS"]
    result = Reminders(today=today, rules=rules)
    soon = add_months(today, short_months)
    later = add_months(today, long_months)
    inactive_branch_cutoff = today - timedelta(days=rules["INACTIVE_BRANCH_DAYS"])

    # Query 1: every organisation of the viewer (only the columns used and shown, as tuples) with its counters.
    kinds = dict(OrganisationKind.choices)
    make = OrgRow._make
    orgs = [make((*row, kinds.get(row[2], row[2]))) for row in counted_organisations(user, ORG_COLUMNS[:6])]
    for org in orgs:
        if org.term_end:
            if org.term_end < today:
                result.terms_overdue.append(org)
            elif org.term_end <= soon:
                result.terms_1_month.append(org)
            elif org.term_end <= later:
                result.terms_6_months.append(org)
        if org.kind in BRANCH_KINDS:
            if org.full_members < rules["BRANCH_MIN_FULL_MEMBERS"]:
                result.too_small.append(org)
            elif org.full_members >= rules["BRANCH_COMMITTEE_MIN_FULL_MEMBERS"] and not org.has_committee:
                result.needs_committee.append(org)
        if org.kind in GRASSROOTS_KINDS:
            if org.local_members >= rules["COMMITTEE_MIN_MEMBERS"]:
                result.needs_committee_org.append(org)
            elif org.kind in BRANCH_KINDS and org.local_members >= rules["GENERAL_BRANCH_MIN_MEMBERS"]:
                result.needs_general_branch.append(org)
            if org.last_activity is None or org.last_activity < inactive_branch_cutoff:
                result.inactive_branches.append(org)
    # What the page's organisation lists show: each list's size and first PREVIEW rows (their headings follow
    # the rules). Not all 400 rows: most of them are in no list, and the rest only counted.
    shown = [
        (key, len(getattr(result, key)), [o[:8] for o in getattr(result, key)[:PREVIEW]]) for key, *_ in ORG_GROUPS
    ]
    result.fingerprint = fingerprint(today, sorted(rules.items()), shown)

    if not members:
        return result
    # Only the columns the lists show (and the organisation's name for the link), as tuples.
    members = Member.objects.visible_to(user)
    columns = (*MEMBER_COLUMNS, "organisation__name")
    # Queries 2-3: this month's political birthdays (full members admitted in an earlier year).
    birthdays = members.filter(
        admitted__month=today.month, admitted__year__lt=today.year, status=MemberStatus.FULL
    ).order_by("admitted__day", "name", "pk")
    result.birthdays_count = birthdays.count()
    result.birthdays = [MemberRow._make(row) for row in birthdays.values_list(*columns)[:MEMBER_LIST_LIMIT]]
    # Queries 4-5: members with no recorded activity for MEMBER_INACTIVE_ALERT_MONTHS months.
    result.inactive_since = months_before(today, rules["MEMBER_INACTIVE_ALERT_MONTHS"])
    inactive = members.filter(Q(last_activity__lt=result.inactive_since) | Q(last_activity__isnull=True)).order_by(
        "last_activity", "name", "pk"
    )
    result.inactive_members_count = inactive.count()
    result.inactive_members = [MemberRow._make(row) for row in inactive.values_list(*columns)[:MEMBER_LIST_LIMIT]]
    result.members_fingerprint = fingerprint(
        today,
        result.inactive_since,
        result.birthdays_count,
        result.inactive_members_count,
        result.birthdays,
        result.inactive_members,
    )
    return result


def cached_reminders_for(user, today: date | None = None, *, members: bool = True) -> Reminders:
    """reminders_for(), kept per process under the generations of the tables it reads (organisations, their
    member counters, members), the viewer's scope of organisations and members (their SQL), the day, the rules
    and the language (parkportal.querycache). Shared between requests: read it, never change it."""
    today = today or timezone.localdate()
    key = querycache.key_for(
        user,
        "reminders",
        lambda: (Organisation.objects.visible_to(user), Member.objects.visible_to(user)),
        models=(Organisation, MemberCount, Member),
        extra=(today, tuple(sorted(settings.PORTAL_RULES.items())), members, uses_counters(user), get_language()),
    )
    return querycache.get(key, lambda: reminders_for(user, today, members=members))


@dataclass
class Group:
    """One organisation list as the page shows it: heading, badge, its first rows, its size, its full page."""

    key: str
    section: str
    tone: str
    title: str
    count: int
    rows: list
    url: str


def org_groups(r: Reminders, *, url_prefix: str, limit: int | None = PREVIEW) -> list[Group]:
    return [
        Group(
            key,
            section,
            tone,
            group_title(key, r.rules),
            len(getattr(r, key)),
            getattr(r, key)[:limit],
            f"{url_prefix}{key}/",
        )
        for key, section, tone in ORG_GROUPS
    ]
