"""Index engines side by side: embedded (FAISS + bm25s) and PostgreSQL + pgvector.

``python -m bench.index_backends latency --n 10000``
    Builds the N-document state once (``bench.search.build_state``: generated
    documents, the real graph, chunks and BM25 terms, e5-derived surrogate
    vectors) in a local home cached under ``--cache`` (``state`` builds only that),
    copies its documents, chunks and vectors into a throwaway PostgreSQL
    (one fresh commit, then ``VACUUM ANALYZE`` as autovacuum would), and times
    ``api.services.search`` (what ``/api/search`` runs, query encoding included)
    for hybrid, hybrid filtered (a funder and a region), dense and lexical on
    each engine over the same graph, in one process. Surrogate vectors cost the
    same to search as real ones for FAISS flat; for HNSW they are only a latency
    probe, which is why recall is measured separately, on real vectors.

``python -m bench.index_backends recall --home HOME`` (or ``--database-url URL``)
    HNSW recall@10 against exact search on *real* e5 vectors: every chunk
    vector of an ingested home (e.g. the dev-set home ``hankekg eval --home``
    builds) or postgres index, probed with real e5 query vectors of the
    benchmark queries and with chunk vectors. Loaded into
    pgvector (HNSW m=16, ef_construction=64), searched at several
    ``hnsw.ef_search`` values, unfiltered and filtered to random 10 % and 1 %
    subsets with iterative scans; exact = FAISS flat inner product.

``python -m bench.index_backends index-latency --n 10000 --lock /work/bench.lock``
    The engines alone, without a graph (minutes to build, not hours): the generated
    documents' real chunks with surrogate vectors, one fresh commit into each engine,
    then the searcher core (dense, BM25, fusion, chunk fetch, snippets) with the e5
    query vector given, unfiltered and with two ground-truth filters (a funder; a
    funder and a municipality) as allowed sets.

``python -m bench.index_backends load --n 10000 --requests 1000``
    The load test of ``bench.load`` (16 clients, its request mix) on the same cached
    state: one embedded server, then two stateless ``hankekg serve`` replicas over one
    ``oxigraph serve`` and one PostgreSQL (8 clients on each); errors are non-2xx
    answers.

``python -m bench.index_backends passages --n 10000 --workers 2``
    Real e5 passage vectors for the recall benchmark: ``n`` passages of generated
    documents (``bench.corpus``), cut by the product's chunker with ``--max-chars``
    (200 by default: sentence-sized passages, so 10,000 encode in tens of minutes on
    2 cores, not hours), encoded by e5 and cached in parts under ``--cache``
    (``/work/bench-cache`` by default, outside git). Interrupted runs resume; run it
    with ``OMP_NUM_THREADS=1`` on a shared machine. ``recall --passages 10000`` then
    measures HNSW recall on them.

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

from bench import RESULTS, load_average, measure
from search.index.pgserver import PostgresServer

logger = logging.getLogger(__name__)

#: Where expensive generated inputs (real e5 vectors) are kept between runs.
CACHE = Path("/work/bench-cache")
#: Passages per cached part file (the unit of resuming).
PART = 250


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
    from search.index import IndexState
    from search.index.postgres import PostgresIndex

    snapshot = IndexState(home / "index").load_current()
    assert snapshot is not None, f"no index in {home}"
    raw = snapshot.vectors._index
    index = PostgresIndex(url)
    writer = index.writer(snapshot.encoder, fresh=True)
    start = time.perf_counter()
    for iri, entry in snapshot.documents().items():
        chunks = snapshot.get_chunks(entry.chunk_ids)
        ordered = [chunks[i] for i in entry.chunk_ids]
        vectors = np.vstack([raw.reconstruct(c.id) for c in ordered]).astype(np.float32)
        writer.add_document(iri, entry, ordered, vectors)
    writer.commit()
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


def latency(n: int, repeats: int, seed: int, cache: Path = CACHE) -> dict[str, Any]:
    """Time the service searches on the same N-document state on both engines."""
    import shutil

    from api import services
    from api.engine import Engine
    from bench.search import QUERIES, _filters
    from graph.config import Settings
    from search.filters import allowed_chunks
    from search.hybrid import HybridSearcher

    home, build = cached_state(n, seed, cache)
    out: dict[str, Any] = {
        "documents": n,
        "queries": len(QUERIES),
        "repeats": repeats,
        "build": build,
        "load_average_start": load_average(),
    }
    with PostgresServer() as server, tempfile.TemporaryDirectory() as tmp:
        for backend in ("local", "postgres"):
            # each engine on its own copy of the home (the graph store is opened for writing)
            work = Path(tmp) / backend
            shutil.copytree(home, work)
            settings = Settings(home=work)
            if backend == "postgres":
                out["postgres_copy"] = copy_to_postgres(work, server.url)
                shutil.rmtree(work / "index")
                settings = Settings(home=work, index_backend="postgres", database_url=server.url)
            engine = Engine(settings)
            engine.warm_up()
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
                "query_encoding": lambda q, e=engine: e.encoder.encode_queries([q]),
            }
            # The index's own share: the searcher core with the query vector given, so
            # the e5 encoding (the same on both engines) is left out.
            view = engine.snapshot
            assert view is not None
            searcher = HybridSearcher(view, engine.encoder)
            vectors = dict(zip(QUERIES, engine.encoder.encode_queries(QUERIES), strict=True))
            allowed = allowed_chunks(
                engine.store, view, filters, engine.linker, engine.filter_cache()
            )
            runs["index_hybrid"] = lambda q, s=searcher, v=vectors: s.search(
                q, mode="hybrid", query_vector=v[q]
            )
            runs["index_hybrid_filtered"] = lambda q, s=searcher, v=vectors, a=allowed: s.search(
                q, mode="hybrid", query_vector=v[q], allowed_chunks=a
            )
            out[f"{backend}_allowed_chunks"] = len(allowed or ())
            out[backend] = {
                "vectors": view.vector_count(),
                "service": {name: measure(fn, QUERIES, repeats) for name, fn in runs.items()},
            }
            engine.close()
    out["filters"] = {"funders": list(filters.funders), "places": list(filters.places)}
    for mode in ("hybrid", "hybrid_filtered"):
        local, pg = out["local"]["service"][mode], out["postgres"]["service"][mode]
        out[f"ratio_{mode}_p95_postgres_vs_local"] = round(pg["p95_ms"] / local["p95_ms"], 2)
    out["load_average_end"] = load_average()
    return out


def engine_corpus(n: int, seed: int) -> tuple[list[Any], dict[str, set[int]], float]:
    """The generated documents' real chunks (``ingest.prepare.chunk_pieces``) with
    surrogate vectors, ready for ``writer.add_document``, and two ground-truth filters
    as allowed chunk sets (the largest funder; it and its most common municipality);
    returns them with the seconds it took."""
    import types
    from collections import Counter

    from bench.corpus import corpus
    from bench.search import surrogate_vectors, vector_pool
    from graph.loader import load_bytes
    from ingest.prepare import chunk_pieces
    from search.encoders import get_encoder
    from search.index import Chunk, DocumentEntry

    encoder = get_encoder("e5-small-q4")
    pool = vector_pool(types.SimpleNamespace(encoder=encoder), seed)  # type: ignore[arg-type]
    start = time.perf_counter()
    docs: list[Any] = []
    funders: dict[str, list[int]] = {}
    places: dict[str, list[int]] = {}
    next_id = 1
    for i, doc in enumerate(corpus(n, seed)):
        loaded = load_bytes(doc.data, name=doc.name, max_bytes=10_000_000)
        pieces = chunk_pieces(loaded, [doc.meta.name_fi, doc.meta.name_en], title=loaded.title)
        iri, project = f"http://bench.invalid/doc/{i}", f"http://bench.invalid/project/{i}"
        ids = list(range(next_id, next_id + len(pieces)))
        next_id += len(pieces)
        chunks = [
            Chunk(cid, iri, project, p.start, p.end, loaded.language, p.field, p.text)
            for cid, p in zip(ids, pieces, strict=True)
        ]
        base = int(loaded.sha256[:12], 16)
        vectors = surrogate_vectors(pool, [base + j for j in range(len(chunks))])
        entry = DocumentEntry(loaded.sha256, doc.name, [], [project], loaded.title, loaded.language)
        docs.append((iri, entry, chunks, vectors))
        funders.setdefault(doc.meta.funder, []).extend(ids)
        for code in doc.meta.places:
            places.setdefault(code, []).extend(ids)
    funder = max(funders, key=lambda f: len(funders[f]))
    place = Counter({c: len(v) for c, v in places.items()}).most_common(1)[0][0]
    filters = {
        f"funder {funder}": set(funders[funder]),
        f"funder {funder} and place {place}": set(funders[funder]) & set(places[place]),
    }
    return docs, filters, time.perf_counter() - start


def index_latency(n: int, repeats: int, seed: int, lock: Path | None = None) -> dict[str, Any]:
    """The engines alone at N documents, without a graph: :func:`engine_corpus` in one
    fresh commit into each engine, then the searcher core (dense + BM25 + fusion + chunk
    fetch + snippets) with the e5 query vector given, unfiltered and with two
    ground-truth filters as allowed sets (hybrid, and dense and lexical apart). Also
    checks that BM25 on postgres returns the local engine's top 200 (ids and scores).
    ``lock``: a file to hold exclusively while timing (not while building)."""
    import fcntl

    from bench.search import QUERIES
    from search.encoders import get_encoder
    from search.encoders.base import fingerprint
    from search.hybrid import CANDIDATES, HybridSearcher, query_terms
    from search.index import EncoderIdentity, LocalIndex
    from search.index.postgres import PostgresIndex

    encoder = get_encoder("e5-small-q4")
    identity = EncoderIdentity(encoder.name, encoder.dim, fingerprint(encoder))
    docs, filters, prepare_s = engine_corpus(n, seed)
    out: dict[str, Any] = {
        "documents": n,
        "chunks": sum(len(d[2]) for d in docs),
        "prepare_s": round(prepare_s, 1),
        "allowed_chunks": {name: len(a) for name, a in filters.items()},
        "repeats": repeats,
    }
    v = dict(zip(QUERIES, encoder.encode_queries(QUERIES), strict=True))  # query vectors
    with PostgresServer() as server, tempfile.TemporaryDirectory() as tmp:
        engines = {"local": LocalIndex(Path(tmp) / "index"), "postgres": PostgresIndex(server.url)}
        for name, index in engines.items():
            start = time.perf_counter()
            writer = index.writer(identity, fresh=True)
            for iri, entry, chunks, vectors in docs:
                writer.add_document(iri, entry, chunks, vectors)
            writer.commit()
            writer.close()
            out[f"{name}_build_s"] = round(time.perf_counter() - start, 1)
        spare = docs[-1]  # copied in by after_writes
        del docs
        with psycopg_connect(server.url) as conn:
            conn.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk write
        views = {name: index.view() for name, index in engines.items()}
        out["lexical_agreement"] = lexical_agreement(
            views, [query_terms(q) for q in QUERIES], CANDIDATES, [None, *filters.values()]
        )
        holder = open(lock, "a") if lock else None  # noqa: SIM115 - held while timing
        if holder is not None:
            fcntl.flock(holder, fcntl.LOCK_EX)
        try:
            out["load_average_start"] = load_average()
            for name, view in views.items():
                assert view is not None
                searcher = HybridSearcher(view, encoder)
                runs = {
                    "hybrid": lambda q, s=searcher: s.search(q, query_vector=v[q]),
                    "dense": lambda q, s=searcher: s.search(q, mode="dense", query_vector=v[q]),
                    "lexical": lambda q, s=searcher: s.search(q, mode="lexical"),
                }
                for label, allowed in filters.items():
                    runs[f"hybrid, {label}"] = lambda q, s=searcher, a=allowed: s.search(
                        q, query_vector=v[q], allowed_chunks=a
                    )
                    runs[f"dense, {label}"] = lambda q, s=searcher, a=allowed: s.search(
                        q, mode="dense", query_vector=v[q], allowed_chunks=a
                    )
                    runs[f"lexical, {label}"] = lambda q, s=searcher, a=allowed: s.search(
                        q, mode="lexical", allowed_chunks=a
                    )
                for fn in runs.values():  # warm the per-version caches
                    fn(QUERIES[0])
                out[name] = {label: measure(fn, QUERIES, repeats) for label, fn in runs.items()}
            out["postgres"]["lexical, first search after a write"] = after_writes(
                engines["postgres"], identity, spare, [query_terms(q) for q in QUERIES]
            )
            out["load_average_end"] = load_average()
        finally:
            if holder is not None:
                holder.close()
            for index in engines.values():
                index.close()
    return out


def after_writes(index: Any, identity: Any, spare: Any, queries: list[list[str]]) -> Any:
    """BM25 in the first search after each of ``len(queries)`` one-document commits (the
    commit untimed): a write changes the stamps of every term it touched, so the
    postings of those the query shares with it are read again. ``spare`` is a
    ``(iri, entry, chunks, vectors)`` whose copies are written under fresh ids."""
    from dataclasses import replace

    from bench import summary
    from search.hybrid import CANDIDATES

    iri, entry, chunks, vectors = spare
    with index.pool.connection() as conn:
        first = 1 + int(conn.execute("SELECT max(id) FROM hk_chunks").fetchone()[0])
    samples = []
    for i, terms in enumerate(queries):
        copy = f"{iri}/copy-{i}"
        ids = range(first + i * len(chunks), first + (i + 1) * len(chunks))
        writer = index.writer(identity)
        writer.add_document(
            copy,
            replace(entry, chunk_ids=[]),
            [replace(c, id=cid, document=copy) for c, cid in zip(chunks, ids, strict=True)],
            vectors,
        )
        writer.commit()
        writer.close()
        start = time.perf_counter()
        index.view().lexical_search(terms, CANDIDATES)  # a new view: its BM25 statistics too
        samples.append(time.perf_counter() - start)
    return summary(samples)


def lexical_agreement(
    views: dict[str, Any], queries: list[list[str]], k: int, filters: list[set[int] | None]
) -> dict[str, Any]:
    """How far postgres BM25 is from the local engine's (bm25s) on the same chunks: the
    share of queries whose top 10 and top ``k`` ids are the same, in the same order, and
    the largest score difference, over every query and filter."""
    same10 = same_k = total = 0
    worst = 0.0
    for allowed in filters:
        for terms in queries:
            local = views["local"].lexical_search(terms, k, allowed)
            other = views["postgres"].lexical_search(terms, k, allowed)
            total += 1
            same10 += [i for i, _ in local[:10]] == [i for i, _ in other[:10]]
            same_k += [i for i, _ in local] == [i for i, _ in other]
            scores = dict(local)
            worst = max(
                [worst, *(abs(s - scores[i]) for i, s in other if i in scores)],
            )
    return {
        "searches": total,
        "top10_same": round(same10 / total, 4),
        f"top{k}_same": round(same_k / total, 4),
        "max_score_difference": worst,
    }


def psycopg_connect(url: str) -> Any:
    """An autocommit connection (VACUUM cannot run in a transaction)."""
    import psycopg

    return psycopg.connect(url, autocommit=True)


def replica_load(
    n: int, requests: int, clients: int, seed: int, cache: Path = CACHE
) -> dict[str, Any]:
    """The load test (``bench.load``: 16 clients, the same request mix) on the same
    N-document state, first against one embedded server, then against two stateless
    ``hankekg serve`` replicas sharing ``oxigraph serve`` and PostgreSQL (half the
    clients on each)."""
    import io
    import shutil
    import sys
    import threading

    from bench.load import ServerProcess, free_port, run_load
    from bench.search import QUERIES, open_engine
    from graph.store.sparql import SparqlStore
    from graph.vocab import HK
    from tests.graph_servers import oxigraph_server

    home, build = cached_state(n, seed, cache)
    out: dict[str, Any] = {"documents": n, "requests": requests, "clients": clients}
    with tempfile.TemporaryDirectory(prefix="hankekg-replicas-") as tmp:
        work = Path(tmp) / "local"
        shutil.copytree(home, work)
        engine = open_engine(work)
        rows = engine.store.select(
            f"SELECT DISTINCT ?p WHERE {{ ?p a <{HK.Project}> }} ORDER BY ?p LIMIT 400"
        )
        ids = [i for i in (engine.iris.local_id(str(r["p"]), "project") for r in rows) if i]
        dump = io.BytesIO()
        engine.store.dump(dump, "nquads")
        engine.close()
        out["load_average_start"] = load_average()
        with ServerProcess(work) as server:
            out["local"] = run_load(
                server.url, ids, QUERIES, seconds=3600, clients=clients, requests=requests
            )
        with oxigraph_server(Path(tmp) / "oxigraph") as graph, PostgresServer() as pg:
            remote = SparqlStore(graph.query_url, graph.update_url)
            remote.bulk_load(io.BytesIO(dump.getvalue()), "nquads")
            remote.close()
            out["postgres_copy"] = copy_to_postgres(work, pg.url)
            env = [
                "HANKEKG_GRAPH_BACKEND=sparql",
                f"HANKEKG_SPARQL_QUERY_URL={graph.query_url}",
                f"HANKEKG_SPARQL_UPDATE_URL={graph.update_url}",
                f"HANKEKG_SPARQL_GRAPH_STORE_URL={graph.graph_store_url or ''}",
                "HANKEKG_INDEX_BACKEND=postgres",
                f"HANKEKG_DATABASE_URL={pg.url}",
            ]
            replicas = []
            for i in range(2):
                empty = Path(tmp) / f"replica-{i}"
                empty.mkdir()
                port = free_port()
                argv = ["env", f"HANKEKG_HOME={empty}", *env, sys.executable, "-c"]
                argv += ["from api.cli import app; app()", "serve", "--port", str(port)]
                replicas.append(ServerProcess(argv=argv, port=port))
            for replica in replicas:
                replica.__enter__()
            try:
                results: list[dict[str, Any]] = [{}, {}]

                def drive(i: int) -> None:
                    results[i] = run_load(
                        replicas[i].url,
                        ids,
                        QUERIES,
                        seconds=3600,
                        clients=clients // 2,
                        seed=11 + i,
                        requests=requests // 2,
                    )

                threads = [threading.Thread(target=drive, args=(i,)) for i in range(2)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            finally:
                for replica in replicas:
                    replica.__exit__()
            out["replicas"] = {
                "requests": sum(r["requests"] for r in results),
                "errors": sum(r["errors"] for r in results),
                "throughput_rps": round(sum(r["throughput_rps"] for r in results), 2),
                "each": results,
            }
    out["load_average_end"] = load_average()
    return out


def passage_texts(n: int, seed: int, max_chars: int) -> list[str]:
    """The first ``n`` passages of the generated corpus, as the chunker cuts them."""
    from bench.corpus import generate
    from graph.loader import load_bytes
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
    raw = snapshot.vectors._index
    vectors = np.vstack([raw.reconstruct(int(i)) for i in ids]).astype(np.float32)
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


def main() -> None:
    """Command line: ``state``, ``latency``, ``load``, ``passages`` or ``recall``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "what", choices=["state", "latency", "index-latency", "load", "recall", "passages"]
    )
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000, help="requests to send (load)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (load)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", type=Path, help="an ingested local home (recall)")
    parser.add_argument("--database-url", help="or a postgres index holding real vectors (recall)")
    parser.add_argument(
        "--passages", type=int, help="or this many cached generated passages (recall)"
    )
    parser.add_argument("--max-chars", type=int, default=200, help="passage size (passages)")
    parser.add_argument("--workers", type=int, default=1, help="encoding processes (passages)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where passages are cached")
    parser.add_argument("--lock", type=Path, help="a file to hold exclusively while timing")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.what == "passages":
        vectors = passage_vectors(
            args.n, args.seed, args.max_chars, workers=args.workers, cache=args.cache
        )
        print(f"{len(vectors)} passage vectors cached under {args.cache}")
        return
    if args.what == "state":
        home, build = cached_state(args.n, args.seed, args.cache)
        print(f"{home}: {json.dumps(build)}")
        return
    if args.what == "latency":
        result = latency(args.n, args.repeats, args.seed, args.cache)
        name = f"index-backends-latency-n{args.n}.json"
    elif args.what == "index-latency":
        result = index_latency(args.n, args.repeats, args.seed, args.lock)
        name = f"index-backends-index-latency-n{args.n}.json"
    elif args.what == "load":
        result = replica_load(args.n, args.requests, args.clients, args.seed, args.cache)
        name = f"index-backends-load-n{args.n}.json"
    else:
        if args.home is None and args.database_url is None and args.passages is None:
            parser.error("recall needs --home, --database-url or --passages")
        source = None
        if args.passages is not None:
            source = passage_vectors(args.passages, args.seed, args.max_chars, cache=args.cache)
        result = recall(args.home, args.seed, args.database_url, passages=source)
        name = (
            f"index-backends-recall-passages-n{args.passages}.json"
            if args.passages
            else "index-backends-recall.json"
        )
    result["load_average"] = load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / name).write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
