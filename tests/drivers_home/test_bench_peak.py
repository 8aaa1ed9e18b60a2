"""`make bench` measures the desk page at the site's peak: as many inside as in its busiest window of the seeded
days (scripts/bench_pages.py). The figure comes from the daily summary's hour rows."""

import importlib.util
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from drivers_home.models import DailyStat

_spec = importlib.util.spec_from_file_location(
    "bench_pages", Path(__file__).resolve().parents[2] / "scripts" / "bench_pages.py"
)
bench_pages = sys.modules.setdefault("bench_pages", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(bench_pages)


def _hours(site, day: date, counts: dict[int, int]) -> None:
    DailyStat.objects.bulk_create(
        DailyStat(site=site, day=day, kind=DailyStat.Kind.HOUR, key=str(h), count=n) for h, n in counts.items()
    )


@pytest.mark.django_db
def test_the_busiest_two_hours_of_one_day(home, settings):
    settings.PORTAL_RULES = {**settings.PORTAL_RULES, "CHECKIN_WINDOW": timedelta(hours=2)}
    # Hours 9 and 11 are not adjacent: 9 + 11 = 90 is not a window; 11 + 12 = 70 is (12 + 13 = 65 too). The
    # evening and the next morning are different days: 23 + 0 = 125 never adds up.
    _hours(home, date(2026, 3, 1), {9: 50, 11: 40, 12: 30, 13: 35, 23: 60})
    _hours(home, date(2026, 3, 2), {0: 65, 5: 10})
    # From the build's day on the rows are the benchmark's own check-ins, thousands an hour: not the seed's peak.
    _hours(home, date(2026, 3, 3), {10: 5000, 11: 5000})

    assert bench_pages._busiest_window_at(home.pk, before=date(2026, 3, 3)) == 70
    assert bench_pages._busiest_window_at(home.pk, before=date(2026, 3, 4)) == 10_000


@pytest.mark.django_db
def test_a_site_without_summaries_has_no_peak(home):
    assert bench_pages._busiest_window_at(home.pk, before=date(2026, 3, 3)) == 0
