"""Build the demo park (the Xindu Smart Logistics Park of seed 000), or the large benchmark park.

Each app contributes a `seed` module with `seed(park, size, out)`; they run in order, so a later app
can use what an earlier one built (events at the drivers' home, cases from instructors' visits).
Idempotent: a park that already exists is left as it is.
"""

from __future__ import annotations

import importlib
import time

from django.core.management.base import BaseCommand
from django.db import transaction

SEED_MODULES = ["parties.seed", "parties.visit_seed", "drivers_home.seed", "activities.seed", "mediation.seed"]
DEMO_PASSWORD = "demo-park-2026"


class Command(BaseCommand):
    help = "Build the demo park (idempotent). --size large builds the benchmark park."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=["demo", "large"], default="demo")

    def handle(self, *args, size: str, **options):
        from parkportal.models import Park

        park_name = "新都智慧物流园区" if size == "demo" else "大型物流园区（基准）"
        if Park.objects.filter(name=park_name).exists():
            self.stdout.write(f"{park_name} already exists; nothing changed.")
            self.print_accounts(size)
            return
        started = time.monotonic()
        park = None
        for module_name in SEED_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    continue
                raise
            step = time.monotonic()
            with transaction.atomic():
                if park is None:
                    park = Park.objects.create(name=park_name, short_name=park_name[:4])
                module.seed(park=park, size=size, out=self.stdout)
            self.stdout.write(f"  {module_name}: {time.monotonic() - step:.1f}s")
        self.stdout.write(self.style.SUCCESS(f"Built {park_name} in {time.monotonic() - started:.1f}s."))
        self.print_accounts(size)

    def print_accounts(self, size: str) -> None:
        from parkportal.models import User

        if size != "demo":
            return
        self.stdout.write(f"\nDemo accounts (password for staff: {DEMO_PASSWORD}):")
        for user in User.objects.filter(username__startswith="demo-").order_by("role", "username"):
            line = f"  {user.username:24} {user.get_role_display()}"
            if user.phone:
                line += f"  phone {user.phone} (sign in by SMS code; codes at /dev/sms/)"
            self.stdout.write(line)
