"""The day-before reminder: sent once per confirmed registration, however often cron runs it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from activities.services import registration_create
from parkportal.models import SmsMessage
from tests.activities.conftest import drivers, make_event

pytestmark = pytest.mark.django_db


def test_reminder_sent_once(park, tree, kinds, dong, wang):
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()).replace(hour=9))
    event = make_event(park, kinds["clinic"], tree["b1"], capacity=1)
    type(event).objects.filter(pk=event.pk).update(starts_at=start, ends_at=start + timedelta(hours=3))
    later = make_event(park, kinds["clinic"], tree["b1"], days=5, title="later")
    registration_create(event=event, user=dong)
    registration_create(event=event, user=wang)  # waiting: no reminder
    registration_create(event=later, user=drivers(park, 1)[0])
    call_command("send_event_reminders")
    call_command("send_event_reminders")
    texts = SmsMessage.objects.all()
    assert [t.phone for t in texts] == [dong.phone]
    assert event.title in texts[0].body
