"""The instructor's pages read with prepared statements (parties.visit_querysets) and SQL written out
(parties.views.visits): the same rows as the scoped querysets and the ORM page they replace, for every persona, on
PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from parties.models import (
    Enterprise,
    EnterpriseKind,
    Instructor,
    Organisation,
    Visit,
    VisitKind,
    VisitProblem,
)
from parties.views.visits import LIST_ORDER, _instructor_page, _page, _page_orm
from parties.visit_filters import VisitFilter
from parties.visit_querysets import instructor_scope, is_instructor, my_enterprise_values
from tests.conftest import make_user
from tests.generations import assert_keyed_and_triggered, statements, tables_read
from tests.parties.visit_matrix import link_instructor, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def crossing(park, other_park, tree, ian, sam):
    """Enterprises and organisations that test each branch of the instructor's scope, some across parks."""
    e1 = tree["e1"]  # ian's platform (ins1), organisation b1
    tenant = Enterprise.objects.create(park=park, name="入驻甲", kind=EnterpriseKind.SECONDARY, platform=e1)
    # A secondary enterprise of his platform, with its own instructor (ins2): his through the platform, and ivy's.
    both = Enterprise.objects.create(
        park=park, name="入驻乙", kind=EnterpriseKind.SECONDARY, platform=e1, instructor=tree["ins2"]
    )
    # A secondary of someone else's platform, assigned to ian himself.
    own = Enterprise.objects.create(
        park=park, name="入驻丙", kind=EnterpriseKind.SECONDARY, platform=tree["e2"], instructor=tree["ins1"]
    )
    # Committees: one whose enterprise is ian's, one reached only through his platform's tenant, one in the
    # other park (not his), and one in his park whose enterprise is in the other park but assigned to him.
    committee = Organisation.objects.create(park=park, parent=tree["root"], name="委员会甲", kind="committee")
    via_tenant = Organisation.objects.create(park=park, parent=tree["root"], name="委员会乙", kind="committee")
    far = Organisation.objects.create(park=other_park, name="别园委员会", kind="committee")
    cross = Organisation.objects.create(park=park, parent=tree["g1"], name="委员会丙", kind="committee")
    Enterprise.objects.filter(pk=own.pk).update(organisation=committee)
    Enterprise.objects.filter(pk=tenant.pk).update(organisation=via_tenant)
    Enterprise.objects.create(
        park=other_park, name="别园企业", kind=EnterpriseKind.PLATFORM, instructor=tree["ins1"], organisation=far
    )
    Enterprise.objects.create(
        park=other_park, name="别园企业二", kind=EnterpriseKind.PLATFORM, instructor=tree["ins1"], organisation=cross
    )
    ivy = make_user("ivy", "instructor", park)
    link_instructor(ivy, tree["ins2"])
    unlinked = make_user("unlinked", "instructor", park)
    retired = make_user("retired", "instructor", park, is_active=False)
    Instructor.objects.create(park=park, name="退休", user=retired)
    return {"ivy": ivy, "unlinked": unlinked, "retired": retired, "tenant": tenant, "both": both, "own": own}


def personas(request, crossing):
    names = ("alice", "sam", "ian", "olga", "nobody")
    return [request.getfixturevalue(n) for n in names] + [crossing["ivy"], crossing["unlinked"], crossing["retired"]]


def test_the_instructor_scope_is_the_querysets_scope(request, crossing, ian):
    checked = 0
    for user in personas(request, crossing):
        if not is_instructor(user):
            continue
        user = type(user).objects.get(pk=user.pk)  # nothing cached on the object
        scope = instructor_scope(user)
        instructors = list(Instructor.objects.visible_to(user).order_by("name").values_list("pk", "name"))
        assert scope.instructors == instructors, user.username
        assert scope.instructor_ids == [pk for pk, _ in instructors]
        assert sorted(scope.enterprise_ids) == sorted(Enterprise.objects.visible_to(user).values_list("pk", flat=True))
        committees = Organisation.objects.visible_to(user).filter(kind="committee").order_by("path")
        assert scope.committees == list(committees.values_list("pk", "name")), user.username
        checked += 1
    assert checked == 3  # ian, ivy, unlinked
    scope = instructor_scope(type(ian).objects.get(pk=ian.pk))
    assert {"委员会甲", "委员会乙", "委员会丙"} == {name for _, name in scope.committees}
    assert crossing["both"].pk in scope.enterprise_ids and crossing["own"].pk in scope.enterprise_ids


