"""A reusable form fuzzer: random and hostile input through the Django test client.

`fuzz_form(client, url, fields, count_rows=...)` posts, for `max_examples` rounds, a body built by
hypothesis from the form's field names: random Unicode (no lone surrogates: they cannot be encoded by any
client), very long strings (up to 30,000 characters), control characters including NUL, negative and
huge numbers, NaN/Infinity, impossible dates and times, and fields that are missing or sent two or three
times; as multipart or as url-encoded. For every round it asserts:

* never a 5xx (the test client re-raises a view's exception, so a crash shows its traceback);
* when `count_rows` is given and the answer is not a redirect (the form was refused: 200 with errors, 400,
  403, 429), `count_rows()` is unchanged: nothing was written, not even half of it.

How an app applies it (one test per form, in `tests/<app>/test_fuzz_<form>.py`)::

    from tests.fuzzing import fuzz_form

    def test_event_form_survives_fuzzing(client, alice, db):
        client.force_login(alice)
        fuzz_form(
            client,
            reverse("activities:event_create"),
            ["title", "starts_at", "capacity", "venue", "description"],
            count_rows=lambda: Event.objects.count() + Registration.objects.count(),
            fixed={"venue": str(site.pk)},   # optional: keep some fields valid to reach deeper checks
        )

Pass `fixed` for fields that must hold a valid value for the interesting code to run (a foreign key, a
hidden step field); everything else is fuzzed. Use `method="get"` for filter forms (query strings), where
`count_rows` is usually omitted. `examples` defaults to 40; keep it so for CI time. File fields are not
fuzzed here: uploads go through parkportal.uploads (tests/parkportal/test_uploads.py).

NUL bytes: PostgreSQL cannot store them and psycopg2 raises ValueError before the query runs (a 500).
Django's CharField refuses NUL with a message next to the field, so forms are safe; values read by hand
from request.GET/POST are not: the fuzzer sends NUL in every field to find them.
`parkportal.middleware.RejectNulMiddleware` covers what no field can refuse: NUL in the path (404), in a
field name or an uploaded file's name (400). Run the
fuzz tests on PostgreSQL too (DATABASE_URL=postgres://…): SQLite would accept NUL and hide the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

# Any character a browser could send: no lone surrogates (categories "Cs").
ANY_CHAR = st.characters(blacklist_categories=("Cs",))
CONTROL = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from(["\x7f", "\u200b", "\ufeff", "\u202e"])

IMPOSSIBLE_DATES = [
    "2023-02-30",
    "2023-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2023-01-01",
    "31/12/2023",
    "2023-01-01T25:61:61",
    "2023-01-01 24:00",
    "1e9",
    "yesterday",
]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from(["-1", "0", "-0", "2147483648", "9223372036854775808", "-9223372036854775809", "1e309"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["NaN", "Infinity", "-inf", "1,000", "１２３", "٣"]),
)


def _repeat(char: str, n: int) -> str:
    return char * n


VALUE = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.builds(_repeat, ANY_CHAR, st.integers(min_value=1_000, max_value=30_000)),
    st.text(CONTROL, min_size=1, max_size=10),
    st.builds(lambda a, b: a + "\x00" + b, st.text(ANY_CHAR, max_size=10), st.text(ANY_CHAR, max_size=10)),
    NUMBERS,
    st.sampled_from(IMPOSSIBLE_DATES),
    st.sampled_from(["", " ", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%s%n", "{{ 7*7 }}"]),
)

MISSING = object()


def field_value():
    """A field is missing, sent once, or repeated (two or three values)."""
    return st.one_of(st.just(MISSING), VALUE, st.lists(VALUE, min_size=2, max_size=3))


def form_data(fields: Sequence[str], fixed: dict | None = None):
    fixed = fixed or {}
    strategies = {name: field_value() for name in fields if name not in fixed}

    def assemble(values: dict) -> dict:
        data = {k: v for k, v in values.items() if v is not MISSING}
        data.update(fixed)
        return data

    return st.fixed_dictionaries(strategies).map(assemble)


def fuzz_form(
    client,
    url: str,
    fields: Sequence[str],
    *,
    count_rows: Callable[[], int] | None = None,
    fixed: dict | None = None,
    method: str = "post",
    examples: int = 40,
    before_each: Callable[[], None] | None = cache.clear,
) -> dict[int, int]:
    """Fuzz one form; returns how often each status was seen (for the test to print or check)."""
    seen: dict[int, int] = {}

    @hsettings(
        max_examples=examples,
        deadline=None,
        database=None,  # nothing written to .hypothesis/ in the repository
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(data=form_data(fields, fixed), urlencoded=st.booleans())
    def round_(data: dict, urlencoded: bool) -> None:
        if before_each is not None:
            before_each()  # e.g. allauth's rate limits live in the cache
        before = count_rows() if count_rows else None
        if method == "get":
            response = client.get(url, data)
        elif urlencoded:
            body = urlencode(data, doseq=True)
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        else:
            response = client.post(url, data)
        status = response.status_code
        seen[status] = seen.get(status, 0) + 1
        assert status < 500, f"{method.upper()} {url} answered {status} for {data!r}"[:2000]
        if count_rows is not None and status not in (301, 302, 303):
            after = count_rows()
            assert after == before, f"{url} answered {status} but rows went {before} → {after} for {data!r}"[:2000]

    round_()
    return seen
