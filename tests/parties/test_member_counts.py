"""The member counters (parties.models.MemberCount), kept by database triggers, equal the live GROUP BY after
every kind of write, on PostgreSQL and SQLite; and the tree and reminders show the same figures as before."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, ProtectedError, Q
from django.urls import reverse

from parties import services
from parties.floating import member_accept_floating
from parties.models import Member, MemberCount, MemberStatus, Organisation
from parties.reminders import counted_organisations, member_counts, organisations_with_counts, uses_counters
from tests.threads import run_together

pytestmark = pytest.mark.django_db

migration = importlib.import_module("parties.migrations.0008_member_counts")


def live() -> dict[tuple[int, int], tuple[int, int, int]]:
    """(organisation, park) -> (full, local, floating), counted now from the members."""
    local = Q(is_floating=False)
    rows = (
        Member.objects.order_by()
        .values("organisation_id", "park_id")
        .annotate(
            full=Count("pk", filter=local & Q(status=MemberStatus.FULL)),
            local=Count("pk", filter=local),
            floating=Count("pk", filter=Q(is_floating=True)),
        )
        .values_list("organisation_id", "park_id", "full", "local", "floating")
    )
    return {(o, p): (f, lo, fl) for o, p, f, lo, fl in rows}


def stored() -> dict[tuple[int, int], tuple[int, int, int]]:
    """The same from the counters (rows left at zero by moves and deletes are the same as no row)."""
    rows = MemberCount.objects.values_list(
        "organisation_id", "park_id", "full_members", "local_members", "floating_members"
    )
    return {(o, p): (f, lo, fl) for o, p, f, lo, fl in rows if (f, lo, fl) != (0, 0, 0)}


def assert_in_step():
    assert stored() == live()


def member(tree, name="党员", org="b1", **extra) -> Member:
    org = tree[org] if isinstance(org, str) else org
    fields = {"park_id": org.park_id, "organisation": org, "name": name, "status": MemberStatus.FULL, **extra}
    if fields.get("is_floating"):
        fields.setdefault("home_organisation", "四川省南充市某党支部")
    return Member.objects.create(**fields)


@pytest.fixture
def members(tree):
    """Five members in two branches: full, probationary and floating."""
    return [
        member(tree, "甲"),
        member(tree, "乙", status=MemberStatus.PROBATIONARY),
        member(tree, "丙", is_floating=True),
        member(tree, "丁", org="b2"),
        member(tree, "戊", org="b2", is_floating=True, status=MemberStatus.PROBATIONARY),
    ]


def test_the_triggers_exist_after_all_migrations():
    """SQLite drops a table's triggers when Django rebuilds the table for an ALTER: a later migration that
    rebuilds parties_member must create them again (parties.migrations.0008_member_counts.create_triggers)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'parties_member'::regclass")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'parties_member'")
        names = {row[0] for row in cursor.fetchall()}
    assert {f"parties_member_counts_{op}" for op in ("insert", "update", "delete")} <= names


def test_create_counts_full_local_and_floating_members(tree, members):
    b1 = MemberCount.objects.get(organisation=tree["b1"])
    assert (b1.full_members, b1.local_members, b1.floating_members) == (1, 2, 1)
    b2 = MemberCount.objects.get(organisation=tree["b2"])
    assert (b2.full_members, b2.local_members, b2.floating_members) == (1, 1, 1)
    assert_in_step()


def test_move_to_another_organisation(tree, members):
    m = members[0]
    m.organisation = tree["c1"]
    m.save()
    assert_in_step()
    assert MemberCount.objects.get(organisation=tree["c1"]).full_members == 1


def test_status_change_and_floating_flag(tree, members):
    m = members[1]
    m.status = MemberStatus.FULL
    m.save()
    assert_in_step()
    m.is_floating = True
    m.home_organisation = "湖南省某支部"
    m.save()
    assert_in_step()
    Member.objects.filter(pk=members[2].pk).update(is_floating=False, home_organisation="")
    assert_in_step()


