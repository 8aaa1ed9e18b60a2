"""parkportal.memo.KeyedMemo: made once per key, bounded."""

from parkportal.memo import KeyedMemo


def test_a_value_is_made_once_per_key():
    memo, made = KeyedMemo(), []

    def make(value):
        made.append(value)
        return value

    assert memo.get(("zh", 1), lambda: make("a")) == "a"
    assert memo.get(("zh", 1), lambda: make("b")) == "a"
    assert memo.get(("en", 1), lambda: make("c")) == "c"
    assert made == ["a", "c"]


def test_when_full_the_oldest_half_goes():
    memo = KeyedMemo(max_entries=4)
    for key in range(4):
        memo.get(key, lambda key=key: f"v{key}")
    memo.get(4, lambda: "v4")
    assert len(memo) == 3
    assert memo.get(0, lambda: "new") == "new"  # gone, made again
    assert memo.get(3, lambda: "new") == "v3"  # kept