def test_my_enterprise_values_are_the_orm_rows(request, crossing, ian, tree):
    from django.db.models import OuterRef, Subquery

    make_visit(ian, tree["e1"], days_ago=3)
    make_visit(ian, tree["e1"], days_ago=40)
    make_visit(ian, crossing["tenant"], days_ago=1)
    for user in personas(request, crossing):
        last = Visit.objects.filter(enterprise=OuterRef("pk")).order_by("-date").values("date")[:1]
        expected = list(
            Enterprise.objects.visible_to(user)
            .annotate(last_visit=Subquery(last))
            .order_by("name")
            .values_list("pk", "name", "kind", "platform_id", "last_visit")
        )
        rows = my_enterprise_values(user)
        assert rows == expected, user.username
        assert all(isinstance(r[4], date) for r in rows if r[4] is not None)
    assert my_enterprise_values(ian)[0][4] is None or isinstance(my_enterprise_values(ian)[0][4], date)


def drop_statements():
    """Forget the instructor's statements compiled on this connection, and the scopes read with them: the next
    call builds them again."""
    from django.db import connections

    from parkportal.memo import clear_generation_memos

    clear_generation_memos()  # the scopes kept under the tables' generation, which a patch does not move
    for name in ("instructor_scope", "my_enterprises", "instructor_list"):
        connections["default"].__dict__.pop(f"_portal_prepared_{name}", None)


@pytest.fixture
def fresh_statements():
    drop_statements()
    yield
    drop_statements()  # none compiled under the test's patches stays for the next tests


def test_the_statements_follow_the_scope_instructor_methods(monkeypatch, fresh_statements, crossing, ian, tree):
    """visible_to is the one rule: a change of a scope_instructor method changes what the pages read."""
    from parties.querysets import EnterpriseQuerySet, OrganisationQuerySet

    before = instructor_scope(type(ian).objects.get(pk=ian.pk))
    assert crossing["tenant"].pk in before.enterprise_ids and "委员会乙" in dict(before.committees).values()
    drop_statements()
    # Only the enterprises assigned to them directly (not their platforms' secondaries), and no committees.
    monkeypatch.setattr(
        EnterpriseQuerySet,
        "scope_instructor",
        lambda self, user: self.filter(instructor__user=user, park_id=user.park_id),
    )
    monkeypatch.setattr(OrganisationQuerySet, "scope_instructor", lambda self, user: self.none())
    user = type(ian).objects.get(pk=ian.pk)
    after = instructor_scope(user)
    assert sorted(after.enterprise_ids) == sorted(Enterprise.objects.visible_to(user).values_list("pk", flat=True))
    assert crossing["tenant"].pk not in after.enterprise_ids and crossing["own"].pk in after.enterprise_ids
    assert after.committees == [] and after.instructors == before.instructors
    assert [row[0] for row in my_enterprise_values(user)] == list(
        Enterprise.objects.visible_to(user).order_by("name").values_list("pk", flat=True)
    )


@pytest.fixture
def many_visits(ian, crossing, tree, park):
    """73 visits of three instructors at five enterprises, with problems (open and solved) on some."""
    visits = [make_visit(ian, tree["e1"], problems=[{"description": "问题", "state": "open"}], photos=1)]
    make_visit(crossing["ivy"], tree["e2"], problems=[{"description": "已解决", "state": "solved"}])
    make_visit(crossing["ivy"], crossing["both"], days_ago=2)
    instructors = [tree["ins1"], tree["ins2"]]
    enterprises = [tree["e1"], tree["e2"], crossing["tenant"], crossing["both"], crossing["own"]]
    kinds = [k for k, _ in VisitKind.choices]
    today = timezone.localdate()
    Visit.objects.bulk_create(
        Visit(
            park=park,
            enterprise=enterprises[i % 5],
            instructor=instructors[i % 2],
            author=ian,
            date=today - timedelta(days=i % 17),  # many visits share a date: the pk orders them
            kind=kinds[i % len(kinds)],
            people_met="王经理",
            summary="记录",
        )
        for i in range(70)
    )
    for visit in Visit.objects.order_by("pk")[::7]:
        VisitProblem.objects.create(visit=visit, description="新问题", state="in_hand", opened_on=visit.date)
    return visits