def test_a_save_that_changes_no_counted_column_changes_nothing(tree, members):
    before = stored()
    m = members[0]
    m.name, m.last_activity = "甲甲", date(2026, 1, 1)
    m.save()
    Member.objects.update(phone="13800000000")
    assert stored() == before == live()


def test_park_change_is_counted_under_the_new_park(tree, members, other_park):
    Member.objects.filter(pk=members[0].pk).update(park=other_park)
    assert_in_step()
    assert MemberCount.objects.get(organisation=tree["b1"], park=other_park).full_members == 1


def test_deletes(tree, members):
    members[0].delete()
    assert_in_step()
    Member.objects.filter(organisation=tree["b2"]).delete()
    assert_in_step()
    Member.objects.all().delete()
    assert stored() == live() == {}


def test_bulk_update_bulk_create_and_queryset_update(tree, members):
    # One statement moving members of two organisations into a third and back, in one UPDATE each.
    Member.objects.filter(organisation__in=[tree["b1"], tree["b2"]]).update(organisation=tree["c2"])
    assert_in_step()
    for i, m in enumerate(members):
        m.organisation = tree["b1"] if i % 2 else tree["b2"]
        m.status = MemberStatus.PROBATIONARY if i % 3 else MemberStatus.FULL
    Member.objects.bulk_update(members, ["organisation", "status"])
    assert_in_step()
    Member.objects.bulk_create(
        Member(
            park_id=tree["b1"].park_id,
            organisation=tree["c1"],
            name=f"新{i}",
            is_floating=i % 3 == 0,
            home_organisation="某地" if i % 3 == 0 else "",
            status=["full", "probationary"][i % 2],
        )
        for i in range(25)
    )
    assert_in_step()
    # A statement that changes nothing of what is counted, and one that matches no row.
    Member.objects.filter(organisation=tree["c1"]).update(status="full")
    Member.objects.filter(pk=-1).update(organisation=tree["root"])
    assert_in_step()


def test_organisation_delete_cascades_its_counters_and_is_refused_while_it_has_members(tree, members):
    with pytest.raises(ProtectedError):
        tree["b2"].delete()
    assert_in_step()
    Member.objects.filter(organisation=tree["b2"]).update(organisation=tree["b1"])
    assert MemberCount.objects.filter(organisation=tree["b2"]).exists()  # its row, now at zero
    tree["b2"].delete()
    assert not MemberCount.objects.filter(organisation_id=tree["b2"].pk).exists()
    assert_in_step()


def test_services_the_import_and_a_failed_import(tree, members):
    park = tree["root"].park
    member_accept_floating(
        name="老秦",
        phone="",
        home_organisation="四川省某支部",
        floating_certificate="",
        home_contact_phone="",
        organisation=tree["b2"],
        user=None,
    )
    assert_in_step()
    row = {
        "name": "导入",
        "organisation": tree["c1"],
        "status": "full",
        "admitted": None,
        "phone": "",
        "is_floating": False,
        "home_organisation": "",
        "floating_certificate": "",
        "enterprise": None,
        "last_activity": None,
    }
    services.members_import(park=park, rows=[row, {**row, "name": "导入二", "status": "probationary"}])
    assert_in_step()
    before = stored()
    with pytest.raises(IntegrityError):  # a floating member without a home organisation: all or nothing
        services.members_import(park=park, rows=[row, {**row, "is_floating": True}])
    assert stored() == before == live()


def test_a_rolled_back_write_leaves_the_counters_as_they_were(tree, members):
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        member(tree, "回滚", org="c2")
        Member.objects.filter(pk=members[0].pk).delete()
        raise RuntimeError
    assert stored() == before == live()


