"""The format of the URL x role matrix and of the query budgets.

Every URL pattern of the URLconf must have a `Case` (a new URL without one fails
`tests/test_url_matrix.py`). Each app declares its cases in `tests/<app>/matrix.py`:

    from tests.matrix import Case

    def build(world: dict) -> None:
        # Create this app's objects in the shared world and store them in `world`
        # (e.g. world["event"] = ...). `world` already holds "park", "other_park",
        # "tree" (see tests/conftest.py) and "users": {role: User} for every role in
        # ROLES except "anonymous", all in world["park"]; link them to your objects
        # here (e.g. make users["desk"] desk staff of your site).

    def grow(world: dict, n: int) -> None:
        # Add n more rows to every list your pages show (for the query budgets).

    CASES = {
        "activities:event_detail": Case(
            kwargs=lambda w: {"pk": w["event"].pk},
            expect={"anonymous": 200, "driver": 200, "instructor": 200, "desk": 200,
                    "mediator": 200, "secretary": 200, "park_admin": 200},
            budget=("park_admin", 8),  # session with user, event+organiser, places left, ...
        ),
    }

    # Objects outside a role's scope, each answering 404 (tests/test_url_matrix.py):
    FOREIGN = {
        "another park's event": Foreign("park_admin", "activities:event_detail", lambda w: {"pk": w["foreign_event"].pk}),
    }

Expected answers: 200; 302 (for "anonymous": must be a redirect to sign-in; for others: any redirect);
403 (role not allowed); 404 (object outside the user's scope); 405 (method not allowed).
Roles missing from `expect` default to the value of `expect.get("default")`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "driver", "instructor", "desk", "mediator", "secretary", "park_admin")


@dataclass
class Case:
    expect: dict[str, int]
    kwargs: Callable[[dict], dict] = field(default=lambda world: {})
    method: str = "get"
    query: str = ""
    data: Callable[[dict], dict] | None = None  # POST body, for method="post"
    budget: tuple[str, int] | None = None  # (role, max queries) for the query budget test

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        return self.expect["default"]


@dataclass(frozen=True)
class Foreign:
    """A page of an object outside `role`'s scope: it must answer 404, never show or admit it exists."""

    role: str
    name: str
    kwargs: Callable[[dict], dict]
