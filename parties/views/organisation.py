from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import router
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parkportal import generations
from parkportal.excel import xlsx_response
from parkportal.memo import generation_memo
from parkportal.roles import Role
from parkportal.scoping import OFFICE_ROLES, get_visible_or_404, role_required
from parties.models import Enterprise, Member, MemberStatus, Organisation, OrganisationKind, VanguardPost
from parties.reminders import counted_organisations, organisations_with_counts
from parties.rules import add_months

DETAIL_LIMIT = 50


@dataclass
class TreeOrg:
    """The columns the tree shows of one organisation (no model instance: 400 of them per request)."""

    pk: int
    parent_id: int | None
    depth: int
    name: str
    kind: str
    local_members: int
    floating_members: int
    kind_label: str = ""


@dataclass
class TreeNode:
    org: TreeOrg
    level: int
    children: int = 0
    subtree_members: int = 0
    closes: range = field(default_factory=lambda: range(0))


TREE_COLUMNS = ("pk", "parent_id", "depth", "name", "kind")


def _tree_rows(user) -> list[tuple]:
    """The viewer's organisations in tree order as tuples of TREE_COLUMNS + (local, floating members) (1 query)."""
    return counted_organisations(user, TREE_COLUMNS, ("local_members", "floating_members"))


def _tree_nodes(rows: list[tuple]) -> list[TreeNode]:
    """Nodes in tree order, with their subtree member counts and how many nested lists to close after each."""
    if not rows:
        return []
    labels = {value: str(label) for value, label in OrganisationKind.choices}
    orgs = [TreeOrg(*row) for row in rows]
    top = min(o.depth for o in orgs)
    by_pk = {}
    for o in orgs:
        o.kind_label = labels.get(o.kind, o.kind)
        by_pk[o.pk] = TreeNode(org=o, level=o.depth - top)
    for node in reversed(list(by_pk.values())):
        node.subtree_members += node.org.local_members + node.org.floating_members
        parent = by_pk.get(node.org.parent_id)
        if parent is not None:
            parent.children += 1
            parent.subtree_members += node.subtree_members
    nodes = list(by_pk.values())
    for i, node in enumerate(nodes):
        next_level = nodes[i + 1].level if i + 1 < len(nodes) else 0
        node.closes = range(max(node.level - next_level, 0))
    return nodes


#: What the tree shows is read from these tables: the organisations, and their member counters (MemberCount), which
#: are written only by the triggers of parties_member, in the transaction of the members' write, so that table's
#: generation moves with them.
TREE_TABLES = ("parties_organisation", "parties_member")

#: The rendered tree (parties/_tree_nodes.html), kept in the process under the generation of TREE_TABLES (read
#: before the rows), the viewer's scope (role, park, and a secretary's own subtree) and the language. At 400
#: organisations the rows took PostgreSQL ≈ 1.5 ms and their fingerprint ≈ 0.3 ms of CPU, and the shared cache
#: sent the ≈ 90 KB fragment on every request.
_tree_memo = generation_memo(max_entries=64)


@role_required(*OFFICE_ROLES)
def tree(request: HttpRequest) -> HttpResponse:
    # Queries: session, user, the generation; when the tree is not kept: (a secretary's root path), the
    # organisations with their member counters. The nodes are built only when the fragment is rendered.
    user = request.user
    generation = generations.read(*TREE_TABLES, using=router.db_for_read(Organisation))
    scope = (user.role, user.park_id, user.pk if user.role == Role.SECRETARY else None)
    nodes = SimpleLazyObject(lambda: _tree_nodes(_tree_rows(user)))
    html = _tree_memo.get(
        (generation, scope, get_language()),
        lambda: render_to_string("parties/_tree_nodes.html", {"nodes": nodes}),
    )
    return render(request, "parties/tree.html", {"nodes": nodes, "tree_html": html})


def _get_organisation_for_user(user, pk: int) -> Organisation:
    return get_visible_or_404(Organisation.objects.select_related("parent", "category", "secretary_user"), user, pk=pk)


@role_required(*OFFICE_ROLES)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    org = _get_organisation_for_user(user, pk)
    today = timezone.localdate()
    own = Q(organisation=org)
    members = Member.objects.visible_to(user)
    figures = members.filter(organisation__path__startswith=org.path).aggregate(
        subtree=Count("pk"),
        own=Count("pk", filter=own),
        full=Count("pk", filter=own & Q(status=MemberStatus.FULL, is_floating=False)),
        probationary=Count("pk", filter=own & Q(status=MemberStatus.PROBATIONARY, is_floating=False)),
        floating=Count("pk", filter=own & Q(is_floating=True)),
    )
    enterprises = Enterprise.objects.visible_to(user).filter(organisation=org).select_related("platform", "instructor")
    long_months, short_months = settings.PORTAL_RULES["TERM_REMIND_MONTHS"]
    term_state = ""
    if org.term_end:
        if org.term_end < today:
            term_state = "overdue"
        elif org.term_end <= add_months(today, long_months):
            term_state = "soon"
    context = {
        "org": org,
        "ancestors": list(org.ancestors().visible_to(user).only("pk", "name")),
        "children": list(organisations_with_counts(user).filter(parent=org)),
        "figures": figures,
        "enterprises": list(enterprises[:DETAIL_LIMIT]),
        "enterprise_count": enterprises.count(),
        "members": list(members.filter(organisation=org).order_by("name", "pk")[:DETAIL_LIMIT]),
        "posts": list(VanguardPost.objects.visible_to(user).filter(organisation=org).select_related("member")),
        "term_state": term_state,
        "limit": DETAIL_LIMIT,
    }
    return render(request, "parties/organisation.html", context)


@role_required(*OFFICE_ROLES)
def organisation_export(request: HttpRequest) -> HttpResponse:
    """The tree as a spreadsheet: one row per organisation, with its term, secretary and member counts."""
    headers = [
        _("Name"),
        _("Tier"),
        _("Kind"),
        _("Higher organisation"),
        _("Secretary"),
        _("Founded"),
        _("Term (years)"),
        _("Term ends"),
        _("Full members"),
        _("Members"),
        _("Floating members"),
        _("Last recorded activity"),
    ]
    orgs = organisations_with_counts(request.user).select_related("parent")
    rows = (
        (
            o.name,
            o.tier_name,
            o.get_kind_display(),
            o.parent.name if o.parent else "",
            o.secretary_name,
            o.founded,
            o.term_years,
            o.term_end,
            o.full_members,
            o.local_members,
            o.floating_members,
            o.last_activity,
        )
        for o in orgs
    )
    return xlsx_response("organisations", headers, rows, title=_("Party organisations"))
