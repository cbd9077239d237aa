"""IdentityMemo: what is derived from an object is built once while it lives."""

from __future__ import annotations

from search.memo import IdentityMemo


def test_the_same_object_is_built_once_an_equal_one_again() -> None:
    memo: IdentityMemo[int] = IdentityMemo(size=2)
    built: list[int] = []

    def build(value: set[int]) -> int:
        built.append(len(value))
        return len(value)

    a, b = {1, 2}, {1, 2}
    assert memo.get(a, lambda: build(a)) == 2
    assert memo.get(a, lambda: build(a)) == 2
    assert built == [2]
    memo.get(b, lambda: build(b))  # equal, not the same: its own entry
    assert built == [2, 2]


def test_the_least_recently_used_entry_goes_first() -> None:
    memo: IdentityMemo[str] = IdentityMemo(size=2)
    a, b, c = object(), object(), object()
    memo.get(a, lambda: "a")
    memo.get(b, lambda: "b")
    memo.get(a, lambda: "a again")  # a is now the most recent
    memo.get(c, lambda: "c")  # b goes
    assert memo.get(a, lambda: "rebuilt") == "a"
    assert memo.get(b, lambda: "rebuilt") == "rebuilt"
