"""The party organisation's URLs in the role matrix, with their query budgets (format: tests/matrix.py)."""

from __future__ import annotations

from parties.models import CoverageStatus, Enterprise, EnterpriseKind
from tests.matrix import Case, Foreign
from tests.parties.conftest import grow as grow_tree

OFFICE = {"anonymous": 302, "secretary": 200, "park_admin": 200, "default": 403}
ADMIN_ONLY = {"anonymous": 302, "park_admin": 200, "default": 403}


def build(world: dict) -> None:
    tree = world["tree"]
    users = world["users"]
    tree["g1"].secretary_user = users["secretary"]  # the secretary answers for 综合党委一 and its subtree
    tree["g1"].save()
    tree["ins1"].user = users["instructor"]
    tree["ins1"].save()
    world["parties_org"] = tree["b1"]  # inside the secretary's subtree
    # One enterprise that should have an organisation and has none, so the coverage page's list is
    # never empty (an empty page skips its row query, which would look like growth in the budgets).
    Enterprise.objects.create(
        park=world["park"],
        name="未建组织企业",
        kind=EnterpriseKind.SECONDARY,
        platform=tree["e1"],
        member_count=5,
        coverage=CoverageStatus.NONE,
        no_coverage_reason="筹建中",
    )


def grow(world: dict, n: int) -> None:
    grow_tree(world["tree"], n, tag=f"m{n}-")


CASES = {
    # The session with its user, the generation of the tables it shows; when the tree is not kept for that
    # generation (as counted here): the organisations with their member counters
    "parties:tree": Case(expect=OFFICE, budget=("park_admin", 3)),
    "parties:organisation_export": Case(expect=OFFICE, budget=("park_admin", 2)),  # session with user, rows
    "parties:organisation": Case(
        kwargs=lambda w: {"pk": w["parties_org"].pk},
        expect=OFFICE,
        # The session with its user, organisation, member figures, ancestors, children, enterprises, their
        # count, members, vanguard posts
        budget=("park_admin", 9),
    ),
    # The session with its user, the generations of the tables read (parkportal.querycache), platforms,
    # categories, organisations (filter choices), count, page. Seen again under the same data: the session with
    # its user, generations.
    "parties:enterprise_list": Case(expect=OFFICE, budget=("park_admin", 7)),
    "parties:enterprise_export": Case(expect=OFFICE, budget=("park_admin", 2)),  # session with user, rows
    # The session with its user, generations, organisations, count, page (kept: session with user, generations)
    "parties:member_list": Case(expect=OFFICE, budget=("park_admin", 5)),
    "parties:member_export": Case(expect=OFFICE, budget=("park_admin", 2)),  # session with user, rows
    # The session with its user, generations, committees, aggregate per (organisation, platform) (its sums are
    # the overall figures), paths, missing count + page (kept: session with user, generations)
    "parties:coverage": Case(expect=OFFICE, budget=("park_admin", 7)),
    "parties:coverage_export": Case(expect=OFFICE, budget=("park_admin", 2)),  # session with user, rows
    # The session with its user, generations, organisations with their member counters, birthdays count + rows,
    # inactive count + rows (kept: session with user, generations)
    "parties:reminders": Case(expect=OFFICE, budget=("park_admin", 7)),
    # The session with its user, generations, organisations with their member counters (kept: session with
    # user, generations)
    "parties:reminder_group": Case(
        expect=OFFICE, kwargs=lambda w: {"group": "terms_overdue"}, budget=("park_admin", 3)
    ),
    # The imports' pages read nothing but the session with its user: the form, the template file, and a confirmation
    # whose token is forged (the form refuses it before any file or row is read).
    "parties:import_members": Case(expect=OFFICE, budget=("park_admin", 1)),
    "parties:import_members_template": Case(expect=OFFICE, budget=("park_admin", 1)),
    "parties:import_members_confirm": Case(
        method="post", data=lambda w: {"token": "forged"}, expect=OFFICE, budget=("park_admin", 1)
    ),
    "parties:import_enterprises": Case(expect=ADMIN_ONLY, budget=("park_admin", 1)),
    "parties:import_enterprises_template": Case(expect=ADMIN_ONLY, budget=("park_admin", 1)),
    "parties:import_enterprises_confirm": Case(
        method="post", data=lambda w: {"token": "forged"}, expect=ADMIN_ONLY, budget=("park_admin", 1)
    ),
}


# Objects of another scope, answering 404 (run by tests/test_url_matrix.py).
FOREIGN = {
    "an organisation outside the secretary's subtree": Foreign(
        "secretary", "parties:organisation", lambda w: {"pk": w["tree"]["g2"].pk}
    ),
}
