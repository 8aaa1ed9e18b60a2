"""The capacity service: confirmed while places fit, then the waiting list in order; promotion on cancel."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from activities.models import Registration
from activities.services import (
    FamilyEntry,
    RegistrationError,
    registration_cancel,
    registration_checkin,
    registration_create,
    waiting_rank,
)
from parkportal.models import SmsMessage
from tests.activities.conftest import drivers, make_event

pytestmark = pytest.mark.django_db


def test_full_event_puts_people_on_the_waiting_list_in_order(park, tree, kinds):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=2)
    people = drivers(park, 4)
    regs = [registration_create(event=event, user=u)[0] for u in people]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [waiting_rank(r) for r in regs[2:]] == [1, 2]


def test_family_members_take_places(park, tree, kinds, dong, wang):
    event = make_event(park, kinds["school"], tree["b1"], capacity=3, allow_family=True)
    reg, _ = registration_create(event=event, user=dong, family=[FamilyEntry("董小", "女儿", 8)])
    assert reg.places == 2 and reg.status == "confirmed"
    assert reg.family.get().age == 8
    reg2, _ = registration_create(event=event, user=wang, family=[FamilyEntry("王小", "儿子", 9)])
    assert reg2.status == "waiting"  # 2 + 2 > 3


def test_cancel_promotes_the_first_waiting_and_texts_them(park, tree, kinds, django_capture_on_commit_callbacks):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=1)
    a, b, c = drivers(park, 3)
    ra = registration_create(event=event, user=a)[0]
    rb = registration_create(event=event, user=b)[0]
    rc = registration_create(event=event, user=c)[0]
    with django_capture_on_commit_callbacks(execute=True):
        promoted = registration_cancel(registration=ra, by=a)
    assert [p.pk for p in promoted] == [rb.pk]
    rb.refresh_from_db()
    rc.refresh_from_db()
    assert rb.status == "confirmed" and rb.position is None
    assert waiting_rank(rc) == 1
    assert SmsMessage.objects.filter(phone=b.phone, body__contains=event.title).count() == 1
    # Cancelling again changes nothing and promotes nobody.
    assert registration_cancel(registration=ra, by=a) == []
    rc.refresh_from_db()
    assert rc.status == "waiting"


def test_second_registration_returns_the_first(clinic, dong):
    first, created = registration_create(event=clinic, user=dong)
    again, created_again = registration_create(event=clinic, user=dong)
    assert created and not created_again and first.pk == again.pk
    assert Registration.objects.filter(event=clinic).count() == 1


def test_reregistering_after_cancel_reuses_the_row(clinic, dong):
    first, _ = registration_create(event=clinic, user=dong)
    registration_cancel(registration=first, by=dong)
    again, created = registration_create(event=clinic, user=dong)
    assert created and again.pk == first.pk and again.status == "confirmed"


def test_database_refuses_two_registrations_per_person(clinic, dong):
    Registration.objects.create(event=clinic, user=dong, name="董")
    with pytest.raises(IntegrityError):
        Registration.objects.create(event=clinic, user=dong, name="董")


def test_database_refuses_a_ticket_code_twice(clinic, dong, wang):
    """The code is the ticket's only key (its QR code and its page): unique in the database, by a constraint."""
    Registration.objects.create(event=clinic, user=dong, name="董", ticket_code="SAMECODE0001")
    with pytest.raises(IntegrityError):
        Registration.objects.create(event=clinic, user=wang, name="王", ticket_code="SAMECODE0001")


def test_checkin_twice_counts_once(clinic, dong, desi):
    reg, _ = registration_create(event=clinic, user=dong)
    _, first = registration_checkin(registration=reg, by=desi)
    _, second = registration_checkin(registration=reg, by=desi)
    assert (first, second) == (True, False)
    assert Registration.objects.filter(event=clinic, status="attended").count() == 1


def test_cannot_register_for_a_cancelled_event(park, tree, kinds, dong):
    event = make_event(park, kinds["clinic"], tree["b1"], status="cancelled")
    with pytest.raises(RegistrationError):
        registration_create(event=event, user=dong)
    assert not Registration.objects.exists()


def test_cannot_register_after_the_window(park, tree, kinds, dong):
    from datetime import timedelta

    from django.utils import timezone

    event = make_event(park, kinds["clinic"], tree["b1"], registration_closes=timezone.now() - timedelta(hours=1))
    with pytest.raises(RegistrationError, match="closed|已截止"):
        registration_create(event=event, user=dong)
    assert not Registration.objects.exists()


def test_family_refused_when_not_allowed(park, tree, kinds, dong):
    event = make_event(park, kinds["clinic"], tree["b1"], allow_family=False)
    with pytest.raises(RegistrationError):
        registration_create(event=event, user=dong, family=[FamilyEntry("x", "y")])


