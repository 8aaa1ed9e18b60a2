"""seed_demo's visit log: a realistic year for the demo park."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from parkportal.models import Park, User
from parties import seed as parties_seed
from parties import visit_seed
from parties.models import Visit, VisitPhoto, VisitProblem, VisitRevision
from parties.visit_querysets import my_enterprises


@pytest.mark.django_db
def test_the_demo_park_gets_a_year_of_visits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    park = Park.objects.create(name="新都智慧物流园区")
    out = io.StringIO()
    parties_seed.seed(park=park, size="demo", out=out)
    visit_seed.seed(park=park, size="demo", out=out)
    visits = Visit.objects.filter(park=park)
    assert 200 <= visits.count() <= 800
    today = timezone.localdate()
    dates = visits.values_list("date", flat=True)
    assert min(dates) >= today - timezone.timedelta(days=365) and max(dates) <= today
    assert VisitProblem.objects.filter(visit__park=park).exclude(state="solved").exists()
    assert VisitProblem.objects.filter(visit__park=park, is_labour_dispute=True).exists()
    assert 5 <= VisitPhoto.objects.filter(visit__park=park).count() <= 20
    assert VisitRevision.objects.filter(visit__park=park).count() == 2
    # The demo instructor has enterprises, at least one visit, and sees a last-visit date for them.
    instructor = User.objects.get(username="demo-instructor")
    rows = my_enterprises(instructor, today)
    assert rows and rows[0].kind == "platform" and any(r.last_visit for r in rows)
    # Some platforms are overdue somewhere in the park, most are not.
    overdue = sum(
        1
        for e in park.enterprises.filter(kind="platform")
        if not e.visits.filter(date__gt=today - timezone.timedelta(days=30)).exists()
    )
    assert 1 <= overdue < 25