PARAMS = [
    {},
    {"page": "2"},
    {"page": "3"},
    {"page": "999"},
    {"page": "0"},
    {"page": "-1"},
    {"page": "abc"},
    {"kind": "policy"},
    {"enterprise": "入驻"},
    {"open_problems": "on"},
    {"date_from": "2000-01-01", "date_to": "2099-01-01", "page": "2"},
    {"enterprise": "没有这个"},
    {"enterprise": "没有这个", "page": "3"},
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "none")
def test_the_page_is_the_orm_page(request, crossing, many_visits, tree, params):
    committee_params = {"committee": str(tree["g1"].pk)}
    for user in personas(request, crossing):
        for extra in ({}, committee_params, {"instructor": str(tree["ins2"].pk)}):
            query = {**params, **extra}
            filterset = VisitFilter(query, queryset=Visit.objects.for_list(user), user=user)
            visits = filterset.qs.order_by(*LIST_ORDER)
            old = _page_orm(visits, query.get("page"))
            for small in (False, True):
                new = _page(visits, query.get("page"), small=small)
                assert (new.number, new.paginator.count, new.paginator.num_pages) == (
                    old.number,
                    old.paginator.count,
                    old.paginator.num_pages,
                ), (user.username, query, small)
                assert new.object_list == old.object_list, (user.username, query, small)
    admin = request.getfixturevalue("alice")
    assert _page(VisitFilter({}, queryset=Visit.objects.for_list(admin), user=admin).qs.order_by(*LIST_ORDER), "2")


@pytest.mark.parametrize("number", [None, "1", "2", "3", "999", "0", "-1", "abc", "2.5"])
def test_the_instructors_unfiltered_page_is_the_orm_page(request, crossing, many_visits, number, fresh_statements):
    """_instructor_page (the prepared statement, by the scope's ids) reads what the ORM reads for for_list."""
    checked = 0
    for user in personas(request, crossing):
        if not is_instructor(user):
            continue
        user = type(user).objects.get(pk=user.pk)
        old = _page_orm(Visit.objects.visible_to(user).order_by(*LIST_ORDER), number)
        new = _instructor_page(user, number)
        assert (new.number, new.paginator.count, new.paginator.num_pages) == (
            old.number,
            old.paginator.count,
            old.paginator.num_pages,
        ), user.username
        assert new.object_list == old.object_list, user.username
        checked += bool(old.paginator.count)
    assert checked == 2  # ian and ivy; unlinked has no scope


def test_the_prepared_list_takes_padded_id_lists(ian, tree, park, fresh_statements):
    """Id lists of 0, 1, 2, 3, 5, 8 and 9 enterprises (padded to 0, 1, 2, 4, 8, 8 and 16): the rows of each."""
    instructor = tree["ins1"]
    Enterprise.objects.filter(instructor=instructor).update(instructor=None)
    # Logged by him at someone else's enterprise: his through his instructor id alone (no enterprise ids at n=0).
    Visit.objects.create(
        park=park,
        enterprise=tree["e2"],
        instructor=instructor,
        date=timezone.localdate(),
        kind=VisitKind.POLICY,
        people_met="王经理",
        summary="记录",
    )
    made_count = 0
    for n in (0, 1, 2, 3, 5, 8, 9):
        while made_count < n:
            made_count += 1
            made = Enterprise.objects.create(
                park=park, name=f"企业{made_count}", kind=EnterpriseKind.PLATFORM, instructor=instructor
            )
            # Logged by another instructor: his only through the enterprise's id.
            Visit.objects.create(
                park=park,
                enterprise=made,
                instructor=tree["ins2"],
                date=timezone.localdate(),
                kind=VisitKind.POLICY,
                people_met="王经理",
                summary="记录",
            )
        user = type(ian).objects.get(pk=ian.pk)
        expected = _page_orm(Visit.objects.visible_to(user).order_by(*LIST_ORDER), None)
        page = _instructor_page(user, None)
        assert page.paginator.count == expected.paginator.count >= n, n
        assert page.object_list == expected.object_list, n


def test_a_list_the_sql_does_not_cover_takes_the_orm_page(alice, many_visits):
    visits = Visit.objects.visible_to(alice).order_by("date")
    assert _page(visits, 1).object_list == _page_orm(visits, 1).object_list


