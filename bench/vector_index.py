"""The embedded engine's HNSW graph against its flat index on one home's vectors.

``python -m bench.vector_index --home HOME`` reads the home's committed vectors (its
graph is used as it is when it has one), builds the other index types as
:class:`search.vectors.faiss.FaissVectors` does, and an IVF index as the road not taken,
then times and compares them with the bench's real e5 query vectors
(``bench.search.QUERIES``, encoded by the configured encoder), unfiltered and through each
filter path of the graph (the storage scanned with the selector, a widened walk):

- recall@10 and recall@200 of ids against the flat (exact) answer (the hybrid search asks
  the dense side for 200 candidates);
- *score recall*: the share of the top 10 scoring at least the exact 10th score less
  0.001. On the bulk generator's vectors (mixes of 128 real e5 vectors plus noise) many
  vectors tie within a hair, and an id missed for an equal neighbour is no loss to search;
- p50 / p95 of one search, one thread.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench import load_average, write_result

Hits = list[tuple[int, float]]


def _read_store(home: Path) -> Any:
    import search.index  # noqa: F401  (imports search.vectors.faiss in its order)
    from search.index.local import IndexState
    from search.vectors.faiss import FaissVectors

    state = IndexState(home / "index")
    name = state.current_name()
    if name is None:
        raise SystemExit(f"{home} has no committed index snapshot")
    return FaissVectors.load(state.root / "snapshots" / name, 384)


def _timed(fn: Callable[[np.ndarray], Hits], queries: np.ndarray) -> tuple[list[Hits], Any]:
    out, took = [], []
    for q in queries:
        start = time.perf_counter()
        out.append(fn(q))
        took.append((time.perf_counter() - start) * 1000)
    return out, [round(float(np.percentile(took, p)), 2) for p in (50, 95)]


def _recall(want: list[Hits], got: list[Hits]) -> float:
    return round(
        float(
            np.mean(
                [
                    len({i for i, _ in w} & {i for i, _ in g}) / max(1, len(w))
                    for w, g in zip(want, got, strict=True)
                ]
            )
        ),
        4,
    )


def _score_recall(want: list[Hits], got: list[Hits]) -> float:
    shares = [
        sum(s >= w[-1][1] - 1e-3 for _, s in g[: len(w)]) / len(w)
        for w, g in zip(want, got, strict=True)
        if w
    ]
    return round(float(np.mean(shares)), 4)


def compare(home: Path) -> dict[str, Any]:
    """Flat against the graph (and IVF) on ``home``'s vectors (see the module docstring)."""
    import faiss

    from bench.search import QUERIES
    from search.encoders import get_encoder
    from search.vectors import faiss as fv

    stored = _read_store(home)
    ids, vectors = stored.matrix()
    dim = vectors.shape[1]
    flat = fv.FaissVectors(dim, fv._flat(dim))
    flat._index.add_with_ids(vectors, ids)
    built_s = None
    if stored.approximate:  # the home's own graph, as the engine searches it
        graph = stored
    else:
        graph = fv.FaissVectors(dim, fv._graph(dim))
        started = time.perf_counter()
        graph._index.add_with_ids(vectors, ids)  # FAISS' own threads, as fit() builds it
        built_s = round(time.perf_counter() - started, 1)
    faiss.omp_set_num_threads(1)
    queries = np.asarray(get_encoder("e5-small-q4").encode_queries(QUERIES), dtype=np.float32)
    rng = np.random.default_rng(7)
    filters: dict[str, set[int] | None] = {
        "none (graph walk)": None,
        "60 % (widened walk)": set(rng.choice(ids, len(ids) * 6 // 10, replace=False).tolist()),
        "10 % (storage scanned)": set(rng.choice(ids, len(ids) // 10, replace=False).tolist()),
        "0.5 % (storage scanned)": set(rng.choice(ids, len(ids) // 200, replace=False).tolist()),
    }
    rows: dict[str, Any] = {}
    for label, allowed in filters.items():
        row: dict[str, Any] = {}
        for k in (10, 200):
            want, row[f"flat_top{k}_p50_p95_ms"] = _timed(
                lambda q, k=k, a=allowed: flat.search(q, k, a), queries
            )
            got, row[f"graph_top{k}_p50_p95_ms"] = _timed(
                lambda q, k=k, a=allowed: graph.search(q, k, a), queries
            )
            row[f"recall_at_{k}"] = _recall(want, got)
            if k == 10:
                row["score_recall_at_10"] = _score_recall(want, got)
        rows[label] = row
    # the road not taken: IVF (k-means lists of ~512 vectors), unfiltered
    nlist = 1 << max(4, int(np.log2(max(1, len(ids) // 512))))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors[rng.choice(len(ids), min(len(ids), 40 * nlist), replace=False)])
    ivf.add_with_ids(vectors, ids)
    want, _ = _timed(lambda q: flat.search(q, 10), queries)
    ivf_rows = {}
    for nprobe in (nlist // 16, nlist // 4):
        ivf.nprobe = nprobe
        got, took = _timed(
            lambda q: [
                (int(i), float(s))
                for s, i in zip(*(a[0] for a in ivf.search(q[None], 10)), strict=True)
            ],
            queries,
        )
        ivf_rows[f"nprobe={nprobe}"] = {
            "top10_p50_p95_ms": took,
            "recall_at_10": _recall(want, got),
        }
    return {
        "home": str(home),
        "vectors": len(ids),
        "graph": {"M": fv.HNSW_M, "efConstruction": fv.EF_CONSTRUCTION, "efSearch": fv.EF_SEARCH},
        "graph_build_s": built_s,
        "queries": len(QUERIES),
        "filters": rows,
        f"ivf_nlist={nlist}_unfiltered": ivf_rows,
    }


def main() -> None:
    """``python -m bench.vector_index --home HOME``: prints and saves the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True)
    args = parser.parse_args()
    start = load_average()
    out = compare(args.home)
    out["load_average"] = [start, load_average()]
    path = write_result(f"vector-index-{out['vectors']}", out)
    print(json.dumps(out, indent=1))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
