"""The lexical store protocol shared by the embedded (bm25s) and PostgreSQL engines.

Both score analysed terms with BM25 (Lucene's idf, k1 = 1.5, b = 0.75, as
bm25s does) and apply an allowed set of chunk ids before taking the top k.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class LexicalStore(Protocol):
    """BM25 over analysed terms, by chunk id."""

    def search_terms(
        self, terms: Iterable[str], k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks as ``(chunk id, BM25 score)``, best first."""
        ...

    def __contains__(self, term: object) -> bool:
        """Whether an analysed term occurs in some chunk."""
        ...

    def __len__(self) -> int:
        """Number of indexed chunks."""
        ...
