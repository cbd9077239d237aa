"""Index engines side by side: embedded (FAISS + bm25s) and PostgreSQL + pgvector.

``python -m bench.index_backends latency --n 10000``
    Builds the N-document state once (``bench.search.build_state``: generated
    documents, the real graph, chunks and BM25 terms, e5-derived surrogate
    vectors) in a local home cached under ``--cache`` (``state`` builds only that),
    copies its documents, chunks and vectors into a throwaway PostgreSQL
    (one fresh commit, then ``VACUUM ANALYZE`` as autovacuum would), and times
    ``api.services.search`` (what ``/api/search`` runs, query encoding included)
    for hybrid, hybrid filtered (a funder and a region), dense and lexical on
    each engine over the same graph, in one process (``--backends local`` times the
    embedded engine alone: no PostgreSQL, no copy). Surrogate vectors cost the
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

``python -m bench.index_backends after-write --n 10000 --writes 3``
    The first search and first filtered search after one-document uploads, on both
    engines over the same state, without and with the background refresher
    (``bench/index_after_write.py``).

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
from pathlib import Path

from bench import RESULTS, load_average
from bench.index_after_write import after_write
from bench.index_engines import index_latency
from bench.index_recall import passage_vectors, recall
from bench.index_service import latency, replica_load
from bench.index_state import CACHE, cached_state


def main() -> None:
    """Command line: ``state``, ``latency``, ``index-latency``, ``load``, ``passages`` or
    ``recall``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "what",
        choices=["state", "latency", "index-latency", "load", "after-write", "recall", "passages"],
    )
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000, help="requests to send (load)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (load)")
    parser.add_argument("--writes", type=int, default=3, help="uploads per mode (after-write)")
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
    parser.add_argument(
        "--backends",
        default="local,postgres",
        help="engines to time, comma-separated (latency): local, postgres",
    )
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
        backends = tuple(b for b in args.backends.split(",") if b)
        result = latency(args.n, args.repeats, args.seed, args.cache, backends)
        suffix = "" if set(backends) == {"local", "postgres"} else "-" + "-".join(backends)
        name = f"index-backends-latency-n{args.n}{suffix}.json"
    elif args.what == "index-latency":
        result = index_latency(args.n, args.repeats, args.seed, args.lock)
        name = f"index-backends-index-latency-n{args.n}.json"
    elif args.what == "load":
        result = replica_load(args.n, args.requests, args.clients, args.seed, args.cache)
        name = f"index-backends-load-n{args.n}.json"
    elif args.what == "after-write":
        result = after_write(args.n, args.writes, args.seed, args.cache)
        name = f"index-backends-after-write-n{args.n}.json"
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
