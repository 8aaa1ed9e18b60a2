"""The unfiltered case list of mediators and park administrators is cached under the generations of the tables
it reads (mediation.views.CASE_LIST_TABLES, parkportal/generations.py), per scope, page, date and language: a
write to any of them, of any kind, shows on the next visit, and so does the next day's clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation.models import Applicant, Case
from mediation.views import CASE_LIST_TABLES
from parkportal import generations
from parties.models import Enterprise
from tests.generations import assert_keyed_and_triggered, statements, tables_read
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db

URL = reverse("mediation:case_list")


def page(client, **query) -> str:
    return client.get(URL, query).content.decode()


@pytest.mark.parametrize("who", ["mabel", "alice"])
@pytest.mark.parametrize("query", [{}, {"page": "1"}])
def test_every_table_the_list_reads_is_in_the_key_and_carries_its_trigger(client, request, room, tree, who, query):
    """A table read by the list but missing from the key would leave it stale after a write."""
    make_case(room, respondent_enterprise=tree["e1"], respondent_name="")
    client.force_login(request.getfixturevalue(who))
    client.get(URL, query)  # prepares the statements on PostgreSQL (PREPARE, once per connection)
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, query).status_code == 200
    sql = statements(ctx.captured_queries)
    after = next(i for i, s in enumerate(sql) if "parkportal_generation" in s) + 1
    assert len(sql) - after == 4, "bodies, count, page, applicants"
    read = tables_read(sql[after:])
    assert_keyed_and_triggered(read, generations.tables_of(CASE_LIST_TABLES), "add these to CASE_LIST_TABLES")


def test_a_second_visit_reads_only_the_generation(client, mabel, room):
    for _ in range(3):
        make_case(room, applicants=2)
    client.force_login(mabel)
    first = client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(URL)
    # The session with its user, the generation of the list's tables (no bodies, count, rows or applicants)
    assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]
    assert "parkportal_generation" in ctx.captured_queries[1]["sql"]
    assert second.context["rows_html"] == first.context["rows_html"] and len(second.context["cases"]) == 3
    assert second.context["filter_fields"] == first.context["filter_fields"]
    assert second.context["page"].paginator.count == 3


def test_writes_of_every_kind_show_on_the_next_visit(client, mabel, room, committee, tree):
    """Signals would miss QuerySet.update(), bulk_create and raw SQL; the triggers do not."""
    case = make_case(room, respondent_enterprise=tree["e1"], respondent_name="")
    client.force_login(mabel)
    assert "工人0" in page(client)
    Applicant.objects.bulk_create([Applicant(case=case, name="新来的工人")])
    assert "新来的工人" in page(client)
    Applicant.objects.filter(case=case, name="新来的工人").update(name="改名的工人")
    assert "改名的工人" in page(client)
    Enterprise.objects.filter(pk=tree["e1"].pk).update(name="更名 <企业>")
    assert "更名 &lt;企业&gt;" in page(client)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE mediation_mediationbody SET name = %s WHERE id = %s", ["新调解室", room.pk])
    assert page(client).count("新调解室") >= 2  # the row and the filter's choice
    assert "badge badge-ok" in page(client)
    Case.objects.filter(pk=case.pk).update(status="withdrawn")  # the clock stops: the badge shows the status
    assert "badge badge-ok" not in page(client)
    make_case(room, respondent_name="第二家公司")
    assert "第二家公司" in page(client) and client.get(URL).context["page"].paginator.count == 2
    room.mediators.remove(mabel)
    assert client.get(URL).context["page"].paginator.count == 0
    assert Case.objects.count() == 2


def test_the_clock_moves_with_the_date(client, mabel, room):
    make_case(room, status="in_mediation", days_ago=14)
    client.force_login(mabel)
    assert "剩 1 天" in page(client)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client.force_login(mabel)
        assert "剩 1 天" not in page(client) and "badge badge-warn" in page(client)  # the last day


def test_each_user_page_and_language_has_its_own_entry(client, mabel, otto, alice, room, committee):
    for i in range(55):
        make_case(room, days_ago=i % 10, applicants=0)
    make_case(committee)
    client.force_login(alice)
    assert client.get(URL).context["page"].paginator.count == 56
    second = client.get(URL, {"page": "2"}).context
    assert second["page"].number == 2 and len(second["cases"]) == 6
    assert client.get(URL, {"page": "99"}).context["page"].number == 2  # the last page, as Paginator.get_page
    client.force_login(mabel)
    assert client.get(URL).context["page"].paginator.count == 55
    client.force_login(otto)
    assert client.get(URL).context["page"].paginator.count == 1
    client.cookies.load({"django_language": "en"})
    english = page(client)
    client.cookies.load({"django_language": "zh-hans"})
    chinese = page(client)
    assert 'data-label="Status"' in english and 'data-label="Status"' not in chinese
