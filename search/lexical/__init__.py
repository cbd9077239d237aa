"""The lexical index: BM25 over Voikko base forms, compound parts and stems.

``terms`` is the embedded engine's (per-segment term postings, scored at query time
with corpus-wide statistics, so a commit never rebuilds the index); ``bm25`` is a
static bm25s index built whole (evaluations, and the reference the segments are
tested against); ``postgres`` keeps the same analysed terms in PostgreSQL and scores
them with the same BM25 formula in the app. All take terms from :mod:`search.analysis`
and use bm25s' Lucene formula, so they rank alike.
"""

from __future__ import annotations

from search.lexical.base import LexicalStore
from search.lexical.bm25 import (
    LexicalIndex,
    StaleIndexError,
    matched_spans,
    matched_terms,
)
from search.lexical.terms import LexicalView, TermTable

__all__ = [
    "LexicalIndex",
    "LexicalStore",
    "LexicalView",
    "StaleIndexError",
    "TermTable",
    "matched_spans",
    "matched_terms",
]
