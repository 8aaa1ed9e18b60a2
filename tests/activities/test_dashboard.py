"""Dashboard cards: upcoming events and registrations this month, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.dashboard import event_cards
from activities.models import Event, EventKind, Registration
from activities.services import registration_cancel, registration_create, walkin_create
from parkportal.registry import cards_for
from tests.activities.conftest import drivers, make_event

pytestmark = pytest.mark.django_db


def test_cards_count_scoped_and_fixed_queries(
    django_assert_num_queries, park, tree, kinds, sam, alice, clinic, other_event
):
    for u in drivers(park, 5):
        registration_create(event=clinic, user=u)
        registration_create(event=other_event, user=u)
    # One query: the park row with the upcoming events and the registrations aggregates as subqueries.
    with django_assert_num_queries(1):
        cards = {str(c.title): c.value for c in cards_for(alice, event_cards)}
    assert list(cards.values()) == [2, 10]
    cards = {str(c.title): c.value for c in cards_for(sam, event_cards)}
    assert list(cards.values()) == [1, 5]


def test_home_shows_event_cards(client, alice, clinic):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "近期活动" in html or "Upcoming events" in html


def _live_month(park_id: int) -> list[int]:
    """The month's figure the long way: through each registration's event, not the copied park column."""
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = Registration.objects.filter(event__park_id=park_id, created__gte=month_start)
    return [rows.count(), rows.filter(status="waiting").count()]


def test_month_figure_equals_the_live_aggregate_over_events(
    park, other_park, tree, kinds, alice, olga, clinic, django_capture_on_commit_callbacks
):
    """The card reads Registration.park; every way a registration is written must leave it equal to the
    event's park: the capacity service (confirmed, waiting, a cancelled row re-used), a walk-in, a plain
    create (admin), bulk_create (seed, imports)."""
    small = make_event(park, kinds["legal"], tree["b2"], capacity=1, title="小课堂")
    unlimited = make_event(park, kinds["legal"], tree["b2"], capacity=None, title="大讲堂")
    people = drivers(park, 6)
    for u in people[:3]:
        registration_create(event=small, user=u)  # 1 confirmed, 2 waiting
        registration_create(event=unlimited, user=u)  # the FOR SHARE path
    first = Registration.objects.get(event=small, status="confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=first, by=first.user)  # promotes one
    registration_create(event=small, user=first.user)  # re-uses the cancelled row, waiting again
    walkin_create(event=clinic, name="路人", phone="", by=alice)
    Registration.objects.create(event=clinic, user=people[3], name="后台")
    Registration.objects.bulk_create([Registration(event=clinic, user=u, name="导入") for u in people[4:]])
    # Another park's registrations and last month's stay out.
    elsewhere = make_event(other_park, EventKind.objects.create(park=other_park, slug="x", name="X"), tree["b1"])
    registration_create(event=elsewhere, user=people[0])
    Registration.objects.filter(event=unlimited, user=people[0]).update(created=timezone.now() - timedelta(days=40))

    assert Registration.objects.exclude(park_id=F("event__park_id")).count() == 0
    for user, park_id in ((alice, park.pk), (olga, other_park.pk)):
        card = {str(c.title): c for c in cards_for(user, event_cards)}[_("Registrations this month")]
        total, waiting = _live_month(park_id)
        assert (card.value, str(card.note)) == (total, _("%(n)d waiting") % {"n": waiting})
    assert _live_month(park.pk) == [9, 2]


@pytest.mark.postgres
def test_database_refuses_a_registration_in_another_park_and_follows_a_moved_event(park, other_park, clinic, dong):
    """The composite foreign key (event, park) -> event (id, park): whatever bypasses the model (raw SQL,
    update()) cannot give a registration another park than its event's; moving the event carries them."""
    if connection.vendor != "postgresql":
        pytest.skip("the composite foreign key is PostgreSQL's (migration 0005)")
    registration, _created = registration_create(event=clinic, user=dong)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(park_id=other_park.pk)
    Event.objects.filter(pk=clinic.pk).update(park_id=other_park.pk)
    registration.refresh_from_db()
    assert registration.park_id == other_park.pk
