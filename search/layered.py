"""Read-only mappings shared between data versions, each version's changes layered
on one base.

A derived table (the index's chunk groups, the graph's facet values, money sums,
neighbours) has one version per data version. Copying a table of 100,000 projects
for every one-document write costs what the corpus costs; a :class:`Layered`
version shares the previous version's base dict, never changed, and holds only
its changes on top. :meth:`Layered.updated` makes the next version in time
proportional to the changes; once they reach :data:`FOLD_AT` of the base they are
folded into a new base, so the whole copy is amortised over many writes and a
lookup never walks more than one layer.
"""

from __future__ import annotations

from collections.abc import Hashable, ItemsView, Iterator, Mapping, ValuesView
from typing import Any, TypeVar

#: Fold a shared table's changes into a new base past this share of its size.
FOLD_AT = 1 / 16

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING: Any = object()
_GONE: Any = object()


class Layered(Mapping[K, V]):
    """A read-only mapping: one base dict, never changed, and this version's changes
    on top (see the module docstring)."""

    __slots__ = ("_base", "_delta", "_len")

    def __init__(self, base: dict[K, V], delta: dict[K, Any] | None = None) -> None:
        self._base = base
        self._delta: dict[K, Any] = delta or {}
        self._len = len(base) + sum((v is not _GONE) - (k in base) for k, v in self._delta.items())

    def __getitem__(self, key: K) -> V:
        if self._delta:
            value = self._delta.get(key, _MISSING)
            if value is _GONE:
                raise KeyError(key)
            if value is not _MISSING:
                return value
        return self._base[key]

    def get(self, key: K, default: Any = None) -> Any:
        """The value of ``key``, else ``default``."""
        if self._delta:
            value = self._delta.get(key, _MISSING)
            if value is not _MISSING:
                return default if value is _GONE else value
        return self._base.get(key, default)

    def __contains__(self, key: object) -> bool:
        if self._delta and key in self._delta:
            return self._delta[key] is not _GONE
        return key in self._base

    def __iter__(self) -> Iterator[K]:
        delta = self._delta
        if not delta:
            yield from self._base
            return
        for key in self._base:
            if key not in delta:
                yield key
        for key, value in delta.items():
            if value is not _GONE:
                yield key

    def __len__(self) -> int:
        return self._len

    def items(self) -> ItemsView[K, V]:
        """The pairs (the base dict's own view while nothing is layered on it)."""
        return self._base.items() if not self._delta else super().items()

    def values(self) -> ValuesView[V]:
        """The values (the base dict's own view while nothing is layered on it)."""
        return self._base.values() if not self._delta else super().values()

    def __reduce__(self) -> tuple[type[Layered[K, V]], tuple[dict[K, V]]]:
        # folded: a removed key's marker is this process's own object, which a pickle
        # loaded elsewhere would not recognise
        return (Layered, (dict(self.items()),))

    def updated(self, changes: Mapping[K, V | None]) -> Layered[K, V]:
        """The next version: ``changes`` applied (``None``: the key is gone)."""
        delta = {**self._delta, **{k: _GONE if v is None else v for k, v in changes.items()}}
        if len(delta) > FOLD_AT * len(self._base) + 64:
            merged = {k: v for k, v in self._base.items() if k not in delta}
            merged.update((k, v) for k, v in delta.items() if v is not _GONE)
            return Layered(merged)
        return Layered(self._base, delta)


def layered(table: Mapping[K, V]) -> Layered[K, V]:
    """``table`` as a :class:`Layered` (itself when it is one; a plain dict becomes
    the base of a new one, copied once)."""
    return table if isinstance(table, Layered) else Layered(dict(table))