def test_cannot_register_before_the_window_opens(park, tree, kinds, dong):
    from datetime import timedelta

    from django.utils import timezone

    event = make_event(park, kinds["clinic"], tree["b1"], registration_opens=timezone.now() + timedelta(days=1))
    with pytest.raises(RegistrationError):
        registration_create(event=event, user=dong)
    assert not Registration.objects.exists()


def test_database_refuses_bad_events(park, tree, kinds):
    from datetime import timedelta

    from django.db import transaction

    for bad in ({"capacity": 0}, {"ends_at_offset": -1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            event = make_event(park, kinds["clinic"], tree["b1"], capacity=bad.get("capacity", 5))
            if "ends_at_offset" in bad:
                type(event).objects.filter(pk=event.pk).update(ends_at=event.starts_at - timedelta(hours=1))


# --- Events without a place limit take the shared-lock path (activities.services._register_without_limit) ----


@pytest.fixture
def unlimited(park, tree, kinds):
    return make_event(park, kinds["clinic"], tree["b1"], capacity=None, allow_family=True, title="不限名额")


def test_no_limit_confirms_everyone_with_family(unlimited, park, dong):
    people = drivers(park, 3)
    regs = [registration_create(event=unlimited, user=u)[0] for u in people]
    with_child, created = registration_create(event=unlimited, user=dong, family=[FamilyEntry("董小", "女儿", 8)])
    assert created and with_child.places == 2 and with_child.family.get().age == 8
    assert {r.status for r in [*regs, with_child]} == {"confirmed"}
    assert all(r.position is None and r.confirmed_at == r.created for r in [*regs, with_child])
    assert unlimited.places_left() is None


def test_no_limit_second_registration_returns_the_first(unlimited, dong):
    first, created = registration_create(event=unlimited, user=dong)
    again, created_again = registration_create(event=unlimited, user=dong)
    assert created and not created_again and first.pk == again.pk
    assert Registration.objects.filter(event=unlimited).count() == 1


def test_no_limit_reregistering_after_cancel_reuses_the_row(unlimited, dong):
    first, _ = registration_create(event=unlimited, user=dong, family=[FamilyEntry("董小", "女儿", 8)])
    registration_cancel(registration=first, by=dong)
    again, created = registration_create(event=unlimited, user=dong)
    assert created and again.pk == first.pk and again.status == "confirmed" and again.places == 1
    assert not again.family.exists()


def test_no_limit_refuses_closed_cancelled_and_unwanted_family(park, tree, kinds, dong):
    from datetime import timedelta

    from django.utils import timezone

    clinic = kinds["clinic"]
    closed = make_event(
        park, clinic, tree["b1"], capacity=None, registration_closes=timezone.now() - timedelta(hours=1)
    )
    cancelled = make_event(park, clinic, tree["b1"], capacity=None, status="cancelled")
    draft = make_event(park, clinic, tree["b1"], capacity=None, status="draft")
    no_family = make_event(park, clinic, tree["b1"], capacity=None, allow_family=False)
    for event in (closed, cancelled, draft):
        with pytest.raises(RegistrationError):
            registration_create(event=event, user=dong)
    with pytest.raises(RegistrationError):
        registration_create(event=no_family, user=dong, family=[FamilyEntry("x", "y")])
    assert not Registration.objects.exists()


def test_lifted_limit_keeps_the_waiting_list_first(park, tree, kinds):
    """The limit was lifted and the promotion has not run yet: a newcomer queues behind those waiting."""
    from activities.models import Event

    event = make_event(park, kinds["clinic"], tree["b1"], capacity=1)
    a, b, c = drivers(park, 3)
    registration_create(event=event, user=a)
    assert registration_create(event=event, user=b)[0].status == "waiting"
    Event.objects.filter(pk=event.pk).update(capacity=None)
    event.refresh_from_db()
    newcomer, _ = registration_create(event=event, user=c)
    assert (newcomer.status, newcomer.position) == ("waiting", 2)


def test_limit_set_after_the_page_was_read_is_enforced(park, tree, kinds):
    """The caller's copy says "no limit", the row says 1 place: the locked path decides."""
    from activities.models import Event

    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    a, b = drivers(park, 2)
    Event.objects.filter(pk=event.pk).update(capacity=1)
    assert registration_create(event=event, user=a)[0].status == "confirmed"
    assert registration_create(event=event, user=b)[0].status == "waiting"


def test_the_locked_paths_state_row_equals_the_orms_aggregate(park, tree, kinds, dong, wang):
    """The capacity path reads places held, people waiting, the last position and the person's own row with
    one statement prepared per connection: the same figures as QuerySet.aggregate() (also over no rows)."""
    from django.db.models import Count, Max, Q, Sum

    from activities.models import Registration
    from activities.services import _registration_state, registration_cancel

    event = make_event(park, kinds["school"], tree["b1"], capacity=3, allow_family=True)
    people = [dong, wang, *drivers(park, 4)]

    def check():
        for person in people:
            expected = Registration.objects.filter(event=event).aggregate(
                taken=Sum("places", filter=Q(status__in=Registration.HOLDING), default=0),
                waiting=Count("pk", filter=Q(status="waiting")),
                last=Max("position"),
                mine=Max("pk", filter=Q(user=person)),
            )
            assert _registration_state.rows(event.pk, person.pk) == [expected]

    check()  # no registrations: one row all the same
    registration_create(event=event, user=dong, family=[FamilyEntry("董小妹", "女儿", 8)])
    for person in people[1:]:
        registration_create(event=event, user=person)
    check()
    registration_cancel(registration=Registration.objects.get(event=event, user=dong), by=dong)
    check()


# --- The locked path's one statement (activities.services._insert_decided_by_places) -------------------------


def test_the_locked_paths_one_insert_decides_as_its_read(park, tree, kinds, monkeypatch):
    """The same registrations, cancellations and re-registrations (family groups of 1–3 places, one-taps and
    the form) on two events with the same limit: one through the one-statement insert, the other with it
    switched off, so that the read decides every registration. After every step, every row has the same
    status, position and places, and the one statement was used."""
    import random

    from activities import services

    rng = random.Random(7)
    people = drivers(park, 30)
    script = []
    for _step in range(90):
        person = rng.choice(people)
        if rng.random() < 0.25:
            script.append(("cancel", person, 0))
        else:
            script.append(("register", person, rng.choice([0, 0, 1, 2])))
    events = [make_event(park, kinds["school"], tree["b1"], capacity=6, allow_family=True) for _ in range(2)]
    used = []
    real_insert = services._insert_decided_by_places

    def counted(*args):
        used.append(args)
        return real_insert(*args)

    def run(event, insert):
        monkeypatch.setattr(services, "_insert_decided_by_places", insert)
        trace = []
        for action, person, family in script:
            found = Registration.objects.filter(event=event, user=person).first()
            if action == "cancel":
                if found is not None:
                    registration_cancel(registration=found, by=person)
            elif family:
                registration_create(event=event, user=person, family=[FamilyEntry("家人", "子女", 9)] * family)
            else:
                services.registration_tap(event_id=event.pk, user=person)
            rows = Registration.objects.filter(event=event).values_list("user_id", "status", "position", "places")
            trace.append(sorted(rows))
        return trace

    one_statement = run(events[0], counted)
    read_decides = run(events[1], lambda *args: False)
    assert one_statement == read_decides
    assert {status for _u, status, _p, _n in one_statement[-1]} >= {"confirmed", "waiting", "cancelled"}
    assert len(used) > 20


def test_the_locked_path_registers_in_one_statement_after_the_lock(client, park, tree, kinds, dong):
    """A one-tap for an event with a limit: the session with its user, then the shared lock's statement that finds
    no event without a limit (on PostgreSQL sent with the common tap's insert, one round trip), the event FOR
    UPDATE, and the insert that decides confirmed or waiting from the places held. No separate read of the
    registrations."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    event = make_event(park, kinds["clinic"], tree["b1"], capacity=5)
    client.force_login(dong)
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("activities:event_register", args=[event.pk]))
    # (A PREPARE runs once per server session, the first time a statement is used on it: not per request.)
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("PREPARE ")]
    # session with user, SAVEPOINT, FOR SHARE (no row), FOR UPDATE, INSERT … SELECT … FROM (the figures), RELEASE;
    # on PostgreSQL the first SAVEPOINT … RELEASE holds the shared lock and the common tap's insert together
    # (one statement here), and a second one the FOR UPDATE and the insert (in production: four round trips, as
    # many as without that pairing, BEGIN and COMMIT instead of the savepoints).
    assert len(sql) == (8 if connection.vendor == "postgresql" else 6), sql
    assert not any("portal_registration_state_" in q for q in sql), sql
    assert Registration.objects.get(event=event, user=dong).status == "confirmed"


def test_one_tap_after_registration_closed_returns_the_earlier_registration_first(park, tree, kinds, dong, wang):
    """The tap hands a closed event to the locked path, which answers as registration_create does: the
    person's registration if they have one, else why registration is refused; nothing written."""
    from datetime import timedelta

    from django.utils import timezone

    from activities.models import Event
    from activities.services import registration_tap

    for capacity in (None, 5):
        event = make_event(park, kinds["clinic"], tree["b1"], capacity=capacity)
        first, created = registration_tap(event_id=event.pk, user=dong)
        assert created and first.status == "confirmed"
        Event.objects.filter(pk=event.pk).update(registration_closes=timezone.now() - timedelta(minutes=1))
        again, created_again = registration_tap(event_id=event.pk, user=dong)
        assert (again.pk, created_again) == (first.pk, False)
        with pytest.raises(RegistrationError):
            registration_tap(event_id=event.pk, user=wang)
        assert Registration.objects.filter(event=event).count() == 1
