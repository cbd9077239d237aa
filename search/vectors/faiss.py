"""FAISS vector store: ID-mapped inner product, exact while small, HNSW past a size.

IDs are the chunk ids shared with the lexical index. An ``allowed`` set is
passed to FAISS as an ID selector, so filtering happens inside the search and
a selective filter still returns its top-k.

Below :data:`HNSW_THRESHOLD` vectors the index is flat (exact): a linear scan of
every vector per query, 8 ms at 67,000 vectors and 100 ms at 672,000 (N = 100,000
documents) on one core. Past it, :meth:`FaissVectors.fit` (run by :meth:`~FaissVectors.save`,
so a write pays for it, not a search) makes it an HNSW graph over the same vectors
(``IndexHNSWFlat``: scores stay exact inner products; 5.9 ms against 144 ms flat at
672,528 vectors, recall@10 0.82 against the flat answer on the bulk generator's
near-tied vectors, where an IVF index needed 62 ms for 0.96; ``bench/vector_index.py``).
FAISS cannot remove from an HNSW graph, and the embedded index never asks it to: a
graph is built when a segment is sealed, sealed segments do not change, and the
documents a snapshot deleted from one reach the search as a selector
(``search/index/snapshot.py``). A store asked to remove from its graph anyway goes
back to flat first, and its next save builds the graph again. Filters on the graph:

- one allowing under :data:`GRAPH_FILTER_SHARE` of the vectors scans the graph's flat
  storage with the selector, as the flat index does (exact; the scan skips refused
  vectors before any arithmetic: 5.7 ms for 0.5 % and 30 ms for 10 % of 672,000),
  because a graph walk sees too few allowed vectors to fill a page;
- a broader one walks the graph with ``efSearch`` raised by the share it refuses.

Besides the FAISS index, the store keeps what each document contributed: its
ids, its group key, and the sum and count of its body vectors. Centroids are
sums per key divided out, updated on add and remove, and saved with the index
(``centroids.npz``), so they are never rebuilt with ``reconstruct``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from search.index.base import unit
from search.memo import IdentityMemo

#: Past this many vectors the flat scan is the largest part of a search (see bench/).
HNSW_THRESHOLD = 200_000
#: Graph degree and build breadth (M = 32 as measured in bench/index_recall.py).
HNSW_M = 32
EF_CONSTRUCTION = 40
#: Search breadth: the hybrid search asks the dense side for 200 candidates.
EF_SEARCH = 256
#: Below this share of the vectors a filter scans the graph's storage, above it walks.
GRAPH_FILTER_SHARE = 0.5


@dataclass
class _Contribution:
    key: str
    ids: list[int]
    total: np.ndarray
    n: int


def _selector(allowed: set[int]) -> faiss.IDSelector:
    """An ID selector that keeps to the ids in ``allowed``: a bitmap over the ids (chunk
    ids are dense, from one counter), tested by one bit per vector, where a hash set
    (``IDSelectorBatch``) took 16–21 ms to build and a fifth longer to scan with for a
    quarter of 672,528 chunks. The bitmap is held by the selector's Python object."""
    ids = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
    if ids.size and int(ids.min()) < 0:  # not chunk ids: no bitmap for them
        return faiss.IDSelectorBatch(ids)
    flags = np.zeros(int(ids.max()) + 1 if ids.size else 0, dtype=bool)
    flags[ids] = True
    bits = np.packbits(flags, bitorder="little")
    selector = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits))
    selector.bits = bits  # type: ignore[attr-defined]  # FAISS reads it in place: keep it
    return selector


#: Selectors by the identity of their allowed set, shared by every vector store of the
#: process: a selector depends on the ids alone, and a snapshot's segments (one
#: store each) are searched with the same set (building one per segment took four
#: times 19 ms for a quarter of 672,528 chunks).
_SELECTORS: IdentityMemo[faiss.IDSelector] = IdentityMemo(size=16)


