"""The vector store protocol: one implementation per engine (FAISS, pgvector).

After txtai's ``ann/dense``: the store knows vectors by chunk id and which
document and group key (project, else document) each id belongs to. It keeps
per-document sums of body-chunk vectors, so a project's centroid is stored and
updated by adding and subtracting, never rebuilt by reading vectors back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np


class VectorStore(Protocol):
    """Vectors by chunk id, with per-document removal and per-key centroids."""

    def add(
        self, document: str, key: str, ids: list[int], vectors: np.ndarray, body: list[bool]
    ) -> None:
        """Add a document's vectors under chunk ``ids``; ``body`` marks the rows
        that count towards the ``key``'s centroid."""
        ...

    def remove_document(self, document: str) -> None:
        """Drop every vector of ``document`` (unknown: no-op)."""
        ...

    def search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` ids by inner product; ``allowed`` filters before ranking."""
        ...

    def count(self) -> int:
        """Number of vectors."""
        ...

    def centroids(self) -> Mapping[str, np.ndarray]:
        """Unit mean body vector per key."""
        ...
