"""An organiser's cancellations and capacity edits while drivers register, on PostgreSQL with real connections."""

from __future__ import annotations

import random

import pytest

from activities.models import Event, Registration
from activities.services import (
    CapacityError,
    capacity_lowered_below_taken,
    event_update,
    registration_cancel_by_organiser,
    registration_create,
)
from parkportal.models import SmsMessage
from parkportal.roles import Role
from tests.activities.conftest import drivers, make_event, more_drivers
from tests.activities.test_concurrency import _run_all
from tests.conftest import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _held(event) -> int:
    return sum(
        Registration.objects.filter(event=event, status__in=Registration.HOLDING).values_list("places", flat=True)
    )


def test_organiser_cancels_while_drivers_register(park, tree, kinds):
    """20 places, full, 10 waiting. At once: 30 more drivers register, and the organiser cancels 10 confirmed
    registrations, each tapped twice. Each cancellation promotes the next of the first 10 waiting, once, with
    one SMS; the newcomers all wait behind them; never more than 20 places."""
    organiser = make_user("organiser", Role.PARK_ADMIN, park)
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=20)
    first = [registration_create(event=event, user=u)[0] for u in drivers(park, 30)]
    confirmed = [r for r in first if r.status == "confirmed"]
    waiting = sorted((r for r in first if r.status == "waiting"), key=lambda r: r.position)
    assert len(confirmed) == 20 and len(waiting) == 10
    newcomers = more_drivers(park, 30, prefix="new", first=0)

    def cancel(registration):
        return ("cancel", registration_cancel_by_organiser(registration=registration, by=organiser))

    def register(user):
        return ("register", registration_create(event=event, user=user))

    work = [(cancel, r) for r in confirmed[:10] * 2] + [(register, u) for u in newcomers]
    random.Random(7).shuffle(work)  # cancellations and registrations mixed
    results = _run_all(lambda item: item[0](item[1]), work)

    cancellations = [outcome for kind, outcome in results if kind == "cancel"]
    assert sorted(done for done, _promoted in cancellations) == [False] * 10 + [True] * 10
    promoted = [p.pk for _done, batch in cancellations for p in batch]
    assert sorted(promoted) == sorted(r.pk for r in waiting)  # each once, the first ten waiting
    regs = Registration.objects.filter(event=event)
    assert _held(event) == 20
    assert regs.filter(status="cancelled", cancelled_by=organiser).count() == 10
    still_waiting = list(regs.filter(status="waiting").order_by("position"))
    assert {r.user_id for r in still_waiting} == {u.pk for u in newcomers}
    assert len({r.position for r in still_waiting}) == 30
    for r in waiting:
        assert SmsMessage.objects.filter(phone=r.phone, body__contains=r.ticket_code).count() == 1
    for r in confirmed[:10]:
        assert SmsMessage.objects.filter(phone=r.phone).count() == 1  # "cancelled by the organiser", once


@pytest.mark.parametrize("start_capacity", [30, None], ids=["limit-30", "no-limit"])
def test_capacity_lowered_while_drivers_register(park, tree, kinds, start_capacity):
    """10 places held; at once 40 drivers register and the organiser lowers the limit to 25 (the form having
    counted 10). Whichever wins the lock, the places held never exceed the limit: either the edit saved while
    25 or fewer were held and the rest wait, or it is refused with the count it saw. Without a limit, the
    registrations share the event row, and the edit still waits for them (and they for it)."""
    for run in range(5):
        event = make_event(park, kinds["clinic"], tree["b1"], capacity=start_capacity, title=f"run {run}")
        for u in more_drivers(park, 10, prefix=f"r{run}-", first=run * 100):
            registration_create(event=event, user=u)
        edited = Event.objects.get(pk=event.pk)
        assert capacity_lowered_below_taken(event=edited, old_capacity=edited.capacity, new_capacity=25) is None
        edited.capacity = 25

        def lower(_, edited=edited):
            try:
                event_update(event=edited)
            except CapacityError as exc:
                return ("refused", exc.taken)
            return ("saved", None)

        def register(user, event=event):
            registration_create(event=event, user=user)
            return ("registered", None)

        people = more_drivers(park, 40, prefix=f"n{run}-", first=run * 100 + 10)
        work = [(register, u) for u in people[:8]] + [(lower, None)] + [(register, u) for u in people[8:]]
        outcome = [r for r in _run_all(lambda item: item[0](item[1]), work) if r[0] != "registered"][0]
        event.refresh_from_db()
        held = _held(event)
        assert Registration.objects.filter(event=event).count() == 50
        if outcome[0] == "saved":
            assert event.capacity == 25 and held == 25, f"run {run}"
            assert Registration.objects.filter(event=event, status="waiting").count() == 25
        else:
            assert event.capacity == start_capacity and outcome[1] > 25, f"run {run}"
            assert held == (30 if start_capacity else 50), f"run {run}"
        waiting = Registration.objects.filter(event=event, status="waiting").order_by("position")
        assert [r.position for r in waiting] == list(range(1, waiting.count() + 1)), f"run {run}"
