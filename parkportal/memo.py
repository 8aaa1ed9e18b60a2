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
