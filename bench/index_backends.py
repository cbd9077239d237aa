"""Index engines side by side: embedded (FAISS + bm25s) and PostgreSQL + pgvector.

``python -m bench.index_backends latency --n 10000``
    Builds the same N-document state (``bench.search.build_state``: generated
    documents, the real graph, chunks and BM25 terms, e5-derived surrogate
    vectors) once per engine, in one process, with the PostgreSQL engine on a
    throwaway server, then times ``api.services.search`` (what ``/api/search``
    runs) for hybrid, hybrid filtered (a funder and a region), dense and
    lexical on both. Surrogate vectors cost the same to search as real ones
    for FAISS flat; for HNSW they are only a latency probe, which is why
    recall is measured separately, on real vectors.

``python -m bench.index_backends recall --home HOME`` (or ``--database-url URL``)
    HNSW recall@10 against exact search on *real* e5 vectors: every chunk
    vector of an ingested home (e.g. the dev-set home ``hankekg eval --home``
    builds) or postgres index, probed with real e5 query vectors of the
    benchmark queries and with chunk vectors. Loaded into
    pgvector (HNSW m=16, ef_construction=64), searched at several
    ``hnsw.ef_search`` values, unfiltered and filtered to random 10 % and 1 %
    subsets with iterative scans; exact = FAISS flat inner product.

Results go to ``bench/results/index-backends-*.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import RESULTS, measure
from search.index.pgserver import PostgresServer

logger = logging.getLogger(__name__)


def latency(n: int, repeats: int, seed: int) -> dict[str, Any]:
    """Build N documents per engine and time the service searches on each."""
    from api import services
    from bench.search import QUERIES, _filters, build_state, open_engine
    from graph.config import Settings

    out: dict[str, Any] = {"documents": n, "queries": len(QUERIES), "repeats": repeats}
    with PostgresServer() as server, tempfile.TemporaryDirectory() as tmp:
        for backend in ("local", "postgres"):
            home = Path(tmp) / backend
            if backend == "local":
                engine = open_engine(home)
            else:
                from api.engine import Engine

                engine = Engine(
                    Settings(home=home, index_backend="postgres", database_url=server.url)
                )
            start = time.perf_counter()
            build = build_state(engine, n, seed)
            build["wall_s"] = round(time.perf_counter() - start, 1)
            filters = _filters(engine)
            for q in QUERIES:  # warm what a running server has warm
                services.search(engine, q, mode="hybrid", filters=filters)
            runs = {
                "hybrid": lambda q, e=engine: services.search(e, q, mode="hybrid"),
                "hybrid_filtered": lambda q, e=engine, f=filters: services.search(
                    e, q, mode="hybrid", filters=f
                ),
                "dense": lambda q, e=engine: services.search(e, q, mode="dense"),
                "lexical": lambda q, e=engine: services.search(e, q, mode="lexical"),
            }
            out[backend] = {
                "build": build,
                "service": {name: measure(fn, QUERIES, repeats) for name, fn in runs.items()},
            }
            engine.close()
    for mode in ("hybrid", "hybrid_filtered"):
        local, pg = out["local"]["service"][mode], out["postgres"]["service"][mode]
        out[f"ratio_{mode}_p95_postgres_vs_local"] = round(pg["p95_ms"] / local["p95_ms"], 2)
    return out


def _vectors(home: Path | None, url: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(chunk ids, their vectors, encoder name) of a local home or a postgres index."""
    if url is not None:
        import psycopg

        from search.vectors.pgvector import from_pg

        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT id, embedding::text FROM hk_vectors ORDER BY id").fetchall()
            encoder = conn.execute("SELECT value FROM hk_meta WHERE key = 'encoder'").fetchone()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        return ids, np.vstack([from_pg(r[1]) for r in rows]), str(encoder[0]) if encoder else ""
    from search.index.local import IndexState

    assert home is not None
    snapshot = IndexState(home / "index").load_current()
    if snapshot is None:
        raise SystemExit(f"no index in {home}")
    ids = np.array(sorted(snapshot.chunks), dtype=np.int64)
    raw = snapshot.vectors._index
    vectors = np.vstack([raw.reconstruct(int(i)) for i in ids]).astype(np.float32)
    return ids, vectors, snapshot.manifest.encoder


