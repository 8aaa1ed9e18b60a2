"""A tap on a popular event finds whether the person has a row and whether anyone waits in the indexes: it does
not read every registration of the event, which would make each tap slower than the one before (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from activities.models import Registration
from activities.services import registration_tap
from tests.activities.conftest import drivers, make_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _rows_read() -> int:
    """Rows of the registrations read by this transaction so far: fetched through an index, or scanned."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(idx_tup_fetch, 0) + COALESCE(seq_tup_read, 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = %s",
            [Registration._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_a_tap_reads_a_few_rows_however_many_have_registered(park, tree, kinds):
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=None)
    *crowd, last = drivers(park, 301)
    for person in crowd:
        registration_tap(event_id=event.pk, user=person)
    assert Registration.objects.filter(event=event, status="confirmed").count() == 300

    before = _rows_read()
    registration, created = registration_tap(event_id=event.pk, user=last)
    assert created and registration.status == "confirmed"
    assert _rows_read() - before < 10  # (with one NOT EXISTS over an OR: all 300)
