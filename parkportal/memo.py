"""A bounded per-process memo for HTML that is a pure function of its key."""

from __future__ import annotations

from collections.abc import Callable, Hashable


class KeyedMemo:
    """`get(key, make)`: make() once per key, then reuse. Only for values that depend on nothing but the key
    (the key holds the data they show, so a change makes a new key and nothing needs invalidating). Bounded:
    when full, the oldest half goes."""

    def __init__(self, max_entries: int = 256):
        self.max_entries = max_entries
        self._values: dict[Hashable, object] = {}

    def get(self, key: Hashable, make: Callable[[], object]):
        value = self._values.get(key)
        if value is None:
            value = make()
            if len(self._values) >= self.max_entries:
                for old in list(self._values)[: self.max_entries // 2]:
                    self._values.pop(old, None)
            self._values[key] = value
        return value

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        self._values.clear()


#: The memos whose keys hold a table generation (generation_memo).
_generation_memos: list[KeyedMemo] = []


def generation_memo(max_entries: int = 256) -> KeyedMemo:
    """A KeyedMemo for values computed from tracked tables, keyed on their generation read BEFORE computing
    (parkportal.generations.read) with whatever else the value depends on (the viewer's scope, the language).

    In production a generation never comes back, so an entry is never served for other data. The tests' rolled-
    back transactions take the counters (and SQLite's ids) back, so a test could meet an earlier test's entry
    under its own key: tests/conftest.py empties these memos before each test (clear_generation_memos)."""
    memo = KeyedMemo(max_entries)
    _generation_memos.append(memo)
    return memo


def clear_generation_memos() -> None:
    for memo in _generation_memos:
        memo.clear()
