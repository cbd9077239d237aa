"""The FAISS vector store's files: what is saved is what is loaded, in memory linear
in the number of documents."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

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
def small_ivf(monkeypatch: pytest.MonkeyPatch) -> None:
    """IVF past 2,000 vectors, lists of 64, probing 4 of 32 lists (an eighth): the
    large-N path at a size a test builds in milliseconds."""
    monkeypatch.setattr(faiss_vectors, "IVF_THRESHOLD", 2000)
    monkeypatch.setattr(faiss_vectors, "LIST_SIZE", 64)
    monkeypatch.setattr(faiss_vectors, "MIN_PROBES", 4)
    monkeypatch.setattr(faiss_vectors, "EXACT_ALLOWED", 300)


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


@pytest.mark.usefixtures("small_ivf")
def test_past_the_threshold_saving_turns_the_index_into_ivf(tmp_path: Path) -> None:
    ivf, flat = _pair(1500)
    ivf.save(tmp_path)
    assert ivf.approximate and not flat.approximate
    assert sorted(ivf.ids().tolist()) == sorted(flat.ids().tolist())
    loaded = FaissVectors.load(tmp_path, DIM)
    assert loaded.approximate and loaded.count() == 3000
    # removal and replacement work in place on the loaded IVF index
    for d in range(0, 1500, 3):
        loaded.remove_document(f"doc{d}")
        flat.remove_document(f"doc{d}")
    assert sorted(loaded.ids().tolist()) == sorted(flat.ids().tolist())
    rng = np.random.default_rng(2)
    queries = rng.standard_normal((30, DIM)).astype(np.float32)
    recall = []
    for q in queries:
        want = {i for i, _ in flat.search(q, 10)}
        got = loaded.search(q, 10)
        assert len(got) == 10 and all(i in flat.ids() for i, _ in got)
        recall.append(len(want & {i for i, _ in got}) / 10)
    # an eighth of the lists probed on clustered vectors: most of the exact top 10
    assert np.mean(recall) >= 0.8, recall


@pytest.mark.usefixtures("small_ivf")
def test_filters_on_the_ivf_index_fill_their_page(tmp_path: Path) -> None:
    ivf, flat = _pair(1500)
    ivf.save(tmp_path)
    q = np.random.default_rng(4).standard_normal(DIM).astype(np.float32)
    narrow = set(range(1, 3000, 13))  # 231 ids: ranked exactly over the allowed vectors
    got, want = ivf.search(q, 20, narrow), flat.search(q, 20, narrow)
    assert [i for i, _ in got] == [i for i, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
    broad = set(range(0, 3000, 3))  # a third: more lists probed, still a full page
    hits = ivf.search(q, 50, broad)
    assert len(hits) == 50 and all(i in broad for i, _ in hits)
    assert ivf.search(q, 5, {10**9}) == []  # an id the index does not hold


@pytest.mark.usefixtures("small_ivf")
def test_below_half_the_threshold_the_index_is_exact_again(tmp_path: Path) -> None:
    ivf, flat = _pair(1500)
    ivf.save(tmp_path)
    for d in range(1100):  # 800 vectors left, under half of 2,000
        ivf.remove_document(f"doc{d}")
        flat.remove_document(f"doc{d}")
    ivf.save(tmp_path)
    assert not ivf.approximate
    q = np.ones(DIM, dtype=np.float32)
    assert ivf.search(q, 10) == flat.search(q, 10)
