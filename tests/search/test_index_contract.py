"""The index contract run against every engine: FAISS/bm25s snapshots and PostgreSQL + pgvector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from search.index import Index, LocalIndex
from search.index.postgres import MIGRATIONS, PostgresIndex
from search.vectors import faiss as faiss_vectors
from search.vectors import pgvector
from tests.search.index_contract import (
    IndexContract,
    add,
    add_texts,
    assert_bm25,
    reference_bm25,
    remove,
    terms,
    zipf_texts,
)


class TestLocalIndex(IndexContract):
    """Snapshots of FAISS, bm25s and chunk files under a temporary home."""

    @pytest.fixture
    def index(self, tmp_path: Path) -> Iterator[Index]:
        engine = LocalIndex(tmp_path / "index")
        yield engine
        engine.close()


class TestLocalIndexPastTheHnswThreshold(IndexContract):
    """The embedded engine once its vectors turn into an HNSW graph (at 16 vectors here,
    where a walk with efSearch 256 sees every vector, so the contract's exact answers
    still hold): sealed graphs, removal and replacement through the snapshot's
    tombstones, saving and loading, both filter paths."""

    @pytest.fixture
    def index(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
        monkeypatch.setattr(faiss_vectors, "HNSW_THRESHOLD", 16)
        engine = LocalIndex(tmp_path / "index")
        yield engine
        engine.close()


class TestPostgresIndex(IndexContract):
    """A real PostgreSQL 18 with pgvector 0.8, one fresh database per test."""

    @pytest.fixture
    def index(self, pg_url: str) -> Iterator[Index]:
        engine = PostgresIndex(pg_url)
        yield engine
        engine.close()


def test_postgres_schema_creation_is_idempotent_and_versioned(pg_url: str) -> None:
    PostgresIndex(pg_url).close()
    again = PostgresIndex(pg_url)
    add(again, "a", 1)
    again.close()
    PostgresIndex(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM hk_schema ORDER BY version")]
        extension = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert extension is not None and tuple(int(x) for x in extension[0].split(".")[:2]) >= (0, 8)


def test_postgres_recover_drops_what_the_graph_lacks_and_names_what_it_misses(pg_url: str) -> None:
    index = PostgresIndex(pg_url)
    try:
        a, _, _ = add(index, "a", 1)
        b, _, _ = add(index, "b", 2)
        missing = index.recover({a: "sha-a", "http://example.org/id/document/c": "sha-c"})
        assert missing == {"http://example.org/id/document/c"}
        view = index.view()
        assert view is not None
        assert set(view.documents()) == {a}
        assert b not in view.centroids()
    finally:
        index.close()


def test_postgres_large_allowed_sets_walk_hnsw_with_iterative_scans(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Allowed sets too large to rank exactly go through the HNSW graph; the iterative scan
    # must still find allowed rows far from the query (without it, a selective filter
    # returns none).
    monkeypatch.setattr(pgvector, "EXACT_FACTOR", 0)
    index = PostgresIndex(pg_url)
    try:
        docs = [add(index, f"d{i}", 10 + i, n=40) for i in range(10)]
        view = index.view()
        assert view is not None
        allowed = {docs[9][1][0].id, docs[9][1][5].id, docs[9][1][7].id}
        hits = view.dense_search(docs[0][2][0], 3, allowed)
        assert {cid for cid, _ in hits} == allowed
        assert {cid for cid, _ in view.lexical_search(terms("kuntoutus"), 10, allowed)} == allowed
    finally:
        index.close()


def test_postgres_exact_and_hnsw_plans_agree_on_filtered_search(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The two filtered plans take the allowed set in different forms (an array literal,
    # a bitmap tested with get_bit); on a corpus this small HNSW is exact, so they must
    # agree, including on the first and the largest chunk ids (the bitmap's edges; with
    # only the first id allowed, every later row lies past the bitmap's end).
    index = PostgresIndex(pg_url)
    try:
        docs = [add(index, f"d{i}", 30 + i, n=12) for i in range(6)]
        view = index.view()
        assert view is not None
        ids = sorted(c.id for _, chunks, _ in docs for c in chunks)
        query = docs[2][2][3]
        for allowed in ({ids[0]}, {ids[0], ids[-1]}, set(ids[::3]), set(ids[5:40]), {ids[-1]}):
            monkeypatch.setattr(pgvector, "EXACT_FACTOR", 10**9)
            exact = view.dense_search(query, 10, allowed)
            monkeypatch.setattr(pgvector, "EXACT_FACTOR", 0)
            walked = view.dense_search(query, 10, allowed)
            assert {cid for cid, _ in exact} <= allowed
            assert len(exact) == min(10, len(allowed))
            assert [cid for cid, _ in walked] == [cid for cid, _ in exact]
            assert [s for _, s in walked] == pytest.approx([s for _, s in exact], abs=1e-5)
    finally:
        index.close()


def test_exact_is_cheaper_for_small_or_selective_sets() -> None:
    assert pgvector.exact_is_cheaper(2_000, 200, 50_000)
    assert pgvector.exact_is_cheaper(13_000, 200, 52_727)
    assert not pgvector.exact_is_cheaper(26_000, 200, 52_727)
    # the larger the corpus, the larger the set still ranked exactly
    assert pgvector.exact_is_cheaper(26_000, 200, 500_000)


def test_postgres_search_connections_are_set_up_once(pg_url: str) -> None:
    # A search used to open a transaction and set three settings per query (four extra
    # round trips); pooled connections now carry them from the start.
    index = PostgresIndex(pg_url)
    try:
        with index.pool.connection() as conn:
            shown = {
                name: conn.execute(f"SELECT current_setting('{name}')").fetchone()[0]
                for name in ("hnsw.iterative_scan", "hnsw.ef_search", "plan_cache_mode")
            }
        assert shown == {
            "hnsw.iterative_scan": "relaxed_order",
            "hnsw.ef_search": str(pgvector.EF_SEARCH),
            "plan_cache_mode": "force_custom_plan",
        }
    finally:
        index.close()


def test_postgres_cached_postings_follow_writes_from_another_replica(pg_url: str) -> None:
    # Each process keeps postings cached per term; a write through another process must
    # still show in the next search (terms carry the stamp of the write that changed them).
    reader, other = PostgresIndex(pg_url), PostgresIndex(pg_url)
    try:
        first = add_texts(other, zipf_texts(6, documents=3, chunks=20))
        query = [t for w in ("hanke", "vertaistuki") for t in terms(w)]
        view = reader.view()
        assert view is not None
        assert_bm25(view.lexical_search(query, 500), reference_bm25(first, query), 500)
        second = add_texts(other, {"late": ["hanke vertaistuki", "hanke hanke"]})
        view = reader.view()
        assert view is not None
        assert_bm25(view.lexical_search(query, 500), reference_bm25(first + second, query), 500)
        remove(other, "http://example.org/id/document/late")
        view = reader.view()
        assert view is not None
        assert_bm25(view.lexical_search(query, 500), reference_bm25(first, query), 500)
    finally:
        reader.close()
        other.close()


def test_postgres_postings_written_before_stamps_are_read(pg_url: str) -> None:
    # Terms migrated from schema 2 carry stamp 0: a reader must fetch their postings.
    index = PostgresIndex(pg_url)
    try:
        chunks = add_texts(index, zipf_texts(8, documents=2, chunks=10))
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("UPDATE hk_terms SET stamp = 0")
        view = index.view()
        assert view is not None
        query = terms("hanke")
        assert_bm25(view.lexical_search(query, 100), reference_bm25(chunks, query), 100)
    finally:
        index.close()


def test_postgres_recover_never_empties_the_index_for_an_empty_graph(pg_url: str) -> None:
    """Issue 23: an empty graph beside a full index is refused, not settled by emptying it."""
    from graph.errors import DamagedHome

    index = PostgresIndex(pg_url)
    try:
        a, _, _ = add(index, "a", 1)
        with pytest.raises(DamagedHome, match="the graph is empty"):
            index.recover({})
        view = index.view()
        assert view is not None and set(view.documents()) == {a}
    finally:
        index.close()
