"""What is derived from an object, remembered by the object's identity while it lives.

A search filter's allowed chunk set is one object per filter and data version
(:func:`search.filters.allowed_chunks` caches it), so what an index derives from
it for every query (a BM25 score mask, a FAISS id selector) can be built once
and found again by identity, without hashing tens of thousands of ids per query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """At most ``size`` values, each keyed by the identity of the object it came from.

    The object is held with its value, so its ``id`` cannot be reused by another
    object while the entry exists; the least recently used entry goes first.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[object, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: object, build: Callable[[], V]) -> V:
        """The value derived from ``source``, built with ``build`` the first time."""
        key = id(source)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] is source:
                self._items.move_to_end(key)
                return hit[1]
        value = build()
        with self._lock:
            self._items[key] = (source, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
