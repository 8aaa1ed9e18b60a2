"""One shared world for the URL x role matrix and the query budgets.

`build_world(park, other_park, tree)` makes a user for every role of `tests.matrix.ROLES` (all in `park`),
links the instructor and the secretary to the tree like the personas of `tests/conftest.py`, then calls
`build(world)` of every matrix module found (`tests/<app>/matrix.py`, `tests/<app>/*_matrix.py`), so each app
creates its objects and links the desk, mediator and driver users to them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from parkportal.models import Park, User
from parkportal.roles import Role
from tests.matrix import ROLES, Case, Foreign

TESTS_DIR = Path(__file__).resolve().parent
PASSWORD = "pw-for-tests-123"


def matrix_modules() -> list[ModuleType]:
    """Every `tests/<app>/matrix.py` and `tests/<app>/*matrix.py` that exists, in a stable order."""
    paths = set(TESTS_DIR.glob("*/matrix.py")) | set(TESTS_DIR.glob("*/*matrix.py"))
    modules = []
    for path in sorted(paths):
        if path.parent.name.startswith(("_", ".")) or path.name.startswith("test_"):
            continue  # test_matrix.py files are an app's own tests, not matrix declarations
        name = ".".join(("tests", path.parent.name, path.stem))
        modules.append(importlib.import_module(name))
    return modules


def collect_cases() -> dict[str, Case]:
    """All CASES, keyed by URL name ("namespace:name"); a name declared twice is an error.

    A module may also have FALLBACK_CASES: used only when no module declares that name (for pages
    that exist before the app owning them has written its matrix module).
    """
    cases: dict[str, Case] = {}
    owners: dict[str, str] = {}
    fallbacks: dict[str, Case] = {}
    for module in matrix_modules():
        for name, case in getattr(module, "CASES", {}).items():
            if name in cases:
                raise AssertionError(f"{name} is declared by both {owners[name]} and {module.__name__}")
            cases[name] = case
            owners[name] = module.__name__
        fallbacks.update(getattr(module, "FALLBACK_CASES", {}))
    for name, case in fallbacks.items():
        cases.setdefault(name, case)
    return cases


def collect_foreign() -> dict[str, Foreign]:
    """Every module's FOREIGN cases (objects out of a role's scope, answering 404), keyed by label."""
    foreign: dict[str, Foreign] = {}
    for module in matrix_modules():
        for label, case in getattr(module, "FOREIGN", {}).items():
            if label in foreign:
                raise AssertionError(f"FOREIGN case {label!r} is declared twice")
            foreign[label] = case
    return foreign


def _user(username: str, role: str, park: Park, **extra) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, park=park, **extra)


def build_world(park: Park, other_park: Park, tree: dict) -> dict:
    users = {
        "park_admin": _user("m-admin", Role.PARK_ADMIN, park),
        "secretary": _user("m-secretary", Role.SECRETARY, park),
        "instructor": _user("m-instructor", Role.INSTRUCTOR, park, phone="13900000091"),
        "mediator": _user("m-mediator", Role.MEDIATOR, park),
        "desk": _user("m-desk", Role.DESK, park),
        "driver": _user("m-driver", Role.DRIVER, park, phone="13700000092", phone_verified=True),
    }
    assert set(users) | {"anonymous"} == set(ROLES), "tests.matrix.ROLES changed: add the new role here"
    tree["g1"].secretary_user = users["secretary"]
    tree["g1"].save()
    tree["ins1"].user = users["instructor"]
    tree["ins1"].save()
    world = {"park": park, "other_park": other_park, "tree": tree, "users": users}
    for module in matrix_modules():
        build = getattr(module, "build", None)
        if build is not None:
            build(world)
    return world


def grow_world(world: dict, n: int) -> None:
    for module in matrix_modules():
        grow = getattr(module, "grow", None)
        if grow is not None:
            grow(world, n)