def test_the_import_pages(client, alice, tree, members, settings, tmp_path):
    from tests.parties.test_import import _headers, _token, _xlsx, member_row

    settings.PARTIES_IMPORT_DIR = tmp_path
    client.force_login(alice)
    headers = _headers(client, "members")
    rows = [
        member_row("甲二"),
        member_row("乙二", floating="是", home="湖南省某支部"),
        member_row("丙二", org="云集药业党支部"),
    ]
    response = client.post(reverse("parties:import_members"), {"file": _xlsx(headers, rows)})
    assert client.post(reverse("parties:import_members_confirm"), {"token": _token(response)}).status_code == 302
    assert Member.objects.count() == 8
    assert_in_step()


def test_the_admin_change_form(client, tree, members):
    from parkportal.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-for-tests-123"))
    m = members[0]
    url = reverse("admin:parties_member_change", args=[m.pk])
    data = {
        "park": m.park_id,
        "organisation": tree["c2"].pk,
        "name": m.name,
        "status": "probationary",
        "phone": "",
        "admitted": "",
        "home_organisation": "",
        "floating_certificate": "",
        "home_contact_phone": "",
        "last_activity": "",
        "joined_here": "",
        "enterprise": "",
        "user": "",
    }
    assert client.post(url, data).status_code == 302
    m.refresh_from_db()
    assert (m.organisation_id, m.status) == (tree["c2"].pk, "probationary")
    assert_in_step()
    assert client.post(reverse("admin:parties_member_delete", args=[m.pk]), {"post": "yes"}).status_code == 302
    assert_in_step()


def test_the_migrations_backfill_gives_the_live_counts(tree, members, other_park):
    Member.objects.filter(pk=members[1].pk).update(park=other_park)
    MemberCount.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert_in_step()


