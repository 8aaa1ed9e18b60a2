"""Drivers' home URLs in the URL x role matrix (format: tests/matrix.py)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from drivers_home.models import DriverProfile, Service, Site, VehicleType
from drivers_home.services import checkin_create, driver_profile_save, floating_request_create
from parkportal.roles import Role
from tests.conftest import make_user
from tests.drivers_home.conftest import make_driver
from tests.matrix import Case, Foreign

PUBLIC = {"default": 200}
DRIVER = {"anonymous": 302, "driver": 200, "default": 403}
DRIVER_POST = {"anonymous": 302, "driver": 302, "default": 403}
DESK = {"anonymous": 302, "desk": 200, "default": 403}
ADMIN = {"anonymous": 302, "park_admin": 200, "default": 403}
ADMIN_POST = {"anonymous": 302, "park_admin": 302, "default": 403}
OFFICE = {"anonymous": 302, "park_admin": 200, "secretary": 200, "default": 403}


def build(world: dict) -> None:
    park, users = world["park"], world["users"]
    services = [Service.objects.create(park=park, name=f"matrix-{n}", order=i) for i, n in enumerate("ABC")]
    site = Site.objects.create(park=park, name="matrix 司机之家")
    site.services.set(services)
    site.desk_staff.add(users["desk"])
    other_site = Site.objects.create(park=park, name="matrix 驿站", kind=Site.Kind.OUTDOOR_STATION)
    foreign_site = Site.objects.create(park=world["other_park"], name="matrix 别的园区司机之家")
    driver = users["driver"]
    driver_profile_save(
        user=driver, name="秦师傅", plate="川A12345D", province="四川", vehicle_type=VehicleType.HEAVY_TRUCK
    )
    checkin, _ = checkin_create(driver=driver, site=site)
    other_driver = make_user("matrix-other-driver", Role.DRIVER, None, phone="13700000001")
    driver_profile_save(user=other_driver, name="李师傅", plate="湘B12345", province="湖南", vehicle_type="semi")
    other_checkin, _ = checkin_create(driver=other_driver, site=site)
    request = floating_request_create(
        driver=driver,
        park=park,
        home_organisation="南充运输协会党支部",
        certificate="LD1",
        home_contact_phone="0817-1234567",
    )
    world.update(
        drivers_site=site,
        drivers_other_site=other_site,
        drivers_foreign_site=foreign_site,
        drivers_checkin=checkin,
        drivers_other_checkin=other_checkin,
        drivers_request=request,
        drivers_profile=DriverProfile.objects.get(user=driver),
    )


def grow(world: dict, n: int) -> None:
    site, park = world["drivers_site"], world["park"]
    base = DriverProfile.objects.count()
    now = timezone.now()
    for i in range(n):
        user = make_driver(f"matrix-grow-{base + i}", f"1360{base + i:07d}", f"司机{i}", province="重庆")
        checkin_create(driver=user, site=site, now=now - timedelta(minutes=i))
        checkin_create(driver=user, site=site, now=now - timedelta(days=1 + i % 20))
        floating_request_create(
            driver=user, park=park, home_organisation="某党支部", certificate=f"G{i}", home_contact_phone="02888888888"
        )


def _pk(key):
    return lambda w: {"pk": w[key].pk}


CASES = {
    # The session with its user, the site with its services' names (one join) and the driver's profile (subqueries)
    "drivers_home:site": Case(kwargs=lambda w: {"token": w["drivers_site"].token}, expect=PUBLIC, budget=("driver", 2)),
    # The session with its user, (savepoint) the site by its token with the driver's profile lock, the window
    # look-up with the writes in one statement (here the repeat within the window: the same statement finds the
    # first), (release). On PostgreSQL the two go in one round trip without the savepoint (2, as test_checkin.py
    # holds it); SQLite reads the site on its own (6)
    "drivers_home:checkin": Case(
        kwargs=lambda w: {"token": w["drivers_site"].token},
        method="post",
        expect=DRIVER_POST,
        budget=("driver", 2 if connection.vendor == "postgresql" else 6),
    ),
    # The session with its user, check-in+site, its services, the site's services
    "drivers_home:checkin_detail": Case(kwargs=_pk("drivers_checkin"), expect=DRIVER, budget=("driver", 5)),
    # The session with its user, profile.
    "drivers_home:profile": Case(expect=DRIVER, budget=("driver", 2)),
    # The session with its user (the notice itself is text).
    "drivers_home:privacy": Case(expect=PUBLIC, budget=("driver", 1)),
    # The session with its user, profile, count, page of check-ins, their services, floating requests
    "drivers_home:me": Case(expect=DRIVER, budget=("driver", 6)),
    # The session with its user, profile, party membership, check-ins, their services, floating requests.
    "drivers_home:my_data": Case(expect=DRIVER, budget=("driver", 6)),
    # The session with its user (the confirmation page).
    "drivers_home:delete_account": Case(expect=DRIVER, budget=("driver", 1)),
    # The session with its user, whether the driver has checked in, his pending request.
    "drivers_home:floating_request": Case(expect=DRIVER, budget=("driver", 3)),
    # The session with its user, the desk's sites (one: a redirect to it).
    "drivers_home:desk": Case(expect={"anonymous": 302, "desk": 302, "default": 403}, budget=("desk", 2)),
    # The session with its user, site with the count of who is inside, today's summary with the service names,
    # page of who is inside
    "drivers_home:desk_today": Case(kwargs=_pk("drivers_site"), expect=DESK, budget=("desk", 4)),
    # The session with its user, site.
    "drivers_home:desk_checkin": Case(kwargs=_pk("drivers_site"), expect=DESK, budget=("desk", 2)),
    # The session with its user, sites, their services, their desk staff
    "drivers_home:site_list": Case(expect=ADMIN, budget=("park_admin", 4)),
    # The session with its user, site, its services.
    "drivers_home:poster": Case(
        kwargs=_pk("drivers_site"),
        expect={"anonymous": 302, "park_admin": 200, "desk": 200, "default": 403},
        budget=("park_admin", 3),
    ),
    # The session with its user; steady state: today's summary rows with the epoch, the floating requests and the
    # names' generation (2: the page's content is kept, drivers_home.views.staff); the export, or the content not
    # kept: + site and service names (3). Cold (a new day, epoch or check-in): + today's
    # distinct drivers, the closed days' scan, 3 summary aggregates (8); before today's first check-in + the
    # fingerprint, the floating requests (9). tests/test_query_budgets.py measures the cold page.
    "drivers_home:traffic": Case(expect=OFFICE, budget=("park_admin", 9)),
    # As the page (the comment above).
    "drivers_home:traffic_export": Case(expect=OFFICE, budget=("park_admin", 9)),
    # The session with its user, count, page of requests with driver, profile and organisation
    "drivers_home:floating_list": Case(expect=ADMIN, budget=("park_admin", 3)),
    # The session with its user, request+driver+profile, access log insert, organisations for the form
    "drivers_home:floating_detail": Case(kwargs=_pk("drivers_request"), expect=ADMIN, budget=("park_admin", 4)),
    # Declined without a reason (refused): the session with its user, request; (savepoint) the request locked,
    # (rolled back).
    "drivers_home:floating_decline": Case(
        kwargs=_pk("drivers_request"), method="post", expect=ADMIN_POST, budget=("park_admin", 6)
    ),
    # The session with its user, profile+user, access log insert, check-ins
    "drivers_home:driver_detail": Case(kwargs=_pk("drivers_profile"), expect=ADMIN, budget=("park_admin", 4)),
}

# Objects of another scope, answering 404 (run by tests/test_url_matrix.py).
FOREIGN = {
    "another driver's check-in": Foreign("driver", "drivers_home:checkin_detail", _pk("drivers_other_checkin")),
    "the desk's other site": Foreign("desk", "drivers_home:desk_today", _pk("drivers_other_site")),
    "another park's site (desk)": Foreign("desk", "drivers_home:desk_checkin", _pk("drivers_foreign_site")),
    "another park's poster": Foreign("park_admin", "drivers_home:poster", _pk("drivers_foreign_site")),
    "a forged poster token": Foreign("driver", "drivers_home:site", lambda w: {"token": "forged-token-0000000000"}),
}
