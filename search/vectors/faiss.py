"""FAISS vector store: ID-mapped inner product, exact while small, IVF past a size.

IDs are the chunk ids shared with the lexical index. An ``allowed`` set is
passed to FAISS as an ID selector, so filtering happens inside the search and
a selective filter still returns its top-k.

Below :data:`IVF_THRESHOLD` vectors the index is flat (exact): a linear scan of
every vector per query, 8 ms at 67,000 vectors and 85 ms at 670,000 (N = 100,000
documents) on one core. Past it, :meth:`FaissVectors.save` turns it into an
inverted-file index (``IndexIVFFlat``: k-means lists, the vectors kept whole so
scores stay exact inner products) that probes :data:`PROBE_SHARE` of its lists,
with a direct map so that documents are still removed and replaced in place. A
filter that allows few vectors is ranked exactly over those vectors (their rows
read back through the direct map), and a broader one probes more lists in
proportion, so a filter never empties a page the flat index would have filled.

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
IVF_THRESHOLD = 200_000
#: Vectors per inverted list the lists are sized for (nlist = n / this, a power of two).
LIST_SIZE = 512
#: The share of lists a search probes (at least :data:`MIN_PROBES`).
PROBE_SHARE = 1 / 16
MIN_PROBES = 32
#: A filter allowing at most this many vectors is ranked exactly over them.
EXACT_ALLOWED = 30_000
#: Training sample per list (FAISS warns below 39).
TRAIN_PER_LIST = 40
#: The IVF direct map that allows removal by id (faiss' type stubs miss ``DirectMap``).
_HASHTABLE: int = faiss.DirectMap.Hashtable  # type: ignore[attr-defined]


@dataclass
class _Contribution:
    key: str
    ids: list[int]
    total: np.ndarray
    n: int


def _selector(allowed: set[int]) -> faiss.IDSelector:
    """An ID selector that keeps to the ids in ``allowed`` (FAISS copies them)."""
    return faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))


class FaissVectors:
    """An ID-mapped FAISS index of L2-normalised vectors (cosine = inner product)."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        # Any: faiss' stubs know the base class only (``id_map``, ``invlists``, …)
        self._index: Any = index if index is not None else _flat(dim)
        self._documents: dict[str, _Contribution] = {}
        self._sums: dict[str, tuple[np.ndarray, int]] = {}
        self._centroids: dict[str, np.ndarray] | None = None
        self._selectors: IdentityMemo[faiss.IDSelector] = IdentityMemo()

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def count(self) -> int:
        """Number of vectors."""
        return len(self)

    @property
    def approximate(self) -> bool:
        """Whether searches probe inverted lists (past :data:`IVF_THRESHOLD`) rather
        than scan every vector."""
        return isinstance(self._index, faiss.IndexIVF)

    def ids(self) -> np.ndarray:
        """Every chunk id held."""
        if isinstance(self._index, faiss.IndexIVF):
            return _ivf_ids(self._index)
        return np.asarray(faiss.vector_to_array(self._index.id_map), dtype=np.int64)

    def fit(self) -> None:
        """Choose the index type for the current size: IVF past :data:`IVF_THRESHOLD`
        (trained again once the size quadrupled since training), flat again below half
        of it. Called before saving, so a write pays for it, not a search."""
        n = len(self)
        if isinstance(self._index, faiss.IndexIVF):
            if n < IVF_THRESHOLD // 2:
                self._index = _to_flat(self._index, self.dim)
            elif n > 4 * self._index.nlist * LIST_SIZE:
                self._index = _to_ivf(self._vectors(), self.dim)
        elif n >= IVF_THRESHOLD:
            self._index = _to_ivf(self._vectors(), self.dim)
        self._selectors = IdentityMemo()

    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        ids = self.ids()
        if isinstance(self._index, faiss.IndexIVF):
            return ids, self._index.reconstruct_batch(ids)
        return ids, self._index.index.reconstruct_n(0, len(ids))

    def add(
        self, document: str, key: str, ids: list[int], vectors: np.ndarray, body: list[bool]
    ) -> None:
        """Add a document's vectors; ``body`` rows count towards ``key``'s centroid."""
        self.remove_document(document)
        if ids:
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
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
            self._index.remove_ids(np.asarray(gone.ids, dtype=np.int64))
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
            selector = self._selectors.get(allowed, lambda: _selector(allowed))
            # faiss' type stubs miss the keyword the SWIG constructor takes.
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        k = min(k, len(self))
        if isinstance(self._index, faiss.IndexIVF):
            ivf = self._index
            if allowed is not None and len(allowed) <= EXACT_ALLOWED:
                return _exact_over(ivf, q[0], k, allowed)
            probes = max(MIN_PROBES, round(ivf.nlist * PROBE_SHARE))
            if allowed is not None:
                # a filter keeping a share of the vectors keeps that share of each
                # list: probe that many more lists to see as many candidates
                probes = round(probes * len(self) / len(allowed))
            # faiss' type stubs miss the keywords the SWIG constructor takes.
            params = faiss.SearchParametersIVF(  # type: ignore[call-arg]
                sel=selector, nprobe=min(ivf.nlist, probes)
            )
        scores, ids = self._index.search(q, k, params=params)
        del selector
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
        if isinstance(store._index, faiss.IndexIVF):
            ivf = store._index
            if ivf.direct_map.type != _HASHTABLE:
                ivf.set_direct_map_type(_HASHTABLE)
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


def _flat(dim: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _to_flat(ivf: faiss.IndexIVF, dim: int) -> faiss.Index:
    ids = _ivf_ids(ivf)
    flat = _flat(dim)
    if len(ids):
        flat.add_with_ids(ivf.reconstruct_batch(ids), ids)
    return flat


def _to_ivf(rows: tuple[np.ndarray, np.ndarray], dim: int) -> faiss.IndexIVF:
    """An IVF index over ``rows`` (ids, vectors), its lists trained on a sample of them."""
    ids, vectors = rows
    nlist = 1 << max(4, int(np.log2(max(1, len(ids) // LIST_SIZE))))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    # a fixed sample: the same vectors train the same lists
    rng = np.random.default_rng(0)
    sample = rng.choice(len(ids), min(len(ids), nlist * TRAIN_PER_LIST), replace=False)
    ivf.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    ivf.set_direct_map_type(_HASHTABLE)
    ivf.add_with_ids(np.ascontiguousarray(vectors), ids)
    return ivf


def _ivf_ids(ivf: faiss.IndexIVF) -> np.ndarray:
    lists: Any = faiss.extract_index_ivf(ivf).invlists
    parts = [
        faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
        for i in range(ivf.nlist)
        if lists.list_size(i)
    ]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def _exact_over(
    ivf: faiss.IndexIVF, query: np.ndarray, k: int, allowed: set[int]
) -> list[tuple[int, float]]:
    """The top ``k`` of ``allowed`` by inner product, every allowed vector scored."""
    ids = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
    try:
        vectors = ivf.reconstruct_batch(ids)
    except RuntimeError:  # an id the index does not hold: keep only those it holds
        held = np.isin(ids, _ivf_ids(ivf))
        ids = ids[held]
        vectors = ivf.reconstruct_batch(ids) if len(ids) else np.zeros((0, ivf.d), np.float32)
    scores = vectors @ query
    top = np.argsort(-scores, kind="stable")[:k] if len(ids) > k else np.argsort(-scores)
    return [(int(ids[i]), float(scores[i])) for i in top]
