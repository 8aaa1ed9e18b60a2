"""seed_demo builds seed 000's Xindu park, and a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from parkportal.models import Park, User
from parties.models import Enterprise, Instructor, Member, Organisation, VanguardPost
from parties.seed import NAMED_PLATFORMS

pytestmark = pytest.mark.django_db


def _counts() -> tuple:
    return tuple(m.objects.count() for m in (Park, User, Organisation, Enterprise, Instructor, Member, VanguardPost))


def test_seed_demo_builds_the_xindu_park_idempotently():
    call_command("seed_demo", stdout=StringIO())
    park = Park.objects.get(name="新都智慧物流园区")
    depths = set(Organisation.objects.filter(park=park).values_list("depth", flat=True))
    assert depths == {0, 1, 2, 3}  # four tiers
    tiers = set(Organisation.objects.filter(park=park).values_list("tier_name", flat=True))
    assert tiers == {"园区党工委", "综合党委", "产业社区综合党委", "两新党组织"}
    platforms = Enterprise.objects.filter(park=park, kind="platform")
    assert platforms.count() == 49
    assert {name for name, _ in NAMED_PLATFORMS} <= set(platforms.values_list("name", flat=True))
    assert all(p.organisation_id and p.instructor_id for p in platforms)
    assert Enterprise.objects.filter(park=park, kind="secondary").count() >= 200
    assert Instructor.objects.filter(park=park, kind="part_time").count() == 49
    assert Instructor.objects.filter(park=park, kind="full_time").count() == 4
    assert Member.objects.filter(park=park).count() > 900
    assert Member.objects.filter(park=park, is_floating=True).exclude(home_organisation="").count() > 100
    assert VanguardPost.objects.filter(park=park, kind="vehicle", organisation__name__startswith="云集药业").exists()
    for username in ("demo-admin", "demo-secretary", "demo-instructor"):
        assert User.objects.filter(username=username, park=park).exists()
    secretary = User.objects.get(username="demo-secretary")
    assert Organisation.objects.visible_to(secretary).count() > 1
    before = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == before
