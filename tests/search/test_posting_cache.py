"""The per-process postings cache of the PostgreSQL lexical index, and its BM25 sum."""

from __future__ import annotations

import numpy as np
import pytest

from search.lexical.postgres import PostingCache, Postings, bm25


def postings(stamp: int, ids: list[int], tf: int = 1, length: int = 10) -> Postings:
    """Postings of one term in chunks ``ids``."""
    n = len(ids)
    return Postings(
        stamp,
        np.array(ids, dtype=np.int64),
        np.full(n, tf, dtype=np.int32),
        np.full(n, length, dtype=np.int32),
    )


def test_cache_keeps_at_most_its_postings_dropping_the_least_recently_used() -> None:
    cache = PostingCache(max_postings=5)
    cache.put("a", postings(1, [1, 2]))
    cache.put("b", postings(1, [3, 4]))
    assert cache.get("a") is not None  # "a" is now the most recently used
    cache.put("c", postings(1, [5, 6]))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    cache.put("a", postings(2, [1]))  # replaced, not counted twice
    cache.put("d", postings(1, [7, 8]))
    assert cache.get("a") is not None and cache.get("a").stamp == 2  # type: ignore[union-attr]
    cache.put("huge", postings(1, list(range(100, 110))))  # larger than the cache: not kept
    assert cache.get("huge") is None and cache.get("d") is not None


@pytest.mark.parametrize("offset", [0, 10**9], ids=["dense ids", "sparse ids"])
def test_bm25_sums_terms_per_chunk_and_masks_before_the_top_k(offset: int) -> None:
    a = postings(1, [offset + 1, offset + 2, offset + 3])
    b = postings(1, [offset + 2], tf=3)
    hits = bm25([(a, 3), (b, 1)], n=10, avgdl=10.0, k=2)
    assert [cid for cid, _ in hits] == [offset + 2, offset + 1]  # two terms beat one; ties by id
    idf_a, idf_b = np.log(1 + 7.5 / 3.5), np.log(1 + 9.5 / 1.5)
    assert hits[0][1] == pytest.approx(idf_a * 1 / 2.5 + idf_b * 3 / 4.5)
    allowed = {offset + 3, 99}
    assert bm25([(a, 3), (b, 1)], n=10, avgdl=10.0, k=2, allowed=allowed) == [
        (offset + 3, pytest.approx(idf_a / 2.5))
    ]