def allowed_selector(allowed: set[int]) -> faiss.IDSelector:
    """The ID selector of ``allowed``, built once per set object (callers keep a
    reference while FAISS uses it: the memo may drop it meanwhile)."""
    return _SELECTORS.get(allowed, lambda: _selector(allowed))


class FaissVectors:
    """An ID-mapped FAISS index of L2-normalised vectors (cosine = inner product)."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        # Any: faiss' stubs know the base class only (``id_map``, ``index``, …)
        self._index: Any = index if index is not None else _flat(dim)
        self._positions: np.ndarray | None = None
        self._documents: dict[str, _Contribution] = {}
        self._sums: dict[str, tuple[np.ndarray, int]] = {}
        self._centroids: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def count(self) -> int:
        """Number of vectors."""
        return len(self)

    @property
    def approximate(self) -> bool:
        """Whether searches walk an HNSW graph (past :data:`HNSW_THRESHOLD`) rather
        than scan every vector."""
        return _is_hnsw(self._index)

    def fit(self) -> None:
        """Choose the index for the current size: an HNSW graph past
        :data:`HNSW_THRESHOLD`, flat again below half of it."""
        n, hnsw = len(self), self.approximate
        if hnsw and n < HNSW_THRESHOLD // 2:
            self._rebuild(_flat(self.dim))
        elif not hnsw and n >= HNSW_THRESHOLD:
            self._rebuild(_graph(self.dim))

    def _rebuild(self, index: Any) -> None:
        ids, vectors = self.matrix()
        if len(ids):
            index.add_with_ids(vectors, ids)
        self._index = index
        self._changed()

    def _id_map(self) -> np.ndarray:
        """The id at each FAISS position (kept until the next change)."""
        if self._positions is None:
            self._positions = np.asarray(faiss.vector_to_array(self._index.id_map), np.int64)
        return self._positions

    def _changed(self) -> None:
        self._centroids = None
        self._positions = None

    def add(
        self, document: str, key: str, ids: list[int], vectors: np.ndarray, body: list[bool]
    ) -> None:
        """Add a document's vectors; ``body`` rows count towards ``key``'s centroid."""
        self.remove_document(document)
        if ids:
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
            self._positions = None
        rows = [i for i, b in enumerate(body) if b]
        total = (
            np.asarray(vectors[rows], dtype=np.float64).sum(axis=0)
            if rows
            else np.zeros(self.dim, dtype=np.float64)
        )
        self._documents[document] = _Contribution(key, list(ids), total, len(rows))
        if rows:
            old, n = self._sums.get(key, (np.zeros(self.dim, dtype=np.float64), 0))
            self._sums[key] = (old + total, n + len(rows))
        self._centroids = None

    def remove_document(self, document: str) -> None:
        """Drop every vector of ``document`` and its share of its key's centroid."""
        gone = self._documents.pop(document, None)
        if gone is None:
            return
        if gone.ids:
            if self.approximate:  # FAISS cannot remove from a graph (module docstring)
                self._rebuild(_flat(self.dim))
            self._index.remove_ids(np.asarray(gone.ids, dtype=np.int64))
            self._positions = None
        if gone.n:
            total, n = self._sums[gone.key]
            if n - gone.n <= 0:
                del self._sums[gone.key]
            else:
                self._sums[gone.key] = (total - gone.total, n - gone.n)
        self._centroids = None

    def centroids(self) -> dict[str, np.ndarray]:
        """Unit mean body vector per key."""
        if self._centroids is None:
            self._centroids = {k: unit(total / n) for k, (total, n) in self._sums.items()}
        return self._centroids

    def centroids_of(self, keys: set[str]) -> dict[str, np.ndarray]:
        """Unit mean body vector of each of ``keys`` that has one."""
        return {k: unit(self._sums[k][0] / self._sums[k][1]) for k in keys if k in self._sums}

    def search_selected(
        self, query: np.ndarray, k: int, selector: faiss.IDSelector | None, share: float = 1.0
    ) -> list[tuple[int, float]]:
        """Top ``k`` ids by inner product among those ``selector`` keeps (all when
        ``None``; ``share``: the share of the stored vectors it keeps); the caller holds
        the selector until this returns. For a segment of the embedded index whose
        snapshot deleted some of its ids (the selector leaves them out); :meth:`search`
        serves every other case."""
        if len(self) == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        k = min(k, len(self))
        if self.approximate:
            return self._search_graph(q, k, selector, share)
        params: faiss.SearchParameters | None = None
        if selector is not None:
            # per search (see :meth:`search`: an ID-mapped index swaps their selector)
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = self._index.search(q, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def stored_ids(self) -> np.ndarray:
        """Every id the FAISS index holds, in storage order."""
        return self._id_map().copy()

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """Every stored id and its vector (rows in storage order)."""
        ids = self._id_map()
        if ids.size == 0:
            return ids.copy(), np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._index.index.reconstruct_n(0, ids.size)
        return ids.copy(), np.ascontiguousarray(vectors, dtype=np.float32)

    def documents(self) -> list[str]:
        """The documents whose vectors this store holds."""
        return list(self._documents)

    def contribution(self, document: str) -> tuple[str, np.ndarray, int] | None:
        """``document``'s centroid key, body vector sum and body vector count."""
        c = self._documents.get(document)
        return None if c is None else (c.key, c.total, c.n)

    @classmethod
    def merged(cls, dim: int, parts: list[tuple[FaissVectors, list[str]]]) -> FaissVectors:
        """One store holding the vectors (and centroid shares) of the listed documents
        of each part, copied without re-encoding; one FAISS ``add`` in all."""
        store = cls(dim)
        ids_out: list[np.ndarray] = []
        rows_out: list[np.ndarray] = []
        for vectors, documents in parts:
            ids, matrix = vectors.matrix()
            row = {i: r for r, i in enumerate(ids.tolist())}
            keep: list[int] = []
            for doc in documents:
                c = vectors._documents[doc]
                store._documents[doc] = _Contribution(c.key, list(c.ids), c.total, c.n)
                if c.n:
                    old, n = store._sums.get(c.key, (np.zeros(dim, dtype=np.float64), 0))
                    store._sums[c.key] = (old + c.total, n + c.n)
                keep.extend(row[i] for i in c.ids)
            ids_out.append(ids[keep])
            rows_out.append(matrix[keep])
        if ids_out and sum(i.size for i in ids_out):
            store._index.add_with_ids(
                np.ascontiguousarray(np.vstack(rows_out), dtype=np.float32),
                np.concatenate(ids_out),
            )
        return store

    def search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` ids by inner product with ``query``, restricted to ``allowed``."""
        if len(self) == 0 or k <= 0 or (allowed is not None and not allowed):
            return []
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        params = None
        selector = None
        if allowed is not None:
            # The same filter's set comes back for every query of one data version: its
            # selector is built once. The parameters are made per search: an ID-mapped
            # index swaps their selector for a translating one while it searches, so
            # parameters shared by concurrent searches read another search's freed
            # selector (a segfault with 16 clients, bench/scale.py). The selector is
            # held here until the search returns (the memo may drop it meanwhile).
            selector = allowed_selector(allowed)
            # faiss' type stubs miss the keyword the SWIG constructor takes.
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        k = min(k, len(self))
        if self.approximate:
            share = 1.0 if allowed is None else len(allowed) / len(self)
            found = self._search_graph(q, k, selector, share)
            del selector
            return found
        scores, ids = self._index.search(q, k, params=params)
        del selector
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _search_graph(
        self, q: np.ndarray, k: int, sel: Any, share: float
    ) -> list[tuple[int, float]]:
        """A search of the HNSW graph (the paths of the module docstring): ``sel`` keeps
        ids (every id when ``None``), ``share`` is the share of the graph's stored vectors
        it keeps."""
        if sel is not None and share < GRAPH_FILTER_SHARE:
            # the graph's storage holds the vectors by position: the selector is
            # translated from ids to positions
            translated = faiss.IDSelectorTranslated(self._index.id_map, sel)
            params = faiss.SearchParameters(sel=translated)  # type: ignore[call-arg]
            storage: Any = faiss.downcast_index(self._index.index)
            storage = storage.storage
            scores, positions = storage.search(q, k, params=params)
            del translated
            ids = self._id_map()
            return [
                (int(ids[p]), float(s))
                for p, s in zip(positions[0], scores[0], strict=True)
                if p >= 0
            ]
        # the walk passes over refused vectors as over kept ones: it is widened by the
        # share it may return
        # faiss' type stubs miss SearchParametersHNSW
        walk: Any = faiss.SearchParametersHNSW  # type: ignore[attr-defined]
        params = walk(sel=sel, efSearch=round(max(EF_SEARCH, k) / max(min(1.0, share), 1e-3)))
        scores, ids = self._index.search(q, k, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    # -- persistence ------------------------------------------------------------------

    def save(self, directory: Path) -> list[str]:
        """Write ``vectors.faiss`` and ``centroids.npz`` into ``directory`` (after
        :meth:`fit`); returns the file names written."""
        self.fit()
        faiss.write_index(self._index, str(directory / "vectors.faiss"))
        docs = list(self._documents)
        contributions = [self._documents[d] for d in docs]
        offsets = np.cumsum([0] + [len(c.ids) for c in contributions], dtype=np.int64)
        with open(directory / "centroids.npz", "wb") as out:
            np.savez(
                out,
                documents=np.array(docs, dtype=np.str_),
                keys=np.array([c.key for c in contributions], dtype=np.str_),
                sums=(
                    np.vstack([c.total for c in contributions])
                    if contributions
                    else np.zeros((0, self.dim))
                ),
                counts=np.array([c.n for c in contributions], dtype=np.int64),
                offsets=offsets,
                ids=np.array([i for c in contributions for i in c.ids], dtype=np.int64),
            )
        return ["vectors.faiss", "centroids.npz"]

    @classmethod
    def load(cls, directory: Path, dim: int) -> FaissVectors:
        """Read what :meth:`save` wrote."""
        store = cls(dim, faiss.read_index(str(directory / "vectors.faiss")))
        if store._index.d != dim:
            raise ValueError(f"vectors.faiss has dimension {store._index.d}, expected {dim}")
        # Each ``data[name]`` reads the whole array from the archive again, so every
        # array is read once; rows are copied out so that no contribution keeps the
        # whole ``sums`` matrix alive (that made loading quadratic in memory).
        with np.load(directory / "centroids.npz", allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        offsets, ids, sums, counts = (arrays[k] for k in ("offsets", "ids", "sums", "counts"))
        for i, (doc, key) in enumerate(zip(arrays["documents"], arrays["keys"], strict=True)):
            total = np.array(sums[i], dtype=np.float64)
            n = int(counts[i])
            chunk_ids = [int(x) for x in ids[offsets[i] : offsets[i + 1]]]
            store._documents[str(doc)] = _Contribution(str(key), chunk_ids, total, n)
            if n:
                old, m = store._sums.get(str(key), (np.zeros(dim, dtype=np.float64), 0))
                store._sums[str(key)] = (old + total, m + n)
        return store


# -- index types -------------------------------------------------------------------------------


def _flat(dim: int) -> Any:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _graph(dim: int) -> Any:
    graph = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = EF_CONSTRUCTION
    return faiss.IndexIDMap2(graph)


def _is_hnsw(index: Any) -> bool:
    inner = getattr(index, "index", None)
    return inner is not None and isinstance(faiss.downcast_index(inner), faiss.IndexHNSW)
