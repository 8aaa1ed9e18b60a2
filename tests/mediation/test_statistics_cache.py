"""The statistics page of mediators and park administrators is cached under the generations of the tables it
reads (mediation.views.STATISTICS_TABLES, parkportal/generations.py): a write to any of them, of any kind, shows
on the next visit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation.models import Agreement, Case, Instalment, MediationBody
from mediation.views import STATISTICS_TABLES
from parkportal import generations
from tests.generations import assert_keyed_and_triggered, statements, tables_read
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db

URL = reverse("mediation:statistics")


def figures(client) -> dict:
    return client.get(URL).context["figures"]


def agreement(case, mediator, amount: str) -> Agreement:
    today = timezone.localdate()
    return Agreement.objects.create(
        case=case,
        facts_in_dispute="f",
        terms="t",
        performance="p",
        perform_by=today + timedelta(days=10),
        amount=Decimal(amount),
        signed_on=today,
        mediator=mediator,
    )


@pytest.mark.parametrize("who", ["mabel", "alice"])
def test_every_table_the_figures_read_is_in_the_key_and_carries_its_trigger(client, request, room, who):
    """A table read by the figures but missing from the key would leave them stale after a write."""
    case = make_case(room, status="closed", outcome="agreement", days_to_close=3)
    Instalment.objects.create(agreement=agreement(case, request.getfixturevalue("mabel"), "10"), amount=1)
    client.force_login(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    sql = statements(ctx.captured_queries)
    after = next(i for i, s in enumerate(sql) if "parkportal_generation" in s) + 1
    assert after < len(sql), "no figures were computed"
    read = tables_read(sql[after:])
    assert_keyed_and_triggered(read, generations.tables_of(STATISTICS_TABLES), "add these to STATISTICS_TABLES")


def test_a_second_visit_reads_only_the_generation(client, alice, room):
    make_case(room)
    client.force_login(alice)
    first = client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(URL)
    # The session with its user, the generation of the figures' tables (no figures)
    assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]
    assert "parkportal_generation" in ctx.captured_queries[1]["sql"]
    assert second.context["figures_html"] == first.context["figures_html"]
    assert second.context["figures"]["total"] == 1 and second.context["figures"]["types"]


def test_writes_of_every_kind_show_on_the_next_visit(client, mabel, alice, room, committee):
    """Signals would miss QuerySet.update(), bulk_create and raw SQL; the triggers do not."""
    case = make_case(room, status="closed", outcome="agreement", days_to_close=3)
    client.force_login(alice)
    assert figures(client)["total"] == 1
    Case.objects.bulk_create([Case(**_fields(case), submit_token=uuid.uuid4()) for _ in range(2)])
    assert figures(client)["total"] == 3
    deal = agreement(case, mabel, "500")
    assert figures(client)["agreed"] == Decimal("500")
    paid = Instalment.objects.create(agreement=deal, amount=Decimal("200"))
    assert figures(client)["paid"] == 0
    Instalment.objects.filter(pk=paid.pk).update(paid_on=timezone.localdate())
    assert figures(client)["paid"] == Decimal("200")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE mediation_agreement SET amount = 700 WHERE id = %s", [deal.pk])
    assert figures(client)["agreed"] == Decimal("700")
    MediationBody.objects.filter(pk=room.pk).update(name="改名后的 <调解室>")
    assert "改名后的 &lt;调解室&gt;" in client.get(URL).content.decode()
    Case.objects.filter(pk=case.pk).update(body=committee)
    assert figures(client)["bodies"] == sorted({"改名后的 <调解室>", committee.name})

    client.force_login(mabel)  # the room's mediator
    assert figures(client)["total"] == 2
    room.mediators.remove(mabel)
    assert figures(client)["total"] == 0


def _fields(case: Case) -> dict:
    return {
        f.attname: getattr(case, f.attname)
        for f in Case._meta.concrete_fields
        if not f.primary_key and f.attname != "submit_token"
    }


def test_each_user_year_and_language_has_its_own_entry(client, mabel, otto, alice, room, committee):
    make_case(room)
    make_case(committee)
    client.force_login(alice)
    assert figures(client)["total"] == 2
    assert client.get(URL, {"year": timezone.localdate().year - 1}).context["figures"]["total"] == 0
    client.force_login(mabel)
    assert figures(client)["total"] == 1
    client.force_login(otto)
    client.cookies.load({"django_language": "en"})
    english = client.get(URL).content.decode()
    client.cookies.load({"django_language": "zh-hans"})
    chinese = client.get(URL).content.decode()
    assert "Cases received" in english and "Cases received" not in chinese