def recall(home: Path | None, seed: int, url: str | None = None) -> dict[str, Any]:
    """HNSW recall@10 vs exact on the real e5 vectors of an ingested home or database."""
    import faiss
    import psycopg

    from bench.search import QUERIES
    from search.encoders import get_encoder
    from search.vectors.pgvector import to_pg

    ids, vectors, encoder_name = _vectors(home, url)
    encoder = get_encoder(encoder_name)
    queries = encoder.encode_queries(QUERIES)
    # also every chunk's own text as a query: more and more varied probes
    rng = np.random.default_rng(seed)
    probes = np.vstack([queries, vectors[rng.choice(len(ids), min(180, len(ids)), False)]])
    exact = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    exact.add_with_ids(vectors, ids)
    subsets = {
        "all": None,
        "10%": set(rng.choice(ids, max(1, len(ids) // 10), replace=False).tolist()),
        "1%": set(rng.choice(ids, max(10, len(ids) // 100), replace=False).tolist()),
    }
    out: dict[str, Any] = {
        "vectors": len(ids),
        "dim": int(vectors.shape[1]),
        "encoder": encoder_name,
        "probes": len(probes),
        "hnsw": {"m": 16, "ef_construction": 64},
        "recall_at_10": {},
    }
    with PostgresServer() as server, psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION vector")
        conn.execute(f"CREATE TABLE v (id bigint PRIMARY KEY, e vector({vectors.shape[1]}))")
        with conn.cursor().copy("COPY v (id, e) FROM STDIN") as copy:
            for cid, vec in zip(ids, vectors, strict=True):
                copy.write_row((int(cid), to_pg(vec)))
        start = time.perf_counter()
        conn.execute(
            "CREATE INDEX ON v USING hnsw (e vector_ip_ops) WITH (m=16, ef_construction=64)"
        )
        out["hnsw_build_s"] = round(time.perf_counter() - start, 2)
        conn.execute("SET hnsw.iterative_scan = relaxed_order")
        for ef in (40, 100, 200):
            conn.execute(f"SET hnsw.ef_search = {ef}")
            row: dict[str, Any] = {}
            for name, allowed in subsets.items():
                hits = []
                took = []
                for q in probes:
                    params = None
                    if allowed is not None:
                        sel = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64))
                        params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
                    _, truth = exact.search(q.reshape(1, -1), 10, params=params)
                    want = {int(i) for i in truth[0] if i >= 0}
                    t = time.perf_counter()
                    if allowed is None:
                        got = conn.execute(
                            "SELECT id FROM v ORDER BY e <#> %s::vector LIMIT 10", (to_pg(q),)
                        ).fetchall()
                    else:
                        got = conn.execute(
                            "SELECT id FROM v WHERE id = ANY(%s) "
                            "ORDER BY e <#> %s::vector LIMIT 10",
                            (list(allowed), to_pg(q)),
                        ).fetchall()
                    took.append(time.perf_counter() - t)
                    hits.append(len(want & {r[0] for r in got}) / max(1, len(want)))
                row[name] = {
                    "recall": round(float(np.mean(hits)), 4),
                    "p50_ms": round(float(np.median(took)) * 1000, 2),
                }
            out["recall_at_10"][f"ef_search={ef}"] = row
    return out


def main() -> None:
    """Command line: ``latency`` or ``recall``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["latency", "recall"])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", type=Path, help="an ingested local home (recall)")
    parser.add_argument("--database-url", help="or a postgres index holding real vectors (recall)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.what == "latency":
        result = latency(args.n, args.repeats, args.seed)
        name = f"index-backends-latency-n{args.n}.json"
    else:
        if args.home is None and args.database_url is None:
            parser.error("recall needs --home or --database-url")
        result = recall(args.home, args.seed, args.database_url)
        name = "index-backends-recall.json"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / name).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
