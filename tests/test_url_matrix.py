"""Every URL, every role: the expected answer for each (URL pattern, role) pair.

The list of URLs is walked from `parkportal.urls` (recursively through includes), so a new URL without a
`Case` in some `tests/<app>/matrix.py` fails `test_every_url_has_a_case` with its name. The format of the
cases is documented in tests/matrix.py; the shared world in tests/world.py.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix import ROLES, Case
from tests.world import collect_cases, collect_foreign

# Prefixes whose URLs need no case of their own, and why. Important pages under them are declared
# explicitly in tests/parkportal/matrix.py (sign-in, sign-up, SMS code, sign-out, two-factor) and are
# tested like every other URL whenever a case exists.
EXCLUDED_PREFIXES = {
    # allauth's ~30 views (password reset keys, e-mail confirmation, ...): third-party, tested upstream;
    # most need tokens a matrix cannot make up.
    "accounts/": "allauth",
    # Django's admin has its own login and requires is_staff: see test_admin_is_for_staff_only below.
    "admin/": "Django admin",
    # Development-only media serving (DEBUG); in production nginx serves media (docs/DEPLOY.md).
    # Its headers are tested in tests/parkportal/test_security.py.
    "media/": "DEBUG media",
    # The language switch: a POST open to everyone that redirects back to `next` (tested in
    # tests/parkportal/test_accounts.py); anonymous users are not sent to sign in, by design.
    "i18n/": "language switch",
}


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(route, "namespace:name") for every URL pattern, through includes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            yield prefix + str(pattern.pattern), name


ALL_URLS = sorted(set(walk(get_resolver().url_patterns)))
CASES = collect_cases()
FOREIGN = collect_foreign()


def is_excluded(route: str) -> bool:
    return any(route.startswith(prefix) for prefix in EXCLUDED_PREFIXES)


def client_for(world: dict, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role], backend="parkportal.auth.ModelBackend")
    return client


def request(client: Client, name: str, case: Case, world: dict):
    url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
    data = case.data(world) if case.data else {}
    return getattr(client, case.method)(url, data) if case.method == "post" else getattr(client, case.method)(url)


def check(response, expected: int, role: str) -> str | None:
    status = response.status_code
    if expected == 302:
        if status not in (301, 302, 303):
            return f"{status} instead of a redirect"
        if role == "anonymous":
            login = reverse("account_login")
            if not response["Location"].startswith(login):
                return f"redirects to {response['Location']} instead of {login}"
        return None
    if status != expected:
        return f"{status} instead of {expected}"
    return None


def test_every_url_has_a_case():
    missing = []
    for route, name in ALL_URLS:
        if is_excluded(route):
            continue
        if not name:
            missing.append(f"/{route} has no name: name it (path(..., name=...)) and add a Case")
        elif name not in CASES:
            missing.append(f"{name} (/{route}) has no Case in any tests/<app>/matrix.py")
    assert not missing, "URLs without a Case in the role matrix:\n  " + "\n  ".join(missing)


def test_every_case_names_a_url():
    names = {name for _, name in ALL_URLS}
    stale = sorted(set(CASES) - names)
    assert not stale, f"Cases for URLs that no longer exist: {stale}"


def test_every_case_covers_every_role():
    for name, case in CASES.items():
        for role in ROLES:
            assert role in case.expect or "default" in case.expect, f"{name}: no expectation for {role}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_url_answers_each_role_as_expected(name, world):
    case = CASES[name]
    failures = []
    for role in ROLES:
        cache.clear()  # allauth's rate limits live in the cache
        response = request(client_for(world, role), name, case, world)
        problem = check(response, case.expected(role), role)
        if problem:
            failures.append(f"{role}: {problem}")
    assert not failures, f"{name}: " + "; ".join(failures)


@pytest.mark.parametrize("label", sorted(FOREIGN))
def test_an_object_outside_the_roles_scope_answers_404(label, world):
    case = FOREIGN[label]
    response = client_for(world, case.role).get(reverse(case.name, kwargs=case.kwargs(world)))
    assert response.status_code == 404, f"{label}: {case.role} got {response.status_code} on {case.name}"


def test_foreign_cases_name_urls_and_roles():
    names = {name for _, name in ALL_URLS}
    for label, case in FOREIGN.items():
        assert case.name in names and case.role in ROLES and case.role != "anonymous", label


def test_admin_is_for_staff_only(world):
    """The back office answers only is_staff users; everyone else is sent to its own sign-in page."""
    for role in ROLES:
        response = client_for(world, role).get("/admin/")
        assert response.status_code == 302, role
        assert response["Location"].startswith("/admin/login/"), role
    staff = world["users"]["park_admin"]
    staff.is_staff = True
    staff.save()
    assert client_for(world, "park_admin").get("/admin/").status_code == 200


def test_a_url_without_a_case_is_named_in_the_failure(monkeypatch):
    """The completeness check can fail, and says which URL lacks its Case."""
    without_home = {name: case for name, case in CASES.items() if name != "home"}
    monkeypatch.setattr(sys.modules[__name__], "CASES", without_home)
    with pytest.raises(AssertionError, match=r"home \(/\) has no Case"):
        test_every_url_has_a_case()
