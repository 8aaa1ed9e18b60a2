"""Personas of the drivers' home.

`home` the 传化公路港 drivers' home and `station` an outdoor-worker station of the Xindu park;
`far` a site of the other park. `dora` is desk staff of `home` only; `dan` and `dave` are drivers
with profiles; `newbie` a driver who signed up but has not filled in his details.
"""

from __future__ import annotations

import pytest

from drivers_home.models import Service, Site, VehicleType
from drivers_home.services import driver_profile_save
from parkportal.models import User
from parkportal.roles import Role
from tests.conftest import make_user


@pytest.fixture
def services(park):
    return [Service.objects.create(park=park, name=n, order=i) for i, n in enumerate(["休息", "淋浴", "手机充电"])]


@pytest.fixture
def home(park, services) -> Site:
    site = Site.objects.create(park=park, name="传化公路港卡车司机之家")
    site.services.set(services)
    return site


@pytest.fixture
def station(park, services) -> Site:
    site = Site.objects.create(park=park, name="北门驿站", kind=Site.Kind.OUTDOOR_STATION)
    site.services.set(services[:1])
    return site


@pytest.fixture
def far(other_park) -> Site:
    return Site.objects.create(park=other_park, name="别的司机之家")


@pytest.fixture
def dora(park, home):
    """Desk staff of the drivers' home (not of the station)."""
    user = make_user("dora", Role.DESK, park)
    home.desk_staff.add(user)
    return user


def make_driver(username: str, phone: str, name: str, plate: str = "川A12345", province: str = "四川"):
    # Drivers sign in by SMS code: no password, and no slow password hashing in tests.
    user = User.objects.create(username=username, role=Role.DRIVER, phone=phone, phone_verified=True, password="!")
    driver_profile_save(user=user, name=name, plate=plate, province=province, vehicle_type=VehicleType.HEAVY_TRUCK)
    return user


@pytest.fixture
def dan(db):
    """A driver from Sichuan with a new-energy truck."""
    return make_driver("dan", "13812341234", "秦师傅", plate="川A12345D")


@pytest.fixture
def dave(db):
    """Another driver, from Hunan."""
    return make_driver("dave", "13712345678", "李师傅", plate="湘B7K123", province="湖南")


@pytest.fixture
def newbie(db):
    return make_user("newbie", Role.DRIVER, None, phone="13600000000", phone_verified=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached figures are keyed by park id and epoch; a test database can hand out the same ids again.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
