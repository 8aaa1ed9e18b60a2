"""The agreement: printed copies (one per party and one kept), the 30-day judicial confirmation window, and what
non-performance points to (arbitration; a court payment order for wages, work-injury costs, compensation)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.models import Agreement, CaseEvent, Instalment
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db


def _agreement(case, mabel, *, perform_by, signed_on=None):
    return Agreement.objects.create(
        case=case,
        facts_in_dispute="拖欠工资三个月",
        terms="被申请人支付12000元",
        performance="银行转账",
        perform_by=perform_by,
        amount=Decimal("12000"),
        signed_on=signed_on or timezone.localdate(),
        mediator=mabel,
    )


def test_print_has_one_copy_per_party_and_one_kept(client, mabel, room):
    case = make_case(room, status="agreement", outcome="agreement", applicants=2)
    _agreement(case, mabel, perform_by=timezone.localdate())
    client.force_login(mabel)
    html = client.get(reverse("mediation:agreement_print", args=[case.pk])).content.decode()
    marks = [part.split("</p>")[0] for part in html.split('<p class="copy-mark">')[1:]]
    assert marks == ["当事人一", "当事人二", "当事人三", "存档"]  # two applicants, the respondent, the archive
    assert html.count("调解组织（印章）") == 4 and html.count("被申请人（签名或盖章）") == 4
    assert "一式4份" in html
    assert CaseEvent.objects.filter(case=case, kind="printed").count() == 1


def test_judicial_confirmation_window(client, mabel, room):
    case = make_case(room, status="agreement", outcome="agreement")
    agreement = _agreement(case, mabel, perform_by=timezone.localdate(), signed_on=date(2026, 11, 2))
    assert agreement.confirmation_deadline == date(2026, 12, 2)
    client.force_login(mabel)
    assert "2026-12-02" in client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()


@pytest.mark.parametrize(
    "dispute_type,payment_order", [("wages", True), ("work_injury", True), ("dismissal", True), ("commercial", False)]
)
def test_non_performance_points_onwards(client, mabel, room, dispute_type, payment_order):
    case = make_case(room, status="agreement", outcome="agreement", dispute_type=dispute_type)
    agreement = _agreement(
        case,
        mabel,
        perform_by=timezone.localdate() - timedelta(days=1),
        signed_on=timezone.localdate() - timedelta(days=10),
    )
    Instalment.objects.create(agreement=agreement, amount=Decimal("5000"), paid_on=timezone.localdate())
    client.force_login(mabel)
    html = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    assert "not-performed" in html and "申请劳动争议仲裁" in html
    assert ("支付令" in html.split("not-performed")[1].split("</div>")[0]) is payment_order
    assert "未付 7000.00" in html


def test_performed_agreement_does_not_warn(client, mabel, room):
    case = make_case(room, status="agreement", outcome="agreement")
    agreement = _agreement(
        case,
        mabel,
        perform_by=timezone.localdate() - timedelta(days=1),
        signed_on=timezone.localdate() - timedelta(days=10),
    )
    Instalment.objects.create(agreement=agreement, amount=Decimal("12000"), paid_on=timezone.localdate())
    client.force_login(mabel)
    assert "not-performed" not in client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()


def test_a_double_submitted_payment_is_recorded_once(client, mabel, room):
    case = make_case(room, status="agreement")
    _agreement(case, mabel, perform_by=timezone.localdate() + timedelta(days=30))
    client.force_login(mabel)
    html = client.get(reverse("mediation:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert f'name="version" value="{case.version}"' in html
    data = {"version": case.version, "amount": "6000", "paid_on": timezone.localdate().isoformat()}
    url = reverse("mediation:instalment_add", kwargs={"pk": case.pk})
    assert client.post(url, data).status_code == 302
    client.post(url, data)  # the same form again: the case moved on, so it is told and nothing is added
    assert Instalment.objects.filter(agreement__case=case).count() == 1
