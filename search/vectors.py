"""The vector index: FAISS, ID-mapped, exact inner product by default.

IDs are the chunk ids shared with the lexical index. An ``allowed`` set is
passed to FAISS as an ID selector, so filtering happens inside the search and
a selective filter still returns its top-k.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

#: Past this many vectors a configured HNSW index pays off (see bench/).
HNSW_THRESHOLD = 200_000


class VectorIndex:
    """An ID-mapped FAISS index of L2-normalised vectors (cosine = inner product)."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add ``vectors`` under ``ids`` (int64)."""
        if len(ids) == 0:
            return
        self._index.add_with_ids(
            np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
        )

    def remove(self, ids: list[int]) -> None:
        """Remove the given ids (unknown ids are ignored)."""
        if ids:
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]

    def reconstruct(self, chunk_id: int) -> np.ndarray:
        """The stored vector of one id."""
        return np.asarray(self._index.reconstruct(int(chunk_id)), dtype=np.float32)

    def search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` ids by inner product with ``query``, restricted to ``allowed``."""
        if len(self) == 0 or k <= 0 or (allowed is not None and not allowed):
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(
                np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            )
            # faiss' type stubs miss the keyword the SWIG constructor takes.
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        k = min(k, len(self))
        scores, ids = self._index.search(q, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (the caller makes the directory swap atomic)."""
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex:
        """Read an index written by :meth:`save` (memory-mapped where FAISS can)."""
        return cls(dim, faiss.read_index(str(path)))
