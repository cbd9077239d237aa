"""The FAISS vector store's files: what is saved is what is loaded, in memory linear
in the number of documents."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import faiss
import numpy as np
import pytest

import search.index  # noqa: F401  (search.vectors.faiss is imported through it)
from search.vectors import faiss as faiss_vectors
from search.vectors.faiss import FaissVectors

DIM = 16


def _store(documents: int) -> FaissVectors:
    rng = np.random.default_rng(3)
    store = FaissVectors(DIM)
    for d in range(documents):
        vectors = rng.standard_normal((2, DIM)).astype(np.float32)
        store.add(f"doc{d}", f"key{d % 7}", [2 * d, 2 * d + 1], vectors, [True, d % 2 == 0])
    return store


def test_load_gives_back_the_saved_vectors_and_centroids(tmp_path: Path) -> None:
    store = _store(20)
    store.save(tmp_path)
    loaded = FaissVectors.load(tmp_path, DIM)
    assert loaded.count() == store.count() == 40
    saved, read = store.centroids(), loaded.centroids()
    assert saved.keys() == read.keys()
    for key in saved:
        np.testing.assert_allclose(read[key], saved[key], rtol=1e-6)
    query = np.ones(DIM, dtype=np.float32)
    assert loaded.search(query, 5) == store.search(query, 5)


def test_loading_holds_memory_linear_in_documents(tmp_path: Path) -> None:
    """Regression: each document's centroid sum was a view into its own fresh copy of
    the whole sums matrix, so a 1,500-document snapshot took 7 GB to open."""
    _store(400).save(tmp_path)
    tracemalloc.start()
    try:
        loaded = FaissVectors.load(tmp_path, DIM)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert loaded.count() == 800
    # Linear: 400 sums of 16 float64s plus bookkeeping is well under 1 MB; the
    # quadratic version held 400 copies of a 400 x 16 matrix (about 20 MB).
    assert held < 2_000_000, held


def test_concurrent_filtered_searches_keep_to_their_filter() -> None:
    # An ID-mapped FAISS index swaps the selector of the parameters it is given while
    # it searches: parameters shared between threads crashed the process (bench/scale.py).
    store = _store(5000)
    allowed = set(range(0, 10_000, 3))
    rng = np.random.default_rng(5)
    queries = rng.standard_normal((64, DIM)).astype(np.float32)
    wrong: list[int] = []

    def client(i: int) -> None:
        for j in range(60):
            hits = store.search(queries[(i + j) % 64], 50, allowed)
            wrong.extend(cid for cid, _ in hits if cid not in allowed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


@pytest.fixture
def small_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """HNSW past 2,000 vectors, a graph walk narrowed to efSearch 16: the large-N
    paths at a size a test builds in milliseconds."""
    monkeypatch.setattr(faiss_vectors, "HNSW_THRESHOLD", 2000)
    monkeypatch.setattr(faiss_vectors, "EF_SEARCH", 16)


def _pair(documents: int) -> tuple[FaissVectors, FaissVectors]:
    """The same unit vectors in two stores (one to turn approximate, one flat)."""
    rng = np.random.default_rng(11)
    a, b = FaissVectors(DIM), FaissVectors(DIM)
    centres = rng.standard_normal((40, DIM)).astype(np.float32)
    for d in range(documents):
        v = centres[d % 40] + 0.3 * rng.standard_normal((2, DIM)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        for store in (a, b):
            store.add(f"doc{d}", f"key{d % 7}", [2 * d, 2 * d + 1], v, [True, True])
    return a, b


def _recall(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> float:
    return len({i for i, _ in got} & {i for i, _ in want}) / max(1, len(want))


@pytest.mark.usefixtures("small_graph")
def test_past_the_threshold_saving_turns_the_index_into_a_graph(tmp_path: Path) -> None:
    graph, flat = _pair(1500)
    graph.save(tmp_path)
    assert graph.approximate and not flat.approximate
    assert sorted(graph.stored_ids().tolist()) == sorted(flat.stored_ids().tolist())
    loaded = FaissVectors.load(tmp_path, DIM)
    assert loaded.approximate and loaded.count() == 3000
    queries = np.random.default_rng(2).standard_normal((30, DIM)).astype(np.float32)
    recall = []
    for q in queries:
        got = loaded.search(q, 10)
        assert len(got) == 10
        recall.append(_recall(got, flat.search(q, 10)))
    # efSearch 16 (the fixture) over 3,000 clustered vectors: most of the exact top 10
    assert np.mean(recall) >= 0.8, recall


@pytest.mark.usefixtures("small_graph")
def test_filters_on_the_graph_fill_their_page(tmp_path: Path) -> None:
    graph, flat = _pair(1500)
    graph.save(tmp_path)
    q = np.random.default_rng(4).standard_normal(DIM).astype(np.float32)
    narrow = set(range(1, 3000, 13))  # 231 ids: the storage scanned with the selector
    got, want = graph.search(q, 20, narrow), flat.search(q, 20, narrow)
    assert [i for i, _ in got] == [i for i, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
    third = set(range(0, 3000, 3))  # a third: the storage scanned with the selector, exact
    got = graph.search(q, 50, third)
    assert [i for i, _ in got] == [i for i, _ in flat.search(q, 50, third)]
    broad = set(range(3000)) - set(range(0, 3000, 4))  # three quarters: a wider walk
    got = graph.search(q, 50, broad)
    assert len(got) == 50 and {i for i, _ in got} <= broad
    assert _recall(got, flat.search(q, 50, broad)) >= 0.8
    assert graph.search(q, 5, {10**9}) == []  # an id the index does not hold


@pytest.mark.usefixtures("small_graph")
def test_removing_from_the_graph_goes_flat_until_the_next_save(tmp_path: Path) -> None:
    # FAISS cannot remove from an HNSW graph; the embedded index never asks it to (its
    # sealed segments do not change), but a store that is asked must stay right
    graph, flat = _pair(1500)
    graph.save(tmp_path)
    for d in range(0, 1500, 3):
        graph.remove_document(f"doc{d}")
        flat.remove_document(f"doc{d}")
    assert not graph.approximate and graph.count() == flat.count() == 2000
    assert sorted(graph.stored_ids().tolist()) == sorted(flat.stored_ids().tolist())
    q = np.ones(DIM, dtype=np.float32)
    assert graph.search(q, 10) == flat.search(q, 10)
    graph.save(tmp_path)  # 2,000 vectors: the graph again
    again = FaissVectors.load(tmp_path, DIM)
    assert again.approximate and again.count() == 2000
    assert sorted(again.stored_ids().tolist()) == sorted(flat.stored_ids().tolist())


@pytest.mark.usefixtures("small_graph")
def test_below_half_the_threshold_the_index_is_exact_again(tmp_path: Path) -> None:
    graph, flat = _pair(1500)
    graph.save(tmp_path)
    for d in range(1100):  # 800 vectors left, under half of 2,000
        graph.remove_document(f"doc{d}")
        flat.remove_document(f"doc{d}")
    graph.save(tmp_path)
    assert not graph.approximate
    q = np.ones(DIM, dtype=np.float32)
    assert graph.search(q, 10) == flat.search(q, 10)


@pytest.mark.usefixtures("small_graph")
def test_a_selected_search_of_the_graph_takes_the_path_its_share_asks(tmp_path: Path) -> None:
    # a segment with tombstones is searched through a selector (search/index/snapshot.py):
    # a narrow one must scan the graph's storage, not walk a graph it hardly admits
    graph, flat = _pair(1500)
    graph.save(tmp_path)
    q = np.random.default_rng(6).standard_normal(DIM).astype(np.float32)
    narrow = set(range(1, 3000, 13))
    selector = faiss.IDSelectorBatch(np.fromiter(narrow, dtype=np.int64, count=len(narrow)))
    got = graph.search_selected(q, 20, selector, len(narrow) / 3000)
    assert [i for i, _ in got] == [i for i, _ in flat.search(q, 20, narrow)]
    assert len(graph.search_selected(q, 50, None)) == 50
