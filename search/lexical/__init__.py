"""The lexical index: BM25 over Voikko base forms, compound parts and stems.

``bm25`` is the embedded engine (bm25s on local files); ``postgres`` keeps the
same analysed terms in PostgreSQL and scores them with the same BM25 formula in
SQL. Both take terms from :mod:`search.analysis`, so they rank alike.
"""

from __future__ import annotations

from search.lexical.base import LexicalStore
from search.lexical.bm25 import (
    LexicalIndex,
    StaleIndexError,
    matched_spans,
    matched_terms,
)

__all__ = ["LexicalIndex", "LexicalStore", "StaleIndexError", "matched_spans", "matched_terms"]
