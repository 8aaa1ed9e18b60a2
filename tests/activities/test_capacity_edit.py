"""Editing an event's place limit: never below the places already confirmed (form error, and again under the
event lock); a raised or lifted limit promotes; an edit keeps a publication or cancellation made meanwhile."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.forms import EventForm
from activities.models import Event, Registration
from activities.services import (
    CapacityError,
    FamilyEntry,
    event_cancel,
    event_update,
    registration_checkin,
    registration_create,
)
from tests.activities.conftest import drivers, make_event, more_drivers

pytestmark = pytest.mark.django_db


def _data(event: Event, **over) -> dict:
    data = {
        "kind": event.kind_id,
        "title": event.title,
        "organiser": event.organiser_id,
        "venue_text": event.venue_text,
        "starts_at": timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "audience": event.audience,
        "capacity": "" if event.capacity is None else str(event.capacity),
        "allow_family": "on" if event.allow_family else "",
        "description": event.description,
    }
    data.update(over)
    return data


@pytest.fixture
def five(park, tree, kinds, desi):
    """10 places: 5 confirmed places (3 people, one with two family members), one checked in."""
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=10, allow_family=True)
    a, b, c = drivers(park, 3)
    registration_create(event=event, user=a, family=[FamilyEntry("甲", "妻子"), FamilyEntry("乙", "儿子", 8)])
    registration_create(event=event, user=b)
    attended = registration_create(event=event, user=c)[0]
    registration_checkin(registration=attended, by=desi)
    return event


def _edit(client, event, **over):
    return client.post(reverse("activities:event_edit", args=[event.pk]), _data(event, **over))


def test_lowering_below_the_confirmed_places_is_a_field_error(client, alice, five):
    client.force_login(alice)
    response = _edit(client, five, capacity="4")
    assert response.status_code == 200
    errors = response.context["form"].errors["capacity"]
    assert errors == ["已确认 5 个名额，活动名额不能少于此数。如需减少，请先取消报名。"]
    assert "已确认 5 个名额" in response.content.decode()
    five.refresh_from_db()
    assert five.capacity == 10


def test_the_error_in_english_says_how_many(client, alice, five):
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    response = _edit(client, five, capacity="1")
    assert response.context["form"].errors["capacity"] == [
        "5 places are already confirmed: the event cannot have fewer places. To lower it, cancel registrations first."
    ]


def test_setting_a_limit_below_the_confirmed_places_is_refused(client, alice, park, tree, kinds):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    for u in drivers(park, 3):
        registration_create(event=event, user=u)
    client.force_login(alice)
    assert "capacity" in _edit(client, event, capacity="2").context["form"].errors
    assert _edit(client, event, capacity="3").status_code == 302
    event.refresh_from_db()
    assert event.capacity == 3


def test_lowering_to_the_confirmed_places_is_allowed(client, alice, five, park):
    waiting = more_drivers(park, 1, prefix="w", first=0)[0]
    client.force_login(alice)
    assert _edit(client, five, capacity="5").status_code == 302
    five.refresh_from_db()
    assert five.capacity == 5 and five.places_left() == 0
    assert registration_create(event=five, user=waiting)[0].status == "waiting"


def test_an_event_already_over_its_limit_can_still_be_edited(client, alice, five):
    """An edit before this rule could leave more places confirmed than the limit: other fields still save,
    and so does a raise that is still below the confirmed places."""
    Event.objects.filter(pk=five.pk).update(capacity=3)
    five.refresh_from_db()
    client.force_login(alice)
    assert _edit(client, five, title="新标题").status_code == 302
    five.refresh_from_db()
    assert _edit(client, five, capacity="4").status_code == 302
    assert "capacity" in _edit(client, five, capacity="2").context["form"].errors
    five.refresh_from_db()
    assert (five.title, five.capacity) == ("新标题", 4)


def test_a_place_taken_after_the_form_was_checked_is_caught_under_the_lock(five, alice, park):
    """The form counts 5 and allows 5; a registration takes a sixth place before the save; the service, counting
    under the event lock, refuses."""
    late = more_drivers(park, 1, prefix="late", first=100)[0]
    form = EventForm(_data(five, capacity="5"), instance=Event.objects.get(pk=five.pk), user=alice)
    assert form.is_valid(), form.errors
    registration_create(event=five, user=late)
    with pytest.raises(CapacityError) as refused:
        event_update(event=form.save(commit=False))
    assert refused.value.taken == 6
    five.refresh_from_db()
    assert five.capacity == 10


def test_the_view_shows_the_locked_refusal_as_a_field_error(client, alice, five, park, monkeypatch):
    from activities.views import manage

    late = more_drivers(park, 1, prefix="late", first=100)[0]
    real = manage.event_update

    def register_first(*, event):
        registration_create(event=Event.objects.get(pk=event.pk), user=late)
        return real(event=event)

    monkeypatch.setattr(manage, "event_update", register_first)
    client.force_login(alice)
    response = _edit(client, five, capacity="5")
    assert response.status_code == 200
    assert response.context["form"].errors["capacity"][0].startswith("已确认 6 个名额")
    five.refresh_from_db()
    assert five.capacity == 10


def test_raising_promotes_in_order_and_lowering_promotes_nobody(client, alice, park, tree, kinds):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=2)
    regs = [registration_create(event=event, user=u)[0] for u in drivers(park, 5)]
    client.force_login(alice)
    _edit(client, event, capacity="3")
    assert [Registration.objects.get(pk=r.pk).status for r in regs] == ["confirmed"] * 3 + ["waiting"] * 2
    event.refresh_from_db()
    _edit(client, event, capacity="")  # no limit: everyone waiting fits
    assert Registration.objects.filter(event=event, status="confirmed").count() == 5


def test_an_edit_does_not_undo_a_cancellation_made_meanwhile(alice, clinic):
    form = EventForm(_data(clinic, title="改过的标题"), instance=Event.objects.get(pk=clinic.pk), user=alice)
    assert form.is_valid(), form.errors
    event_cancel(event=clinic, notify=False)
    event_update(event=form.save(commit=False))
    clinic.refresh_from_db()
    assert (clinic.title, clinic.status) == ("改过的标题", "cancelled")
