"""The home dashboard's cache (parkportal.registry.home_dashboard_for) and the generations it is keyed on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import EventKind
from parkportal.models import Generation, Park
from parkportal.registry import dashboard_for, dashboard_tables
from parties.models import Member, MemberStatus
from tests.activities.conftest import make_event
from tests.generations import assert_keyed_and_triggered, statements, tables_read
from tests.threads import run_together

pytestmark = pytest.mark.django_db

ROLES = ["park_admin", "secretary", "instructor", "mediator", "desk", "driver"]


def figures(client) -> dict[str, object]:
    return {str(card.title): card.value for card in client.get("/").context["cards"]}


def member(tree, name: str, **extra) -> Member:
    org = tree["b1"]
    return Member.objects.create(park_id=org.park_id, organisation=org, name=name, status=MemberStatus.FULL, **extra)


@pytest.mark.parametrize("role", ROLES)
def test_every_table_the_cards_read_is_in_the_key_and_carries_its_trigger(world, role):
    """A table read by a card but missing from the key would leave its figure stale after a write."""
    with CaptureQueriesContext(connection) as ctx:
        dashboard_for(world["users"][role])
    read = tables_read(statements(ctx.captured_queries))
    assert "parkportal_park" in read
    assert_keyed_and_triggered(read, dashboard_tables(), "add these to the provider's register_cards(reads=...)")


def test_a_second_visit_reads_only_the_generation(client, alice, tree):
    member(tree, "甲")
    client.force_login(alice)
    first = client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        second = client.get("/")
    # The session with its user, the generation of the cards' tables (no tiers, no figures)
    assert len(ctx.captured_queries) == 2, [q["sql"] for q in ctx.captured_queries]
    assert second.context["cards_html"] == first.context["cards_html"]
    assert "parkportal_generation" in ctx.captured_queries[1]["sql"]


def test_writes_of_every_kind_show_on_the_next_visit(client, alice, tree):
    """Signals would miss QuerySet.update(), bulk_create and raw SQL; the triggers do not."""
    people = [member(tree, name) for name in "甲乙丙"]
    client.force_login(alice)
    client.cookies.load({"django_language": "en"})
    assert (figures(client)["Party members"], figures(client)["Floating members"]) == (3, 0)

    Member.objects.filter(pk=people[0].pk).update(is_floating=True, home_organisation="南充市某支部")
    assert figures(client)["Floating members"] == 1
    Member.objects.bulk_create(
        [
            Member(park_id=alice.park_id, organisation=tree["b2"], name=f"新{i}", status=MemberStatus.FULL)
            for i in range(4)
        ]
    )
    assert figures(client)["Party members"] == 7
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM parties_member WHERE id = %s", [people[1].pk])
    assert figures(client)["Party members"] == 6
    Park.objects.filter(pk=alice.park_id).update(name="更名后的园区")
    assert "<h1>更名后的园区</h1>" in client.get("/").content.decode()


def test_a_rolled_back_write_keeps_the_cached_figures(client, alice, tree):
    member(tree, "甲")
    client.force_login(alice)
    client.cookies.load({"django_language": "en"})
    before = Generation.objects.get(table_name="parties_member").n
    with pytest.raises(RuntimeError), transaction.atomic():
        member(tree, "乙")
        raise RuntimeError
    assert Generation.objects.get(table_name="parties_member").n == before
    assert figures(client)["Party members"] == 1


def test_the_upcoming_events_card_expires_when_the_next_event_starts(client, alice, tree, park):
    kind = EventKind.objects.create(park=park, slug="clinic", name="健康义诊", figures=[])
    event = make_event(park, kind, tree["b1"], days=1)
    make_event(park, kind, tree["b1"], days=5)
    client.force_login(alice)
    client.cookies.load({"django_language": "en"})
    assert figures(client)["Upcoming events"] == 2
    # No write in between: only the clock moves past the first event's start (the same day in Shanghai).
    with time_machine.travel(event.starts_at + timedelta(seconds=1)):
        client.force_login(alice)
        client.cookies.load({"django_language": "en"})
        assert figures(client)["Upcoming events"] == 1


def test_each_user_and_language_has_its_own_entry(client, alice, sam, tree):
    member(tree, "甲")
    member(tree, "乙")
    client.force_login(alice)
    client.cookies.load({"django_language": "en"})
    english = client.get("/").context["cards_html"]
    client.cookies.load({"django_language": "zh-hans"})
    chinese = client.get("/").context["cards_html"]
    assert "Party members" in english and "党员" in chinese and "Party members" not in chinese
    client.force_login(sam)
    client.cookies.load({"django_language": "en"})
    assert client.get("/").context["cards_html"] != english  # a secretary's subtree, not the park


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_readers_during_concurrent_writes_end_on_the_true_figure(client, alice, tree):
    """Writers commit members in parallel while readers fill the cache; once they stop, the page shows the true
    count: no reader cached a figure under a generation its data did not reach (the deferred triggers bump at
    COMMIT, in the same transaction as the rows)."""
    client.force_login(alice)
    client.cookies.load({"django_language": "en"})

    def write(t: int):
        for i in range(15):
            with transaction.atomic():
                member(tree, f"并发{t}-{i}")

    def read():
        from django.test import Client

        reader = Client()
        reader.force_login(alice)
        for _ in range(25):
            assert reader.get("/").status_code == 200

    assert run_together(*(lambda t=t: write(t) for t in range(4)), read, read) == []
    assert figures(client)["Party members"] == Member.objects.count() == 60
    assert Generation.objects.get(table_name="parties_member").n >= 60


def test_today_is_part_of_the_key(client, alice, tree):
    member(tree, "甲")
    client.force_login(alice)
    client.cookies.load({"django_language": "en"})
    client.get("/")
    tomorrow = timezone.now() + timedelta(days=1)
    with time_machine.travel(tomorrow):
        client.force_login(alice)
        with CaptureQueriesContext(connection) as ctx:
            client.get("/")
    assert len(ctx.captured_queries) > 2  # computed again: "today" and "this month" figures move with the date