def test_the_instructors_list_is_kept_and_shows_his_choices(client, ian, crossing, many_visits, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parkportal.memo import clear_generation_memos

    client.force_login(ian)
    url = reverse("parties:visit_list")
    client.get(url)  # the statements prepared on this connection
    clear_generation_memos()
    with CaptureQueriesContext(connection) as ctx:
        first = client.get(url)
    # The session with its user, the generation of his list's tables, the generation of his scope, his scope with
    # the filter's choices, the count with the page's rows
    assert len(ctx.captured_queries) == 5, [q["sql"] for q in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    # The session with its user, the generation of his list's tables: the rest is kept
    assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]

    def table(response) -> str:
        html = response.content.decode()
        return html[html.index("<table") : html.index("</table>")]

    assert table(response) == table(first) and "<td" in table(first)
    html = response.content.decode()
    assert f'<option value="{tree["ins1"].pk}">指导员一</option>' in html
    assert "委员会甲" in html and "别园委员会" not in html
    # A chosen committee and instructor are validated by their querysets, as before.
    response = client.get(url, {"committee": str(tree["root"].pk), "instructor": str(tree["ins2"].pk)})
    assert set(response.context["filter"].errors) == {"committee", "instructor"}


def test_the_kept_scope_follows_every_write(ian, crossing, tree, park):
    """The scope is kept under the generation of its tables: a write to any of them, even by QuerySet.update (no
    signal), shows on the next read."""

    def scope():
        return instructor_scope(type(ian).objects.get(pk=ian.pk))

    assert crossing["own"].pk in scope().enterprise_ids
    assert scope() is scope()  # kept: the same object, not read again
    Enterprise.objects.filter(pk=crossing["own"].pk).update(instructor=None)
    assert crossing["own"].pk not in scope().enterprise_ids
    Instructor.objects.filter(pk=tree["ins1"].pk).update(name="改名的指导员")
    assert scope().instructors == [(tree["ins1"].pk, "改名的指导员")]
    Organisation.objects.filter(name="委员会乙").update(name="改名的委员会")
    assert "改名的委员会" in dict(scope().committees).values()


def test_the_scope_tables_carry_generation_triggers():
    from django.db import connection

    from parkportal import generations
    from parties.visit_querysets import SCOPE_TABLES

    assert all(generations.installed(connection, table) for table in SCOPE_TABLES)


def test_the_kept_instructors_list_follows_every_write(client, ian, crossing, tree, park):
    """His list is kept under the generation of its tables: a visit logged, a problem solved, a photo added, an
    enterprise or instructor renamed or an enterprise taken from him (QuerySet.update: no signal) shows on the
    next request."""
    from parties.models import VisitPhoto

    client.force_login(ian)
    url = reverse("parties:visit_list")

    def page() -> str:
        return client.get(url).content.decode()

    visit = make_visit(ian, tree["e1"], problems=[{"description": "场地不足", "state": "open"}])
    assert 'badge-warn">1</span> / 1' in page()
    VisitProblem.objects.filter(visit=visit).update(state="solved", solved_on=timezone.localdate())
    assert ">0 / 1<" in page()
    VisitPhoto.objects.create(visit=visit, image="visits/a.jpg", thumbnail="visits/a_t.jpg", width=800, height=600)
    assert '<td data-label="照片" class="num">1</td>' in page()
    Enterprise.objects.filter(pk=tree["e1"].pk).update(name="改名的企业")
    assert "改名的企业" in page()
    Instructor.objects.filter(pk=tree["ins1"].pk).update(name="改名的指导员")
    assert "改名的指导员" in page()
    # Logged by ivy at an enterprise assigned to him: his only through the enterprise.
    Visit.objects.create(
        park=park,
        enterprise=crossing["own"],
        instructor=tree["ins2"],
        date=timezone.localdate(),
        kind=VisitKind.POLICY,
        people_met="王经理",
        summary="记录",
    )
    assert page().count("<tr>") == 3  # the heading and two visits
    Enterprise.objects.filter(pk=crossing["own"].pk).update(instructor=None)
    assert page().count("<tr>") == 2
    Visit.objects.filter(pk=visit.pk).delete()
    assert "没有符合条件的走访记录。" in page()


def test_each_instructor_language_and_page_has_its_own_kept_list(client, ian, crossing, many_visits, tree):
    ivy = crossing["ivy"]
    url = reverse("parties:visit_list")
    client.force_login(ian)
    his = client.get(url).context["rows"]
    assert client.get(url, {"page": "2"}).context["rows"] != his
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Open / all problems" in english
    client.force_login(ivy)
    hers = client.get(url).context["rows"]
    assert hers != his
    assert set(Visit.objects.visible_to(ivy).values_list("pk", flat=True)) != set(
        Visit.objects.visible_to(ian).values_list("pk", flat=True)
    )


def test_the_instructors_list_tables_are_every_table_its_statements_read_and_carry_triggers(ian, crossing, many_visits):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parties.views.visits import INSTRUCTOR_LIST_TABLES

    user = type(ian).objects.get(pk=ian.pk)
    with CaptureQueriesContext(connection) as ctx:
        instructor_scope(user)
        _instructor_page(user, None)
    read = tables_read(statements(ctx.captured_queries)) - {"parkportal_generation"}
    assert read, "no statement read"
    assert_keyed_and_triggered(read, INSTRUCTOR_LIST_TABLES, "add these to INSTRUCTOR_LIST_TABLES")
