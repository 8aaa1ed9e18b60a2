"""Retention (PIPL): empty the driver of every check-in older than PORTAL_RULES["CHECKIN_RETENTION_YEARS"].

Counts stay (the rows and the daily summary); the link to the person goes. Run daily from cron
(docs/DEPLOY.md): `manage.py anonymise_checkins`.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from drivers_home.services import checkins_anonymise


class Command(BaseCommand):
    help = "Anonymise check-ins older than the retention period (PORTAL_RULES['CHECKIN_RETENTION_YEARS'])."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=None, help="override the setting")

    def handle(self, *args, years: int | None = None, **options):
        years = years if years is not None else settings.PORTAL_RULES["CHECKIN_RETENTION_YEARS"]
        # Whole days from today's start, 365.25 days a year (leap years included).
        cutoff = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
            days=round(365.25 * years)
        )
        n = checkins_anonymise(before=cutoff)
        self.stdout.write(f"Anonymised {n} check-ins older than {cutoff:%Y-%m-%d}.")
