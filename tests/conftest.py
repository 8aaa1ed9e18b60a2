"""Shared fixtures: two parks, a small four-tier tree, and a named persona for every role.

Personas (healthchecks style): `alice` the park administrator, `sam` the secretary of one general
committee, `ian` the instructor of one platform enterprise, `olga` an administrator of the *other*
park. App-specific personas (desk staff, mediators, drivers) live in each app's conftest.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

from parkportal.models import Park, User
from parkportal.roles import Role
from parties.models import Category, CoverageStatus, Enterprise, EnterpriseKind, Instructor, Organisation

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "test-artifacts")


_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
_generation_constraints: list[str] = []


@pytest.fixture(autouse=True)
def _generations_at_once(request):
    """Each test starts with an empty cache, and on PostgreSQL with the generation triggers IMMEDIATE.

    Those triggers fire at COMMIT (parkportal/generations.py) and a test's transaction never commits: set
    immediate, they fire at each write, as they would between two requests. An empty cache: a figure cached by
    an earlier test under the same generation (counters roll back with its transaction) must not be served."""
    from django.core.cache import cache

    cache.clear()
    wants_db = request.node.get_closest_marker("django_db") is not None or _DB_FIXTURES & set(request.fixturenames)
    if wants_db and connection.vendor == "postgresql":
        request.getfixturevalue("_django_db_helper")
        if connection.in_atomic_block:
            with connection.cursor() as cursor:
                if not _generation_constraints:
                    cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", ["%\\_generation"])
                    _generation_constraints.extend(f'"{name}"' for (name,) in cursor.fetchall())
                if _generation_constraints:
                    cursor.execute(f"SET CONSTRAINTS {', '.join(_generation_constraints)} IMMEDIATE")


@pytest.fixture(autouse=True)
def _no_generation_memos():
    """Per-process memos keyed on a generation (parkportal.memo.generation_memo) start empty, as the cache does:
    a test's rolled-back generations (and SQLite's ids) would meet an earlier test's keys."""
    from parkportal.memo import clear_generation_memos

    clear_generation_memos()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2's deliberate slowness costs ~0.3 s per user on this machine; tests check behaviour, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _verify_kept_compiles(settings):
    # Every compile parkportal.querycache.key_for keeps is compared with a fresh one: a scope that starts to read
    # something its signature lacks fails the tests that change it.
    settings.QUERYCACHE_VERIFY = True


def make_user(username: str, role: str, park: Park | None, **extra) -> User:
    user = User.objects.create_user(username=username, password="pw-for-tests-123", role=role, park=park, **extra)
    return user


@pytest.fixture
def park(db) -> Park:
    return Park.objects.create(name="新都智慧物流园区")


@pytest.fixture
def other_park(db) -> Park:
    return Park.objects.create(name="别的园区")


@pytest.fixture
def tree(park):
    """root 党工委 → two 综合党委 → one community committee each → one branch each, with a platform enterprise."""
    cat = Category.objects.create(park=park, name="物流运输类")
    root = Organisation.objects.create(park=park, name="党工委", tier_name="园区党工委", kind="committee")
    g1 = Organisation.objects.create(park=park, parent=root, name="综合党委一", tier_name="综合党委", kind="committee")
    g2 = Organisation.objects.create(park=park, parent=root, name="综合党委二", tier_name="综合党委", kind="committee")
    c1 = Organisation.objects.create(
        park=park, parent=g1, name="社区一", tier_name="产业社区综合党委", kind="committee"
    )
    c2 = Organisation.objects.create(
        park=park, parent=g2, name="社区二", tier_name="产业社区综合党委", kind="committee"
    )
    b1 = Organisation.objects.create(
        park=park, parent=c1, name="传化公路港党支部", tier_name="两新党组织", category=cat
    )
    b2 = Organisation.objects.create(park=park, parent=c2, name="云集药业党支部", tier_name="两新党组织", category=cat)
    ins1 = Instructor.objects.create(park=park, name="指导员一")
    ins2 = Instructor.objects.create(park=park, name="指导员二")
    e1 = Enterprise.objects.create(
        park=park,
        name="传化公路港",
        kind=EnterpriseKind.PLATFORM,
        category=cat,
        member_count=12,
        coverage=CoverageStatus.OWN,
        organisation=b1,
        instructor=ins1,
    )
    e2 = Enterprise.objects.create(
        park=park,
        name="云集药业",
        kind=EnterpriseKind.PLATFORM,
        category=cat,
        member_count=9,
        coverage=CoverageStatus.OWN,
        organisation=b2,
        instructor=ins2,
    )
    return {
        "root": root,
        "g1": g1,
        "g2": g2,
        "c1": c1,
        "c2": c2,
        "b1": b1,
        "b2": b2,
        "ins1": ins1,
        "ins2": ins2,
        "e1": e1,
        "e2": e2,
        "category": cat,
    }


@pytest.fixture
def alice(park) -> User:
    """Park administrator of the Xindu park."""
    return make_user("alice", Role.PARK_ADMIN, park)


@pytest.fixture
def olga(other_park) -> User:
    """Park administrator of another park: sees nothing of the Xindu park."""
    return make_user("olga", Role.PARK_ADMIN, other_park)


@pytest.fixture
def sam(park, tree) -> User:
    """Secretary of 综合党委一: sees its subtree only (社区一, 传化公路港党支部)."""
    user = make_user("sam", Role.SECRETARY, park)
    tree["g1"].secretary_user = user
    tree["g1"].save()
    return user


@pytest.fixture
def ian(park, tree) -> User:
    """Instructor assigned to 传化公路港."""
    user = make_user("ian", Role.INSTRUCTOR, park, phone="13900000001")
    tree["ins1"].user = user
    tree["ins1"].save()
    return user


@pytest.fixture
def nobody(park) -> User:
    """Signed in, but holds no role."""
    return make_user("nobody", Role.NONE, park)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks and real concurrency): set DATABASE_URL=postgres://…; CI always does")


# --- Browser tests: Playwright driving Debian's Chromium by path.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.skip("no Chromium found (apt-get install chromium); CI installs it")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 375, "height": 800},
        "locale": "zh-CN",
        "device_scale_factor": 1,
    }


@pytest.fixture
def artifacts_dir() -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def phone_page(page, live_server):
    """A 375 px page whose relative URLs resolve against the live server."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    page.set_default_timeout(10_000)
    page.base = live_server.url
    return page


def sign_in(page, live_server, username: str, password: str = "pw-for-tests-123") -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


# --- The URL x role matrix and the query budgets (tests/world.py).
@pytest.fixture
def world(park, other_park, tree) -> dict:
    """Park, other park, the tree, a user per role, and every app's matrix objects (see tests/matrix.py)."""
    from tests.world import build_world

    return build_world(park, other_park, tree)
