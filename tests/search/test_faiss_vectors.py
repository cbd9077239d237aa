"""The FAISS vector store's files: what is saved is what is loaded, in memory linear
in the number of documents."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import numpy as np

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
