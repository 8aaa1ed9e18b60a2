"""The office's pages: filtered list and its export, report per instructor and month, open problems, the card;
and the instructor's "my enterprises"."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from parkportal.registry import cards_for
from parties.models import Enterprise, EnterpriseKind, Instructor, Organisation, Visit, VisitProblem
from tests.conftest import make_user
from tests.parties.visit_matrix import link_instructor, make_visit

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ivy(park, tree):
    user = make_user("ivy", "instructor", park)
    link_instructor(user, tree["ins2"])
    return user


@pytest.fixture
def log(ian, ivy, tree):
    today = timezone.localdate()
    first = today.replace(day=1)
    return {
        "recent": make_visit(
            ian, tree["e1"], problems=[{"description": "场地不足", "state": "open", "owner": "行政部"}]
        ),
        "old": make_visit(
            ian,
            tree["e1"],
            days_ago=(today - first).days + 40,
            kind="members",
            problems=[{"description": "入党积极分子培养滞后", "state": "in_hand", "owner": "支部书记"}],
        ),
        "ivy": make_visit(ivy, tree["e2"], days_ago=2, problems=[{"description": "已解决的问题", "state": "solved"}]),
    }


@pytest.mark.django_db
def test_filters_narrow_the_list(client, alice, tree, log):
    client.force_login(alice)
    url = reverse("parties:visit_list")

    def shown(**params) -> set[int]:
        response = client.get(url, params, **EN)
        assert response.status_code == 200
        return {v["pk"] for v in response.context["page"].object_list}  # rows are dicts

    assert shown() == {log["recent"].pk, log["old"].pk, log["ivy"].pk}
    assert shown(instructor=tree["ins2"].pk) == {log["ivy"].pk}
    assert shown(enterprise="传化") == {log["recent"].pk, log["old"].pk}
    assert shown(enterprise_id=tree["e2"].pk) == {log["ivy"].pk}
    assert shown(committee=tree["g1"].pk) == {log["recent"].pk, log["old"].pk}
    assert shown(kind="members") == {log["old"].pk}
    assert shown(date_from=(timezone.localdate() - timedelta(days=5)).isoformat()) == {log["recent"].pk, log["ivy"].pk}
    assert shown(date_to=(timezone.localdate() - timedelta(days=30)).isoformat()) == {log["old"].pk}
    assert shown(open_problems="on") == {log["recent"].pk, log["old"].pk}
    # Nonsense in the query string is ignored or reported, never a 500.
    assert (
        client.get(url, {"date_from": "notadate", "instructor": "x", "committee": "999999", "page": "zz"}).status_code
        == 200
    )


@pytest.mark.django_db
def test_the_export_is_the_list_as_filtered(client, alice, tree, log):
    client.force_login(alice)
    response = client.get(reverse("parties:visit_list"), {"enterprise": "传化", "export": "xlsx"}, **EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Date", "Enterprise", "Platform enterprise", "Instructor")
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} == {"传化公路港"}
    assert {r[8] for r in rows[1:]} == {1}  # one open problem each


@pytest.mark.django_db
def test_the_report_per_instructor_and_month(client, alice, sam, tree, log):
    client.force_login(alice)
    response = client.get(reverse("parties:visit_report"), **EN)
    rows = {r.name: r for r in response.context["rows"]}
    one, two = rows["指导员一"], rows["指导员二"]
    assert (one.n_visits, one.n_covered, one.n_overdue, one.n_open) == (1, 1, 0, 2)
    assert (two.n_visits, two.n_covered, two.n_overdue, two.n_open) == (1, 1, 0, 0)
    # The month of the old visit: one visit, and the enterprise was not overdue then either.
    old_month = log["old"].date.strftime("%Y-%m")
    rows = {r.name: r for r in client.get(reverse("parties:visit_report"), {"month": old_month}).context["rows"]}
    assert rows["指导员一"].n_visits == 1 and rows["指导员二"].n_visits == 0
    assert rows["指导员二"].n_overdue == 1  # 云集药业 had no visit in the 30 days before that month's end
    # A secretary sees only the instructors and visits of their subtree.
    client.force_login(sam)
    names = [r.name for r in client.get(reverse("parties:visit_report")).context["rows"]]
    assert names == ["指导员一"]
    xlsx = client.get(reverse("parties:visit_report"), {"export": "xlsx"})
    assert xlsx.status_code == 200


@pytest.mark.django_db
def test_open_problems_oldest_first_with_their_owners(client, alice, log):
    client.force_login(alice)
    response = client.get(reverse("parties:visit_problems"), **EN)
    problems = list(response.context["page"].object_list)
    assert [p.description for p in problems] == ["入党积极分子培养滞后", "场地不足"]
    html = response.content.decode()
    assert "支部书记" in html and "行政部" in html and "已解决的问题" not in html


@pytest.mark.django_db
def test_the_dashboard_card_shows_the_share_of_platforms_visited_this_month(alice, sam, tree, log):
    # Outside a request the cards speak the thread's language: set it, rather than inherit the last test's.
    with translation.override("en"):
        with CaptureQueriesContext(connection) as ctx:
            cards = {str(c.title): c for c in cards_for(alice) if c.group == "visits"}
        card = cards["Platform enterprises visited this month"]
        assert card.value == "100%" and card.note == "2 of 2"
        assert cards["Open problems from visits"].value == 2
        n = len(ctx.captured_queries)
        # More platforms, none visited: same number of queries, lower share.
        Enterprise.objects.bulk_create(
            Enterprise(park=tree["e1"].park, name=f"平台{i}", kind=EnterpriseKind.PLATFORM) for i in range(20)
        )
        with CaptureQueriesContext(connection) as ctx:
            cards = {str(c.title): c for c in cards_for(alice) if c.group == "visits"}
        assert cards["Platform enterprises visited this month"].value == "9%"
        assert len(ctx.captured_queries) == n


@pytest.mark.django_db
def test_my_enterprises_marks_overdue_platforms_and_lists_secondaries_under_them(client, ian, tree, park):
    tenant = Enterprise.objects.create(park=park, name="入驻企业甲", kind=EnterpriseKind.SECONDARY, platform=tree["e1"])
    client.force_login(ian)
    rows = client.get(reverse("parties:my_enterprises"), **EN).context["rows"]
    assert [(r.name, r.overdue, r.days_since) for r in rows] == [
        ("传化公路港", True, None),
        ("入驻企业甲", False, None),
    ]
    make_visit(ian, tree["e1"], days_ago=31)
    make_visit(ian, tenant, days_ago=3)
    response = client.get(reverse("parties:my_enterprises"), **EN)
    rows = response.context["rows"]
    assert [(r.name, r.overdue, r.days_since) for r in rows] == [("传化公路港", True, 31), ("入驻企业甲", False, 3)]
    html = response.content.decode()
    assert "Overdue" in html and "31 days ago" in html
    assert f"?enterprise={tenant.pk}" in html  # "log a visit" opens with the enterprise chosen
    make_visit(ian, tree["e1"], days_ago=30)
    rows = client.get(reverse("parties:my_enterprises")).context["rows"]
    assert rows[0].overdue is False


@pytest.mark.django_db
def test_my_enterprises_runs_the_same_queries_for_5_and_50_enterprises(
    client, ian, tree, park, django_assert_num_queries
):
    client.force_login(ian)
    url = reverse("parties:my_enterprises")
    client.get(url)  # warm the session
    made = 0
    for size in (5, 50):
        tenants = Enterprise.objects.bulk_create(
            Enterprise(park=park, name=f"入驻{made + i}", kind=EnterpriseKind.SECONDARY, platform=tree["e1"])
            for i in range(size - made)
        )
        for tenant in tenants:
            make_visit(ian, tenant, days_ago=made % 40)
            made += 1
        # Queries: the session with its user, enterprises with Max(visit date) — one query for every row.
        with django_assert_num_queries(2):
            response = client.get(url)
        assert len(response.context["rows"]) == size + 1


@pytest.mark.django_db
def test_the_visits_list_runs_the_same_queries_for_5_and_50_rows(client, alice, ian, tree, django_assert_num_queries):
    client.force_login(alice)
    url = reverse("parties:visit_list")
    client.get(url)
    for size in (5, 50):
        while Visit.objects.count() < size:
            make_visit(ian, tree["e1"], problems=[{"description": "问题", "state": "open"}])
        # Queries: the session with its user, the generation of the filter's choices (its fields kept since the
        # first request: visits are not among their tables), count, the page's visits (for the page's ids, a
        # LIMIT/OFFSET subquery) with their problem and photo counts as subqueries.
        with django_assert_num_queries(4):
            response = client.get(url)
        assert len(response.context["page"].object_list) == size
    assert VisitProblem.objects.count() == 50


@pytest.mark.django_db
def test_huge_or_odd_numbers_in_the_address_are_not_a_500(client, alice, ian, tree, log):
    big = "9" * 30
    client.force_login(alice)
    for query in (
        {"enterprise_id": big},
        {"enterprise_id": "1e400"},
        {"instructor": big},
        {"committee": big},
        {"page": big},
        {"month": "99999-99"},
    ):
        assert client.get(reverse("parties:visit_list"), query).status_code == 200, query
        assert client.get(reverse("parties:visit_report"), query).status_code == 200, query
    assert client.get(f"/org/visits/{big}/").status_code == 404
    client.force_login(ian)
    assert client.get(reverse("parties:visit_new"), {"enterprise": big}).status_code == 200


@pytest.mark.django_db
def test_the_visits_list_rows_escape_what_people_typed(client, alice, ian, tree):
    """The rows are HTML built in Python (VISIT_ROW): names are escaped there, not by the template."""
    e1 = tree["e1"]
    e1.name = '<script>alert("e")</script>&'
    e1.save()
    platform = Enterprise.objects.create(park=e1.park, name="平台<b>'x'</b>", kind=EnterpriseKind.PLATFORM)
    secondary = Enterprise.objects.create(
        park=e1.park, name="次级<i>", kind=EnterpriseKind.SECONDARY, platform=platform, instructor=e1.instructor
    )
    instructor = e1.instructor
    instructor.name = "<u>讲师</u>"
    instructor.save()
    make_visit(ian, e1, problems=[{"description": "一", "state": "open"}, {"description": "二", "state": "solved"}])
    make_visit(ian, secondary, days_ago=1)
    client.force_login(alice)
    html = client.get(reverse("parties:visit_list"), **EN).content.decode()
    assert "<script>alert" not in html and "<b>" not in html and "<i>" not in html and "<u>" not in html
    assert "&lt;script&gt;alert(&quot;e&quot;)&lt;/script&gt;&amp;" in html
    assert '次级&lt;i&gt; <span class="muted">(平台&lt;b&gt;&#x27;x&#x27;&lt;/b&gt;)</span>' in html
    assert "&lt;u&gt;讲师&lt;/u&gt;" in html
    # The open / all problems cell: a badge for the open one, and a plain 0 for the visit without problems.
    assert '<span class="badge badge-warn">1</span> / 2</td>' in html
    assert 'class="num">0 / 0</td>' in html
    assert '<td data-label="Kind of visit">' in html


@pytest.mark.django_db
def test_my_enterprises_items_escape_names_and_say_never_visited(client, ian, tree, park):
    """The items are HTML built in Python (MY_ENTERPRISE_ITEM): names are escaped there; the plural and the
    "never visited" text are the template's translations."""
    Enterprise.objects.filter(pk=tree["e1"].pk).update(name='<script>"平台"</script>')
    tenant = Enterprise.objects.create(
        park=park, name="<b>入驻</b>&", kind=EnterpriseKind.SECONDARY, platform=tree["e1"]
    )
    make_visit(ian, tenant, days_ago=1)
    client.force_login(ian)
    html = client.get(reverse("parties:my_enterprises"), **EN).content.decode()
    assert "<script>" not in html and "<b>" not in html
    assert '<strong class="ent-name">&lt;script&gt;&quot;平台&quot;&lt;/script&gt;</strong>' in html
    assert '<strong class="ent-name">&lt;b&gt;入驻&lt;/b&gt;&amp;</strong>' in html
    assert "Never visited" in html and "Secondary enterprise · " in html and "(1 day ago)" in html
    assert f'<a href="/org/visits/?enterprise_id={tenant.pk}">Past visits</a>' in html
    html = client.get(reverse("parties:my_enterprises")).content.decode()
    assert "（1 天前）" in html


