from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from drivers_home.models import CheckIn
from drivers_home.services import checkin_create


def test_checkins_older_than_the_retention_are_anonymised(dan, home, settings):
    years = settings.PORTAL_RULES["CHECKIN_RETENTION_YEARS"]
    now = timezone.now()
    old, _ = checkin_create(driver=dan, site=home, now=now - timedelta(days=365 * years + 2))
    recent, _ = checkin_create(driver=dan, site=home, now=now - timedelta(days=365 * years - 2))
    call_command("anonymise_checkins", stdout=open("/dev/null", "w"))
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.driver_id is None
    assert recent.driver_id == dan.pk
    assert CheckIn.objects.count() == 2
    # The per-year day bits of whole years before the cut-off lose the driver too.
    from drivers_home.models import DriverYear

    old_year = timezone.localtime(old.created).year
    cutoff_year = (timezone.localtime() - timedelta(days=round(365.25 * years))).year
    for row in DriverYear.objects.all():
        assert (row.driver_id is None) == (row.year < cutoff_year), (row.year, old_year)


def test_retention_is_a_setting(dan, home, settings):
    settings.PORTAL_RULES = {**settings.PORTAL_RULES, "CHECKIN_RETENTION_YEARS": 1}
    c, _ = checkin_create(driver=dan, site=home, now=timezone.now() - timedelta(days=400))
    call_command("anonymise_checkins", stdout=open("/dev/null", "w"))
    c.refresh_from_db()
    assert c.driver_id is None
