"""The 15-day clock (劳动争议调解仲裁法 Art. 14) on day 14, 15 and 16 after receipt, with the clock frozen."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from mediation.models import Case, Status
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db
RECEIVED = date(2026, 3, 2)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: int):
    return time_machine.travel(
        datetime.combine(RECEIVED + timedelta(days=day), datetime.min.time(), SHANGHAI) + timedelta(hours=10),
        tick=False,
    )


@pytest.fixture
def running(room):
    case = make_case(room, status=Status.IN_MEDIATION)
    Case.objects.filter(pk=case.pk).update(received_on=RECEIVED)
    case.refresh_from_db()
    return case


def _row(client, case) -> str:
    html = client.get(reverse("mediation:case_list")).content.decode()
    start = html.index(f'href="/mediation/{case.pk}/"')
    return html[html.rfind("<tr", 0, start) : html.index("</tr>", start)]


def test_day_14_one_day_left(client, mabel, running):
    client.force_login(mabel)
    with _at(14):
        assert running.days_left == 1 and not running.overdue and not running.may_arbitrate
        row = _row(client, running)
        assert "overdue" not in row
        assert "1 day left" in row or "剩 1 天" in row
        assert client.get(reverse("mediation:arbitration_notice", args=[running.pk])).status_code == 404


def test_day_15_last_day(client, mabel, running):
    client.force_login(mabel)
    with _at(15):
        assert running.days_left == 0 and not running.overdue and not running.may_arbitrate
        row = _row(client, running)
        assert "overdue" not in row
        assert "Last day" in row or "最后一天" in row
        detail = client.get(reverse("mediation:case_detail", args=[running.pk])).content.decode()
        assert "arbitration-notice" not in detail


def test_day_16_overdue_and_arbitration(client, mabel, running):
    client.force_login(mabel)
    with _at(16):
        assert running.days_left == -1 and running.overdue and running.may_arbitrate
        row = _row(client, running)
        assert 'class="overdue"' in row
        assert "1 day over" in row or "超期 1 天" in row
        detail = client.get(reverse("mediation:case_detail", args=[running.pk])).content.decode()
        assert reverse("mediation:arbitration_notice", args=[running.pk]) in detail
        notice = client.get(reverse("mediation:arbitration_notice", args=[running.pk]))
        assert notice.status_code == 200
        assert "工人0" in notice.content.decode()
        # The overdue filter and the dashboard count agree with the clock.
        assert list(Case.objects.overdue()) == [running]
        listed = client.get(reverse("mediation:case_list") + "?overdue=on").content.decode()
        assert f'href="/mediation/{running.pk}/"' in listed


def test_clock_stops_at_agreement(room):
    case = make_case(room, status=Status.AGREEMENT, outcome="agreement")
    Case.objects.filter(pk=case.pk).update(received_on=RECEIVED)
    case.refresh_from_db()
    with _at(40):
        assert case.days_left is None and not case.overdue and not case.may_arbitrate


def test_no_agreement_may_arbitrate_at_once(room):
    case = make_case(room, status=Status.NO_AGREEMENT, outcome="no_agreement")
    assert case.may_arbitrate
