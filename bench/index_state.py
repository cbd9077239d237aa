"""The cached N-document state the full-service index benches share.

:func:`cached_state` builds ``bench.search.build_state`` (generated documents, the
real graph, chunks and BM25 terms, e5-derived surrogate vectors) once into a
local-engine home under :data:`CACHE` (``/work/bench-cache``, outside git), and
:func:`copy_to_postgres` copies that home's documents, chunks and vectors into a
PostgreSQL index in one fresh commit, so both engines are measured on the same
state. Used by ``bench.index_service`` and ``python -m bench.index_backends state``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

#: Where expensive generated inputs (real e5 vectors) are kept between runs.
CACHE = Path("/work/bench-cache")


def cached_state(n: int, seed: int, cache: Path = CACHE) -> tuple[Path, dict[str, Any]]:
    """A local-engine home holding the N-document state (``bench.search.build_state``),
    built once and kept under ``cache``; returns it with its build figures."""
    import shutil

    from bench.search import build_state, open_engine

    home = cache / "index-backends" / f"home-n{n}-s{seed}"
    done = home / "build.json"
    if done.exists():
        return home, json.loads(done.read_text(encoding="utf-8"))
    shutil.rmtree(home, ignore_errors=True)
    engine = open_engine(home)
    start = time.perf_counter()
    build = build_state(engine, n, seed)
    build["wall_s"] = round(time.perf_counter() - start, 1)
    engine.close()
    done.write_text(json.dumps(build), encoding="utf-8")
    return home, build


def copy_to_postgres(home: Path, url: str) -> dict[str, Any]:
    """Fill a PostgreSQL index with a local home's documents, chunks and vectors, in one
    fresh commit (the lexical terms are analysed again, as the writer does).

    The graph is the home's own, so the postgres engine opened on the same home finds
    index and graph in step and re-indexes nothing.
    """
    from ingest.feed import PostgresFeed
    from search.index import IndexState
    from search.index.postgres import PostgresIndex

    snapshot = IndexState(home / "index").load_current()
    assert snapshot is not None, f"no index in {home}"
    every = sorted(snapshot.chunks)
    matrix = snapshot.vectors_of(every)
    row = {cid: r for r, cid in enumerate(every)}
    index = PostgresIndex(url)
    writer = index.writer(snapshot.encoder, fresh=True)
    start = time.perf_counter()
    for iri, entry in snapshot.documents().items():
        chunks = snapshot.get_chunks(entry.chunk_ids)
        ordered = [chunks[i] for i in entry.chunk_ids]
        vectors = matrix[[row[c.id] for c in ordered]].astype(np.float32)
        writer.add_document(iri, entry, ordered, vectors)
    writer.commit()
    # recorded as the product's bulk load records itself, so that the first write after it
    # finds the version it starts from in the feed (and patches the tables, not rebuilds)
    PostgresFeed(index.pool).append("reindex", index.version(), [], [], None)
    with index.pool.connection() as conn:
        # what a real ingest leaves behind after autovacuum: statistics and visibility maps
        conn.execute("VACUUM ANALYZE")
        conn.execute("SELECT setval('hk_chunk_ids', (SELECT max(id) FROM hk_chunks))")
        sizes = dict(
            conn.execute(
                """SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class
                   WHERE relname IN ('hk_vectors', 'hk_vectors_hnsw', 'hk_postings',
                                     'hk_postings_pkey', 'hk_chunks')"""
            ).fetchall()
        )
        total = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        sizes["database"] = total.fetchone()[0]
    index.close()
    return {"copy_s": round(time.perf_counter() - start, 1), "sizes": sizes}


def open_copy(home: Path, backend: str, work: Path, url: str) -> tuple[Any, dict[str, Any]]:
    """An engine over a copy of ``home`` at ``work``: the embedded index (``local``), or
    the home's index copied into the PostgreSQL at ``url`` (``postgres``). Returns the
    engine (warmed up) and the copy's figures (``{}`` for local)."""
    import shutil

    from api.engine import Engine
    from graph.config import Settings

    # each engine on its own copy of the home (the graph store is opened for writing)
    shutil.copytree(home, work)
    settings = Settings(home=work)
    copied: dict[str, Any] = {}
    if backend == "postgres":
        copied = copy_to_postgres(work, url)
        shutil.rmtree(work / "index")
        settings = Settings(home=work, index_backend="postgres", database_url=url)
    engine = Engine(settings)
    engine.warm_up()
    return engine, copied