# The filter's fields as list.html rendered them before they were memoised (parties.views.visits._filter_fields_html).
OLD_FILTER_FIELDS = """{% for field in filter.form.visible_fields %}
        {% if field.name == "open_problems" %}
        <div class="field"><label class="inline">{{ field }} {{ field.label }}</label>{{ field.errors }}</div>
        {% else %}{% include "parties/visits/_field.html" %}{% endif %}
      {% endfor %}
      {% for field in filter.form.hidden_fields %}{{ field }}{% endfor %}"""


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"kind": "policy", "enterprise": "<b>"}, {"date_from": "bad"}, {"page": "2"}])
def test_the_memoised_filter_fields_are_the_old_template_loop(client, alice, sam, ian, tree, log, params):
    from django.template import engines

    old = engines["django"].from_string(OLD_FILTER_FIELDS)
    for user in (alice, sam, ian):
        client.force_login(user)
        for _ in range(2):  # rendered, then from the memo
            response = client.get(reverse("parties:visit_list"), params, **EN)
            expected = old.render({"filter": response.context["filter"]})
            assert response.context["filter_fields"] == expected
            assert expected in response.content.decode()


@pytest.mark.django_db
def test_the_memoised_filter_fields_follow_their_choices(client, alice, tree, log):
    """The memo's key holds the choices: a renamed instructor or a new committee shows at once."""
    from parties.models import Organisation

    client.force_login(alice)
    url = reverse("parties:visit_list")
    assert "指导员一" in client.get(url).context["filter_fields"]
    tree["ins1"].name = "改名的指导员"
    tree["ins1"].save()
    fields = client.get(url).context["filter_fields"]
    assert "改名的指导员" in fields and "指导员一" not in fields
    Organisation.objects.create(park=tree["root"].park, parent=tree["root"], name="新综合党委", kind="committee")
    assert "新综合党委" in client.get(url).context["filter_fields"]
    with translation.override("en"):
        assert "All kinds" in client.get(url, **EN).context["filter_fields"]


@pytest.mark.django_db
def test_the_kept_filter_fields_follow_their_tables(client, alice, tree):
    """The office's unbound filter fields are kept under the generation of the tables of their choices: a renamed
    instructor or committee (QuerySet.update: no signal) shows on the next request."""
    client.force_login(alice)
    url = reverse("parties:visit_list")
    assert "指导员一" in client.get(url).content.decode()
    Instructor.objects.filter(pk=tree["ins1"].pk).update(name="改名的指导员")
    assert "改名的指导员" in client.get(url).content.decode()
    Organisation.objects.filter(pk=tree["root"].pk).update(name="改名的党工委")
    assert "改名的党工委" in client.get(url).content.decode()
