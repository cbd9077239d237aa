"""Engine-only index benches: the searcher core on each engine, without a graph.

:func:`index_latency` writes the generated documents' real chunks with surrogate
vectors (:func:`engine_corpus`) into the embedded engine and into PostgreSQL in one
fresh commit each, times the searcher core with the e5 query vector given
(unfiltered and with two ground-truth filters), checks how far postgres BM25 is
from bm25s (:func:`lexical_agreement`) and times the first lexical search after a
write (:func:`after_writes`). The command line is
``python -m bench.index_backends index-latency``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench import load_average, measure
from search.index.pgserver import PostgresServer


def engine_corpus(n: int, seed: int) -> tuple[list[Any], dict[str, set[int]], float]:
    """The generated documents' real chunks (``ingest.prepare.chunk_pieces``) with
    surrogate vectors, ready for ``writer.add_document``, and two ground-truth filters
    as allowed chunk sets (the largest funder; it and its most common municipality);
    returns them with the seconds it took."""
    import types
    from collections import Counter

    from bench.corpus import corpus
    from bench.search import surrogate_vectors, vector_pool
    from graph.load.loader import load_bytes
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