def test_a_counter_out_of_step_fails_the_write_instead_of_showing_a_wrong_figure(tree, members):
    MemberCount.objects.filter(organisation=tree["b1"]).update(full_members=0, local_members=0, floating_members=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        members[0].delete()


# --- The pages' figures: the counters give what the viewer's member scoping gave ---------------------------------
def fallback(user, columns):
    """The computation before the counters: the viewer's organisations, and member_counts() (GROUP BY)."""
    counts = member_counts(user)
    return [
        (*row, *counts.get(row[0], (0, 0, 0)))
        for row in Organisation.objects.visible_to(user).order_by("path").values_list(*columns)
    ]


def old_organisations_with_counts(user):
    """The organisation page's children and the tree export before the counters: a join of every visible
    organisation with ALL its members (not only the viewer's), grouped."""
    local = Q(members__is_floating=False)
    rows = (
        Organisation.objects.visible_to(user)
        .annotate(
            full_members=Count("members", filter=local & Q(members__status=MemberStatus.FULL)),
            local_members=Count("members", filter=local),
            floating_members=Count("members", filter=Q(members__is_floating=True)),
        )
        .order_by("path")
    )
    return [(o.pk, o.full_members, o.local_members, o.floating_members) for o in rows]


@pytest.mark.parametrize("persona", ["alice", "sam", "olga", "ian", "nobody"])
def test_viewers_see_the_figures_their_member_scoping_gives(request, tree, members, other_park, persona):
    """Including a member whose park is not his organisation's (nothing in the database forbids it): the
    counters are kept per (organisation, member's park), as a park administrator's or secretary's scoping counts.
    The tree and reminders count the viewer's park's members; the organisation page's children and the export
    every member of the organisation, as each did before."""
    Member.objects.filter(pk=members[0].pk).update(park=other_park)
    other_org = Organisation.objects.create(park=other_park, name="别的园区党委", kind="committee")
    member(tree, "别园", org=other_org)
    Member.objects.create(park=tree["root"].park, organisation=other_org, name="错园")
    Organisation.objects.filter(pk=tree["b1"].pk).update(
        term_end=date(2027, 3, 1), last_activity=date(2026, 1, 2), has_committee=True
    )
    user = request.getfixturevalue(persona)
    columns = ("pk", "name", "kind")
    assert counted_organisations(user, columns) == fallback(user, columns)
    # The reminders' columns: dates and a boolean, as the ORM reads them (SQLite gives raw SQL text and 0/1).
    columns = ("pk", "name", "kind", "term_end", "last_activity", "has_committee")
    assert counted_organisations(user, columns) == fallback(user, columns)
    # The tree's: some of the counts only.
    tree_counts = counted_organisations(user, ("pk", "depth"), ("local_members", "floating_members"))
    assert tree_counts == [(*row[:2], *row[3:]) for row in fallback(user, ("pk", "depth"))]
    with_counts = [(o.pk, o.full_members, o.local_members, o.floating_members) for o in organisations_with_counts(user)]
    assert with_counts == old_organisations_with_counts(user)
    assert uses_counters(user) == (persona in ("alice", "sam", "olga"))


def test_tree_and_reminders_pages_show_the_counted_figures(client, alice, sam, tree, members, grow_tree):
    grow_tree(12)
    for user in (alice, sam):
        client.force_login(user)
        tree_rows = client.get(reverse("parties:tree")).context["nodes"]
        shown = {n.org.pk: (n.org.local_members, n.org.floating_members) for n in tree_rows}
        expected = {row[0]: row[-2:] for row in fallback(user, ("pk",))}
        assert shown == expected
        r = client.get(reverse("parties:reminders")).context["r"]
        rows = {o.pk: (o.full_members, o.local_members, o.floating_members) for o in r.too_small + r.inactive_branches}
        expected = {row[0]: row[1:] for row in fallback(user, ("pk",))}
        assert rows and rows == {pk: expected[pk] for pk in rows}


# --- Concurrency (PostgreSQL) --------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_members_added_at_once_to_one_organisation_lose_no_count(tree):
    """Threads add members to one new organisation (its counter row does not exist yet: concurrent first inserts
    meet in ON CONFLICT) and to an existing one, each in its own transaction; no count is lost."""
    new = Organisation.objects.create(park=tree["root"].park, parent=tree["c1"], name="新支部")
    threads_n, per_thread = 8, 10

    def add(t: int):
        for i in range(per_thread):
            with transaction.atomic():
                member(tree, f"并发{t}-{i}", org=new, is_floating=i % 4 == 0)
                member(tree, f"并发b{t}-{i}", org="b1", status=["full", "probationary"][i % 2])

    errors = run_together(*(lambda t=t: add(t) for t in range(threads_n)))
    assert errors == []
    counts = MemberCount.objects.get(organisation=new)
    total = threads_n * per_thread
    floating = threads_n * len(range(0, per_thread, 4))
    assert (counts.full_members, counts.local_members, counts.floating_members) == (
        total - floating,
        total - floating,
        floating,
    )
    b1 = MemberCount.objects.get(organisation=tree["b1"])
    assert (b1.full_members, b1.local_members) == (total // 2, total)
    assert_in_step()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_moves_in_opposite_directions_at_once_lose_no_count(tree):
    """Two bulk moves at once, A -> B and B -> A, while members are added to both: deltas applied in key order."""
    for i in range(30):
        member(tree, f"甲{i}", org="b1")
        member(tree, f"乙{i}", org="b2")
    a = list(Member.objects.filter(organisation=tree["b1"]).values_list("pk", flat=True))
    b = list(Member.objects.filter(organisation=tree["b2"]).values_list("pk", flat=True))

    def add():
        for i in range(20):
            member(tree, f"丙{i}", org=["b1", "b2"][i % 2])

    targets = [
        lambda: Member.objects.filter(pk__in=a).update(organisation=tree["b2"]),
        lambda: Member.objects.filter(pk__in=b).update(organisation=tree["b1"], status="probationary"),
        add,
    ]
    assert run_together(*targets) == []
    assert_in_step()
