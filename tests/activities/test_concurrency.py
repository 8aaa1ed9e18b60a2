"""Capacity under concurrent requests, on PostgreSQL with real connections (one per thread)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from activities.models import Registration
from activities.services import (
    RegistrationError,
    event_cancel,
    registration_cancel,
    registration_checkin,
    registration_create,
    registration_tap,
)
from tests.activities.conftest import drivers, make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20  # 20 connections, each sending its share of requests at once; PostgreSQL allows 100


def _run_all(fn, items, width=THREADS):
    """Call fn(item) for every item from `width` threads started together; results in item order."""
    items = list(items)
    width = min(width, len(items))
    barrier = threading.Barrier(width)
    results: list = [None] * len(items)
    errors: list = []

    def worker(offset: int) -> None:
        try:
            barrier.wait(timeout=10)
            for index in range(offset, len(items), width):
                results[index] = fn(items[index])
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(width)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_200_registrations_for_50_places_ten_runs(park, tree, kinds):
    people = drivers(park, 200)
    for run in range(10):
        event = make_event(park, kinds["clinic"], tree["b1"], capacity=50, title=f"run {run}")
        _run_all(lambda u, event=event: registration_create(event=event, user=u), people)
        regs = Registration.objects.filter(event=event)
        assert regs.count() == 200
        assert regs.filter(status="confirmed").count() == 50, f"run {run}"
        waiting = list(regs.filter(status="waiting").order_by("position"))
        assert [r.position for r in waiting] == list(range(1, 151)), f"run {run}"
        # In order of their commit: the row id is taken after the lock, so ids rise with the positions,
        # and so do the registration times.
        assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)
        assert [r.created for r in waiting] == sorted(r.created for r in waiting)
        confirmed_max = max(regs.filter(status="confirmed").values_list("pk", flat=True))
        assert confirmed_max < waiting[0].pk


def test_concurrent_cancellations_promote_each_waiting_person_once(park, tree, kinds):
    people = drivers(park, 40)
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=20)
    regs = [registration_create(event=event, user=u)[0] for u in people]
    confirmed = [r for r in regs if r.status == "confirmed"]
    waiting_ids = [r.pk for r in sorted((r for r in regs if r.status == "waiting"), key=lambda r: r.position)]
    # 10 people cancel, each twice at the same moment (double tap): 10 promotions, never 20.
    cancelling = confirmed[:10] * 2
    results = _run_all(lambda r: registration_cancel(registration=r, by=None), cancelling)
    promoted_ids = [p.pk for batch in results for p in batch]
    assert len(promoted_ids) == 10 and len(set(promoted_ids)) == 10
    assert sorted(promoted_ids) == sorted(waiting_ids[:10])
    assert Registration.objects.filter(event=event, status="confirmed").count() == 20
    assert Registration.objects.filter(event=event, status="waiting").count() == 10
    assert connection.vendor == "postgresql"


def test_double_tap_checkin_counts_once(park, tree, kinds, dong, desi):
    event = make_event(park, kinds["clinic"], tree["b1"])
    reg, _ = registration_create(event=event, user=dong)
    results = _run_all(lambda _: registration_checkin(registration=reg, by=desi)[1], range(8))
    assert results.count(True) == 1
    assert Registration.objects.get(pk=reg.pk).status == "attended"


def test_double_submitted_registration_is_one_row(park, tree, kinds, dong):
    event = make_event(park, kinds["clinic"], tree["b1"])
    results = _run_all(lambda _: registration_create(event=event, user=dong)[1], range(8))
    assert results.count(True) == 1
    assert Registration.objects.filter(event=event).count() == 1


# --- Events without a place limit: registrations share the event row (FOR SHARE), nobody queues ----------


def test_200_registrations_without_a_limit_are_all_confirmed(park, tree, kinds):
    people = drivers(park, 200)
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    results = _run_all(lambda u: registration_create(event=event, user=u), people)
    assert all(created for _reg, created in results)
    regs = Registration.objects.filter(event=event)
    assert regs.count() == 200 and regs.filter(status="confirmed", position__isnull=True).count() == 200


def test_double_submitted_registration_without_a_limit_is_one_row(park, tree, kinds, dong):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    results = _run_all(lambda _: registration_create(event=event, user=dong), range(8))
    assert [created for _reg, created in results].count(True) == 1
    assert len({reg.pk for reg, _created in results}) == 1
    assert Registration.objects.filter(event=event).count() == 1


def test_registrations_without_a_limit_do_not_wait_for_each_other(park, tree, kinds):
    """A's transaction stays open (its registration made) until B's registration has finished: with the
    exclusive lock of the capacity path, B would wait for A's commit and A's wait would time out."""
    a, b = drivers(park, 2)
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    a_registered, b_done = threading.Event(), threading.Event()
    outcome = {}

    def first():
        with transaction.atomic():
            registration_create(event=event, user=a)
            a_registered.set()
            outcome["b_finished_meanwhile"] = b_done.wait(timeout=5)

    def second():
        assert a_registered.wait(timeout=10)
        outcome["b"] = registration_create(event=event, user=b)[0].status
        b_done.set()

    _run_each([first, second])
    assert outcome == {"b_finished_meanwhile": True, "b": "confirmed"}
    assert Registration.objects.filter(event=event, status="confirmed").count() == 2


def test_registration_without_a_limit_waits_for_the_event_cancellation(park, tree, kinds, dong):
    """The cancellation holds the event row; the registration waits for it, then finds the event cancelled
    (reading the row without the shared lock, it would have registered for a cancelled event, untexted)."""
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    cancelling = threading.Event()
    outcome = {}

    def cancel():
        with transaction.atomic():
            event_cancel(event=event)
            cancelling.set()
            time.sleep(0.5)  # the registration below starts meanwhile and must wait for this commit

    def register():
        assert cancelling.wait(timeout=10)
        try:
            registration_create(event=event, user=dong)
        except RegistrationError as exc:
            outcome["refused"] = str(exc)

    _run_each([cancel, register])
    assert "refused" in outcome
    assert not Registration.objects.filter(event=event).exists()


def _run_each(fns):
    """Run each function in its own thread (and connection); re-raise the first error."""
    errors: list = []

    def wrap(fn):
        try:
            fn()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


# --- The one tap through the view: its statements are prepared once per connection (PreparedQuery) ---------


def test_one_tap_registrations_through_the_view_for_30_places(park, tree, kinds):
    """120 drivers tap "Register" at once, each on their own connection (each prepares its statements): 30
    places confirmed, the others waiting in positions 1…90, one row each."""
    from django.test import Client
    from django.urls import reverse

    people = drivers(park, 120)
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=30)
    clients = []
    for person in people:
        client = Client()
        client.force_login(person)
        clients.append(client)
    url = reverse("activities:event_register", args=[event.pk])
    statuses = _run_all(lambda client: client.post(url).status_code, clients)
    assert set(statuses) == {302}
    regs = Registration.objects.filter(event=event)
    assert regs.count() == 120 and regs.filter(status="confirmed").count() == 30
    assert sorted(regs.filter(status="waiting").values_list("position", flat=True)) == list(range(1, 91))
    # A second tap each: the same rows, nothing written.
    assert set(_run_all(lambda client: client.post(url).status_code, clients[:40])) == {302}
    assert regs.count() == 120


def _set_one_place_and_hold(event, editing: threading.Event) -> None:
    """An organiser limits `event` to one place and holds its row for half a second before committing: what
    starts once `editing` is set must wait for that commit."""
    from activities.models import Event

    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(capacity=1)
        editing.set()
        time.sleep(0.5)


def test_a_limit_set_while_a_registration_without_one_waits_for_the_row(park, tree, kinds, dong, wang):
    """The event had no limit when the view read it; an organiser sets one place (already taken by wang) and
    holds the row until commit. The registration's shared lock waits for that, then finds the limit and
    puts dong on the waiting list (without the lock it would have confirmed him: one place, two people)."""
    from activities.models import Event

    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    registration_create(event=event, user=wang)
    stale = Event.objects.get(pk=event.pk)  # capacity None, as the view read it
    editing = threading.Event()
    outcome = {}

    def register():
        assert editing.wait(timeout=10)
        outcome["status"] = registration_create(event=stale, user=dong)[0].status

    _run_each([lambda: _set_one_place_and_hold(event, editing), register])
    assert outcome == {"status": "waiting"}
    assert Registration.objects.filter(event=event, status="confirmed").count() == 1


# --- The one tap (activities.services.registration_tap): its visibility read is the lock ----------------------


def test_one_taps_without_a_limit_each_tapped_twice_at_once_are_one_row_each(park, tree, kinds):
    """80 drivers tap twice each, all at once, on an event without a limit: the insert that checks "earlier row
    or anyone waiting?" runs side by side under the shared lock, and the unique constraint refuses the second
    row of a double tap (which then finds the first through the locked path)."""
    people = drivers(park, 80)
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    results = _run_all(lambda person: registration_tap(event_id=event.pk, user=person), people + people)
    assert [created for _reg, created in results].count(True) == 80
    assert all(first[0].pk == second[0].pk for first, second in zip(results[:80], results[80:], strict=True))
    regs = Registration.objects.filter(event=event)
    assert regs.count() == 80 and regs.filter(status="confirmed", position__isnull=True).count() == 80


def test_one_taps_for_30_places_with_double_taps(park, tree, kinds):
    """60 drivers tap twice each at once for 30 places: the tap finds the limit and takes the exclusive lock."""
    people = drivers(park, 60)
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=30)
    results = _run_all(lambda person: registration_tap(event_id=event.pk, user=person), people + people)
    assert [created for _reg, created in results].count(True) == 60
    regs = Registration.objects.filter(event=event)
    assert regs.count() == 60 and regs.filter(status="confirmed").count() == 30
    assert sorted(regs.filter(status="waiting").values_list("position", flat=True)) == list(range(1, 31))


def test_a_limit_set_while_a_one_tap_waits_for_the_row(park, tree, kinds, dong, wang):
    """An organiser sets one place (already taken by wang) and holds the row until commit; the tap's shared
    lock waits, then finds the row's new version with a limit (its "no limit" filter is checked again after the
    wait), takes the exclusive lock, and puts dong on the waiting list."""

    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    registration_tap(event_id=event.pk, user=wang)
    editing = threading.Event()
    outcome = {}

    def tap():
        assert editing.wait(timeout=10)
        outcome["status"] = registration_tap(event_id=event.pk, user=dong)[0].status

    _run_each([lambda: _set_one_place_and_hold(event, editing), tap])
    assert outcome == {"status": "waiting"}
    assert Registration.objects.filter(event=event, status="confirmed").count() == 1


def test_a_one_tap_sees_a_waiting_row_committed_while_it_waited_for_the_lock(park, tree, kinds, dong, wang):
    """The insert's "anyone waiting?" is a statement of its own after the lock was granted, so it sees what the
    holder of the lock committed meanwhile: here someone put on the waiting list of an event without a limit
    (as after a lifted limit, before the promotion). Checked in the same statement as the lock, it would read
    the database as it was before the wait, and confirm dong ahead of the person waiting."""
    from activities.models import Event

    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    holding = threading.Event()
    outcome = {}

    def queue_wang():
        with transaction.atomic():
            locked = Event.objects.select_for_update().get(pk=event.pk)
            Registration.objects.create(
                event=locked, user=wang, name="王", phone="", places=1, status="waiting", position=1
            )
            holding.set()
            time.sleep(0.5)  # the tap starts meanwhile and waits for this commit

    def tap():
        assert holding.wait(timeout=10)
        registration, created = registration_tap(event_id=event.pk, user=dong)
        outcome["dong"] = (created, registration.status, registration.position)

    _run_each([queue_wang, tap])
    assert outcome == {"dong": (True, "waiting", 2)}


def test_a_one_tap_on_an_event_it_may_not_see_writes_nothing(park, tree, kinds, dong):
    """The tap's lock statements carry visible_to: a draft is not for drivers (404 in the view)."""
    from activities.models import Event

    draft = make_event(park, kinds["clinic"], tree["b1"], capacity=None, status="draft")
    limited_draft = make_event(park, kinds["clinic"], tree["b1"], capacity=3, status="draft")
    for event in (draft, limited_draft):
        with pytest.raises(Event.DoesNotExist):
            registration_tap(event_id=event.pk, user=dong)
    assert not Registration.objects.exists()
