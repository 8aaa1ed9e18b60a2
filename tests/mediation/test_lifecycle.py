"""The lifecycle service: every allowed move works, every other move is refused, history is whole."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from mediation import services
from mediation.models import Agreement, Case, CaseEvent, EventKind, Instalment, Status
from tests.mediation.conftest import make_case

pytestmark = pytest.mark.django_db


def _through_to_agreement(case, user):
    services.case_accept(case=case, user=user)
    services.session_add(
        case=case, user=user, held_on=timezone.localdate(), place="商友之家", present="双方", minutes="第一次调解"
    )
    services.session_add(
        case=case, user=user, held_on=timezone.localdate(), place="商友之家", present="双方", minutes="第二次调解"
    )
    return services.agreement_record(
        case=case,
        user=user,
        facts_in_dispute="欠薪",
        terms="支付一万元",
        performance="转账",
        perform_by=timezone.localdate() + timedelta(days=20),
        amount=Decimal("10000"),
    )


def test_full_lifecycle_with_history(mabel, case):
    agreement = _through_to_agreement(case, mabel)
    services.instalment_add(case=case, user=mabel, amount=Decimal("6000"), paid_on=timezone.localdate())
    services.instalment_add(case=case, user=mabel, amount=Decimal("4000"), due_on=timezone.localdate())
    services.case_close(case=case, user=mabel)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.outcome == "agreement"
    assert case.days_to_close == 0
    assert case.left_park is False
    assert agreement.instalments.count() == 2
    kinds = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", "from_status", "to_status"))
    assert kinds == [
        (EventKind.TRANSITION, "received", "accepted"),
        (EventKind.TRANSITION, "accepted", "in_mediation"),
        (EventKind.SESSION, "", ""),
        (EventKind.SESSION, "", ""),
        (EventKind.TRANSITION, "in_mediation", "agreement"),
        (EventKind.AGREEMENT, "", ""),
        (EventKind.INSTALMENT, "", ""),
        (EventKind.INSTALMENT, "", ""),
        (EventKind.TRANSITION, "agreement", "closed"),
    ]
    assert set(CaseEvent.objects.filter(case=case).values_list("user", flat=True)) == {mabel.pk}


ALL = [s.value for s in Status]


@pytest.mark.parametrize(
    "start,to",
    [(a, b) for a, b in itertools.product(ALL, ALL) if b not in services.TRANSITIONS[a]],
)
def test_every_impossible_transition_is_refused(mabel, room, start, to):
    case = make_case(room, status=start)
    with pytest.raises(services.TransitionError) as error:
        services.case_transition(case=case, to=to, user=mabel)
    assert "cannot become" in error.value.message or "不能" in error.value.message
    case.refresh_from_db()
    assert case.status == start
    assert case.version == 1
    assert not CaseEvent.objects.filter(case=case).exists()


@pytest.mark.parametrize("start,to", [(a, b) for a in ALL for b in services.TRANSITIONS[a]])
def test_every_allowed_transition_is_recorded(mabel, room, start, to):
    case = make_case(room, status=start)
    services.case_transition(case=case, to=to, user=mabel, version=1, note="why")
    case.refresh_from_db()
    assert case.status == to and case.version == 2
    event = CaseEvent.objects.get(case=case)
    assert (event.user, event.from_status, event.to_status, event.note) == (mabel, start, to, "why")


def test_stale_version_is_refused_and_nothing_changes(mabel, case):
    services.case_accept(case=case, user=mabel, version=1)
    with pytest.raises(services.StaleCase):
        services.case_withdraw(case=Case.objects.get(pk=case.pk), user=mabel, version=1)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and case.version == 2


def test_session_only_when_accepted_or_in_mediation(mabel, case):
    with pytest.raises(services.TransitionError):
        services.session_add(case=case, user=mabel, held_on=timezone.localdate(), place="x", present="y", minutes="z")
    assert not case.sessions.exists()


def test_agreement_only_in_mediation(mabel, case):
    services.case_accept(case=case, user=mabel)
    with pytest.raises(services.TransitionError):
        services.agreement_record(
            case=case,
            user=mabel,
            facts_in_dispute="a",
            terms="b",
            performance="c",
            perform_by=timezone.localdate(),
            amount=Decimal("1"),
        )
    assert not Agreement.objects.exists()


def test_decline_needs_reason_and_counts_as_leaving_the_park(mabel, case):
    with pytest.raises(services.TransitionError):
        services.case_decline(case=case, user=mabel, reason="  ")
    services.case_decline(case=case, user=mabel, reason="不属于受理范围", referral="区劳动人事争议仲裁委员会")
    case.refresh_from_db()
    assert case.status == Status.DECLINED and case.left_park and case.referral


def test_payments_only_under_an_agreement(mabel, case):
    with pytest.raises(services.TransitionError):
        services.instalment_add(case=case, user=mabel, amount=Decimal("1"), paid_on=timezone.localdate())
    assert not Instalment.objects.exists()


def test_views_refuse_impossible_moves_with_a_message(client, mabel, room):
    case = make_case(room, status=Status.CLOSED)
    client.force_login(mabel)
    response = client.post(reverse("mediation:case_move", args=[case.pk, "withdraw"]), {"version": 1}, follow=True)
    assert response.status_code == 200
    assert "不能" in response.content.decode() or "cannot become" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_stale_form_is_told(client, mabel, case):
    client.force_login(mabel)
    client.post(reverse("mediation:case_move", args=[case.pk, "accept"]), {"version": 1})
    response = client.post(reverse("mediation:case_move", args=[case.pk, "withdraw"]), {"version": 1}, follow=True)
    body = response.content.decode()
    assert "Someone else changed this case" in body or "有人" in body
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED


def test_nothing_is_ever_deleted(case, alice, rf):
    request = rf.get("/")
    request.user = alice
    for model, model_admin in site._registry.items():
        if model._meta.app_label == "mediation":
            assert model_admin.has_delete_permission(request, None) is False, model
    with pytest.raises(NoReverseMatch):
        reverse("mediation:case_delete", args=[case.pk])
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        case.body.delete()


def test_dates_out_of_order_are_refused(mabel, room):
    case = make_case(room, days_ago=3)
    services.case_accept(case=case, user=mabel)
    with pytest.raises(services.TransitionError):
        services.session_add(
            case=case,
            user=mabel,
            held_on=timezone.localdate() - timedelta(days=10),
            place="x",
            present="y",
            minutes="z",
        )
    services.session_add(case=case, user=mabel, held_on=timezone.localdate(), place="x", present="y", minutes="z")
    services.agreement_record(
        case=case,
        user=mabel,
        facts_in_dispute="a",
        terms="b",
        performance="c",
        perform_by=timezone.localdate(),
        amount=Decimal("100"),
    )
    with pytest.raises(services.TransitionError):
        services.instalment_add(
            case=case, user=mabel, amount=Decimal("1"), paid_on=timezone.localdate() - timedelta(days=1)
        )
    assert not Instalment.objects.exists()


def test_history_shows_the_current_opening(client, mabel, case):
    client.force_login(mabel)
    html = client.get(reverse("mediation:case_detail", args=[case.pk])).content.decode()
    history = html[html.index('class="panel history"') :]
    assert "梅调解" in history
