"""Statistics: agreement rate, median days, share within 15 days, money agreed and paid, 纠纷不出园率; Excel."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from mediation.models import Agreement, Instalment
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_of_cases(room, committee, mabel):
    today = timezone.localdate()
    a = make_case(room, status="closed", outcome="agreement", days_to_close=10, closed_on=today)
    b = make_case(
        room, status="closed", outcome="agreement", days_to_close=20, closed_on=today, dispute_type="work_injury"
    )
    c = make_case(committee, status="closed", outcome="no_agreement", days_to_close=16, left_park=True, closed_on=today)
    make_case(room, status="declined", left_park=True, days_to_close=1, closed_on=today)
    make_case(room, status="withdrawn", days_to_close=2, closed_on=today)
    make_case(room, status="in_mediation")
    for case, amount, paid in ((a, "10000", ["4000", "6000"]), (b, "50000", ["20000"])):
        agreement = Agreement.objects.create(
            case=case,
            facts_in_dispute="f",
            terms="t",
            performance="p",
            perform_by=today + timedelta(days=10),
            amount=Decimal(amount),
            signed_on=today,
            mediator=mabel,
        )
        for p in paid:
            Instalment.objects.create(agreement=agreement, amount=Decimal(p), paid_on=today)
        Instalment.objects.create(agreement=agreement, amount=Decimal("1"), due_on=today)  # not paid
    return [a, b, c]


def test_figures(client, alice, year_of_cases):
    client.force_login(alice)
    figures = client.get(reverse("mediation:statistics")).context["figures"]
    assert figures["total"] == 6 and figures["open"] == 1
    assert figures["agreement_rate"] == pytest.approx(66.7)  # 2 of 3 concluded mediations
    assert figures["median_days"] == 16  # closed: 10, 16, 20
    assert figures["within_rate"] == pytest.approx(33.3)  # 1 of 3 closed within 15 days
    assert figures["agreed"] == Decimal("60000")
    assert figures["paid"] == Decimal("30000")
    assert figures["stay_rate"] == pytest.approx(60.0)  # 5 ended, 2 left the park (no agreement, declined)


def test_mediator_statistics_cover_their_body_only(client, mabel, year_of_cases):
    client.force_login(mabel)
    assert client.get(reverse("mediation:statistics")).context["figures"]["total"] == 5


def test_excel_export(client, alice, year_of_cases):
    client.force_login(alice)
    response = client.get(reverse("mediation:statistics_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 7
    assert rows[-1][3] == 6 and Decimal(str(rows[-1][6])) == Decimal("30000")
    assert not any("1390000" in str(v) for row in rows for v in row)


def test_bad_year_is_ignored(client, alice):
    client.force_login(alice)
    assert client.get(reverse("mediation:statistics") + "?year=abc").status_code == 200
    assert client.get(reverse("mediation:statistics") + "?year=99999999999").status_code == 200
