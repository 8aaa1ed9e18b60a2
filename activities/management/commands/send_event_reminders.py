"""Text a reminder to everyone confirmed for an event that starts tomorrow; once per registration.

Run daily by cron, e.g. at 10:00 local time:

    0 10 * * * cd /srv/parkportal && .venv/bin/python manage.py send_event_reminders >> var/log/reminders.log 2>&1

Idempotent: each registration records when it was reminded, so a second run (or two overlapping runs) sends
nothing twice.
"""

from django.core.management.base import BaseCommand

from activities.services import reminders_send


class Command(BaseCommand):
    help = "Send the day-before SMS reminder for tomorrow's events (idempotent)."

    def handle(self, *args, **options):
        sent = reminders_send()
        self.stdout.write(f"Sent {sent} reminders.")
