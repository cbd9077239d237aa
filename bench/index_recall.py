"""HNSW recall against exact search on real e5 vectors, and the generated passages.

:func:`passage_vectors` encodes passages of generated documents with e5 and caches
them in resumable parts under ``/work/bench-cache``; :func:`recall` loads real
vectors (those passages, an ingested home or a postgres index) into pgvector and
FAISS HNSW and measures recall@10 against FAISS flat inner product, unfiltered and
filtered. The command line is ``python -m bench.index_backends passages|recall``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.index_state import CACHE
from search.index.pgserver import PostgresServer

logger = logging.getLogger(__name__)

#: Passages per cached part file (the unit of resuming).
PART = 250


def passage_texts(n: int, seed: int, max_chars: int) -> list[str]:
    """The first ``n`` passages of the generated corpus, as the chunker cuts them."""
    from bench.corpus import generate
    from graph.load.loader import load_bytes
    from search.chunking import chunk_text

    texts: list[str] = []
    i = 0
    while len(texts) < n:
        doc = generate(i, seed)
        loaded = load_bytes(doc.data, name=doc.name, max_bytes=10_000_000)
        texts.extend(s.text for s in chunk_text(loaded.text, max_chars=max_chars))
        i += 1
    return texts[:n]


def _encode_part(args: tuple[list[str], str, str]) -> str:
    texts, encoder_name, path = args
    from search.encoders import get_encoder

    vectors = get_encoder(encoder_name).encode_passages(texts).astype(np.float32)
    tmp = Path(path).with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.rename(path)  # a part is there whole or not at all
    return path


def passage_vectors(
    n: int,
    seed: int = 7,
    max_chars: int = 200,
    encoder_name: str = "e5-small-q4",
    workers: int = 1,
    cache: Path = CACHE,
) -> np.ndarray:
    """Real e5 vectors of :func:`passage_texts`, from the cache (missing parts encoded)."""
    from concurrent.futures import ProcessPoolExecutor

    folder = cache / f"passages-{encoder_name}-s{seed}-c{max_chars}"
    folder.mkdir(parents=True, exist_ok=True)
    texts = passage_texts(n, seed, max_chars)
    parts = [(i, folder / f"part-{i // PART:05d}.npy") for i in range(0, n, PART)]
    todo = [
        (texts[i : i + PART], encoder_name, str(path))
        for i, path in parts
        if not path.exists() or len(np.load(path)) < len(texts[i : i + PART])
    ]
    if todo:
        logger.warning("encoding %d passages into %s", sum(len(t[0]) for t in todo), folder)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            for done, path in enumerate(pool.map(_encode_part, todo), start=1):
                logger.warning(
                    "%s (%d/%d, %.0f s)", path, done, len(todo), time.perf_counter() - start
                )
    return np.vstack([np.load(path)[: min(PART, n - i)] for i, path in parts])


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
    vectors = snapshot.vectors_of(ids.tolist()).astype(np.float32)
    return ids, vectors, snapshot.manifest.encoder


def recall(
    home: Path | None, seed: int, url: str | None = None, passages: np.ndarray | None = None
) -> dict[str, Any]:
    """HNSW recall@10 vs exact on real e5 vectors: an ingested home, a database, or
    cached generated ``passages`` (see :func:`passage_vectors`)."""
    import faiss
    import psycopg

    from bench.search import QUERIES
    from search.encoders import get_encoder
    from search.vectors.pgvector import to_pg

    if passages is not None:
        ids = np.arange(1, len(passages) + 1, dtype=np.int64)
        vectors, encoder_name = passages, "e5-small-q4"
    else:
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
    # FAISS HNSW (what the embedded engine would use past HNSW_THRESHOLD) on the same vectors
    _, truth = exact.search(probes, 10)
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 64
    hnsw.add(vectors)
    faiss_rows: dict[str, float] = {}
    for ef in (16, 32, 64, 128):
        hnsw.hnsw.efSearch = ef
        _, got = hnsw.search(probes, 10)
        faiss_rows[f"efSearch={ef}"] = round(
            float(np.mean([len({*ids[g]} & {*t}) / 10 for g, t in zip(got, truth, strict=True)])),
            4,
        )
    out["faiss_hnsw_m32_recall_at_10"] = faiss_rows
    return out
