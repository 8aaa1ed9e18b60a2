"""The foundation's URLs in the URL x role matrix (see tests/matrix.py), and the allauth pages that matter.

allauth's and the admin's URLs are excluded as a whole from the "every URL has a case" rule in
tests/test_url_matrix.py (they are third-party views with their own tests); the ones our users rely on
are declared here explicitly and tested like every other URL.
"""

from __future__ import annotations

from tests.matrix import Case

EVERYONE_SIGNED_IN = {"anonymous": 302, "default": 200}


def build(world: dict) -> None:
    pass


def grow(world: dict, n: int) -> None:
    pass


CASES = {
    # Dashboard, counted with an empty cache: the session with its user, the generation of the tables the cards
    # read (the cache key), organisation tiers (rows), and ONE figures query: the park row with every app's card
    # aggregates as scalar subqueries (parkportal.registry.Figures) = 4, however many apps add cards. From the
    # cache (until one of those tables is written): session with user, generation = 2.
    "home": Case(expect=EVERYONE_SIGNED_IN, budget=("park_admin", 4)),
    "healthz": Case(expect={"default": 200}, budget=("anonymous", 1)),  # SELECT 1
    # The development SMS outbox exists only with DEBUG on; pytest-django runs views with DEBUG off.
    "dev_sms": Case(expect={"default": 404}),
    # The benchmark page is off unless BENCHMARK_PAGE_ENABLED.
    "bench_bare": Case(expect={"default": 404}),
    "bench_frame": Case(expect={"default": 404}),
    # --- allauth (excluded prefix accounts/, the important pages spelled out)
    # The sign-in pages read nothing: no session yet, the form is allauth's.
    "account_login": Case(expect={"anonymous": 200, "default": 302}, budget=("anonymous", 0)),
    # The sign-up view runs in a transaction (parkportal/urls.py): its savepoint and release, nothing read.
    "account_signup": Case(expect={"anonymous": 200, "default": 302}, budget=("anonymous", 2)),
    "account_request_login_code": Case(expect={"anonymous": 200, "default": 302}, budget=("anonymous", 0)),
    # Two-factor sign-in (TOTP): reachable for every signed-in user; the menu links it for park admins.
    # The session with its user, the user's authenticators, whether there is any (allauth's).
    "mfa_index": Case(expect=EVERYONE_SIGNED_IN, budget=("park_admin", 3)),
    # Activating asks to confirm the password first (allauth's reauthentication): a redirect.
    # The session with its user, then allauth's own checks: an unverified e-mail address, and each kind of
    # authenticator (recovery codes, TOTP, WebAuthn) twice.
    "mfa_activate_totp": Case(expect={"default": 302}, budget=("park_admin", 8)),
}

# The organisation tree belongs to parties (tests/parties/matrix.py on its branch); until that module
# declares it, this entry keeps the matrix complete. Declared cases always win over fallbacks.
FALLBACK_CASES = {
    "parties:tree": Case(
        expect={"anonymous": 302, "park_admin": 200, "secretary": 200, "default": 403},
    ),
}
