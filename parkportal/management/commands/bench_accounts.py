"""Accounts for `make bench`: one signed-in persona per role in the large (benchmark) park.

The demo seed creates `demo-*` accounts only for the demo park, so the large park has nobody to sign in
as. This command (run by scripts/bench.py after `seed_demo --size large`) adds `bench-<role>` accounts
with the demo password and links each to what its role needs to see something: the secretary to the
busiest 综合党委 (the largest subtree below the park committee), the instructor to the instructor with
the most enterprises, the desk to the busiest site. It is idempotent and never touches the seeds, so the
demo data stays clean.

Apps that give a role its scope later (mediation bodies, …) add a linker to LINKERS below.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from parkportal.models import Park, User
from parkportal.roles import Role

LARGE_PARK_NAME = "大型物流园区（基准）"
BENCH_DRIVER_PHONE = "19990000001"  # the k-th bench driver has this number + k - 1


def bench_username(role: str) -> str:
    return f"bench-{role}"


def _link_secretary(user: User, park: Park) -> None:
    from parties.models import Organisation

    if Organisation.objects.filter(secretary_user=user).exists():
        return
    # The second tier (综合党委) with the most organisations below it: a realistic, large subtree.
    candidates = Organisation.objects.filter(park=park, depth=1).order_by("path")
    best, best_size = None, -1
    for org in candidates:
        size = Organisation.objects.filter(park=park, path__startswith=org.path).count()
        if size > best_size:
            best, best_size = org, size
    if best is not None:
        best.secretary_user = user
        best.save(update_fields=["secretary_user"])


def _link_instructor(user: User, park: Park) -> None:
    from parties.models import Instructor

    if Instructor.objects.filter(user=user).exists():
        return
    instructor = (
        Instructor.objects.filter(park=park, user__isnull=True)
        .annotate(n=Count("enterprises"))
        .order_by("-n", "pk")
        .first()
    )
    if instructor is not None:
        instructor.user = user
        instructor.save(update_fields=["user"])


def _link_desk(user: User, park: Park) -> None:
    try:
        from drivers_home.models import Site
    except ImportError:  # pragma: no cover - the app is always installed
        return
    if user.desk_sites.exists():
        return
    site = Site.objects.filter(park=park, active=True).order_by("pk").first()
    if site is not None:
        site.desk_staff.add(user)


def _link_mediator(user: User, park: Park) -> None:
    from mediation.models import MediationBody

    if MediationBody.objects.filter(mediators=user).exists():
        return
    # The body with the most cases: the busiest case list a mediator of this park can have.
    body = MediationBody.objects.filter(park=park).annotate(n=Count("cases")).order_by("-n", "pk").first()
    if body is not None:
        body.mediators.add(user)


# role -> function(user, park) that gives the account its scope.
LINKERS: dict[str, Callable[[User, Park], None]] = {
    Role.SECRETARY: _link_secretary,
    Role.INSTRUCTOR: _link_instructor,
    Role.MEDIATOR: _link_mediator,
    Role.DESK: _link_desk,
}


def _ensure_driver_profiles(users: list[User]) -> int:
    """A driver checks in only with a profile (drivers_home.services.checkin_create): give every bench driver one."""
    from django.utils import timezone

    from drivers_home.models import PRIVACY_NOTICE_VERSION, DriverProfile, VehicleType

    have = set(DriverProfile.objects.filter(user__in=users).values_list("user_id", flat=True))
    now = timezone.now()
    rows = [
        DriverProfile(
            user=user,
            name=f"基准司机{user.phone[-4:]}",
            plate=f"川A{int(user.phone) % 100000:05d}D",
            province="四川",
            vehicle_type=VehicleType.HEAVY_TRUCK,
            consent_version=PRIVACY_NOTICE_VERSION,
            consent_at=now,
        )
        for user in users
        if user.pk not in have
    ]
    DriverProfile.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


ROLES = [Role.PARK_ADMIN, Role.SECRETARY, Role.INSTRUCTOR, Role.MEDIATOR, Role.DESK, Role.DRIVER]


class Command(BaseCommand):
    help = "Create (idempotently) one bench-<role> account per role in the large benchmark park."

    def add_arguments(self, parser):
        parser.add_argument("--park", default=LARGE_PARK_NAME, help="Name of the park (default: the large park).")
        parser.add_argument(
            "--drivers", type=int, default=1, help="Driver accounts: bench-driver, bench-driver-2, … (default 1)."
        )

    @transaction.atomic
    def handle(self, *args, park: str, drivers: int = 1, **options):
        from parties.seed import DEMO_PASSWORD

        park_obj = Park.objects.filter(name=park).first()
        if park_obj is None:
            raise CommandError(f"No park named {park!r}: run `manage.py seed_demo --size large` first.")
        password = make_password(DEMO_PASSWORD)
        accounts = [(role, bench_username(role), 1) for role in ROLES]
        for role, username, k in accounts:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "role": role,
                    "park": park_obj,
                    "display_name": f"Bench {role}",
                    # Drivers normally sign in by SMS code; the bench one also has the password so the
                    # harness signs every role in through the same /accounts/login/ form.
                    "phone": f"{int(BENCH_DRIVER_PHONE) + k - 1:011d}" if role == Role.DRIVER else None,
                    "phone_verified": role == Role.DRIVER,
                    "password": password,
                },
            )
            linker = LINKERS.get(role)
            if linker is not None and username == bench_username(role):
                linker(user, park_obj)
            self.stdout.write(f"  {user.username:20} {'created' if created else 'exists'}")
        # Extra drivers, so that POSTs one person can do once (a registration, a check-in within the window)
        # can come from many people: bench-driver-2 … bench-driver-N, in bulk (a thousand is a second).
        extra = [
            User(
                username=f"{bench_username(Role.DRIVER)}-{k}",
                role=Role.DRIVER,
                park=park_obj,
                display_name=f"Bench driver {k}",
                phone=f"{int(BENCH_DRIVER_PHONE) + k - 1:011d}",
                phone_verified=True,
                password=password,
            )
            for k in range(2, drivers + 1)
        ]
        User.objects.bulk_create(extra, batch_size=1000, ignore_conflicts=True)
        names = [bench_username(Role.DRIVER)] + [u.username for u in extra]
        made = _ensure_driver_profiles(list(User.objects.filter(username__in=names)))
        self.stdout.write(f"  {len(names)} bench drivers, {made} driver profiles created")
