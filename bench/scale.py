"""Figures at scale (N = 10,000 and 100,000) on a bulk-generated home, per index engine.

``python -m bench.scale --n 100000 --backend local|postgres --writes 5 --clients 16``

On the home ``bench.bulk`` builds (kept under ``/work/bench-cache/bulk``; built first
if missing), copied so that the writes do not change it (for ``postgres`` its
documents, chunks and vectors are copied into a throwaway PostgreSQL + pgvector,
``bench.index_state.copy_to_postgres``; the graph stays the home's Oxigraph), times:

- *open*: ``Engine(settings)`` and ``warm_up()`` (the models, the index view and every
  derived table) on the copy: what a replica costs to start;
- *memory*: the process's resident set after warm-up and after the searches (one
  process is one replica);
- *derived-state work per one-document write*: after each upload
  (``Engine.ingest_bytes``, itself untimed and reported apart as *write*), bringing
  every derived table to the new version: the graph's (facets, filters with a filter
  in use, names, related-project neighbours; ``search/derived.py``) and the index's
  (chunk groups, key languages, centroids; ``search/index/tables.py``), each apart;
- *first search after a write*: after the next upload, the first hybrid search and the
  first filtered one, with no refresher, then both again on the same version (the
  difference is what the write left to the search);
- *search under load*: ``api.services.search`` (hybrid, and hybrid with a funder and a
  region filter) from ``--clients`` threads at once, each running the benchmark queries
  in its own order; p50/p95 per mode and the throughput.

Medians and p95 over the writes, the load average before and after; results in
``bench/results/scale-{backend}-n{N}.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import load_average, summary
from bench.index_after_write import DOCUMENT
from bench.index_state import CACHE

RESULTS = Path(__file__).resolve().parent / "results"


def rss_mb() -> float:
    """This process's resident set in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def graph_tables(engine: Any) -> None:
    """Bring the graph-derived tables (facets, filters, money, neighbours) to the
    current version: the graph side of the derived-state work a write leaves."""
    with engine.pinned():
        engine.facet_table()
        engine.filter_cache()
        engine.money_table()
        engine.neighbourhood()


def bulk_home(n: int, seed: int, cache: Path = CACHE) -> tuple[Path, dict[str, Any]]:
    """The bulk-generated N-document home under ``cache`` (built once)."""
    from bench.bulk import build
    from bench.search import open_engine

    home = cache / "bulk" / f"home-n{n}-s{seed}"
    done = home / "build.json"
    if done.exists():
        return home, json.loads(done.read_text(encoding="utf-8"))
    shutil.rmtree(home, ignore_errors=True)
    engine = open_engine(home)
    figures = build(engine, n, seed)
    engine.close()
    done.write_text(json.dumps(figures), encoding="utf-8")
    return home, figures


def under_load(engine: Any, clients: int, rounds: int, filters: Any) -> dict[str, Any]:
    """Hybrid and filtered searches from ``clients`` threads at once."""
    out: dict[str, Any] = {"clients": clients}
    for mode in ("hybrid", "hybrid_filtered"):
        out[mode] = _concurrent(engine, clients, rounds, filters if "filtered" in mode else None)
    return out


def _concurrent(engine: Any, clients: int, rounds: int, filters: Any) -> dict[str, Any]:
    from api import services
    from bench.search import QUERIES

    samples: list[float] = []
    lock = threading.Lock()
    errors = 0

    def client(i: int) -> None:
        nonlocal errors
        order = QUERIES * rounds
        random.Random(i).shuffle(order)
        for q in order:
            start = time.perf_counter()
            try:
                services.search(engine, q, mode="hybrid", filters=filters)
            except Exception:  # noqa: BLE001 - counted, the load goes on
                with lock:
                    errors += 1
                continue
            with lock:
                samples.append(time.perf_counter() - start)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {**summary(samples), "errors": errors, "throughput_rps": round(len(samples) / wall, 1)}


def run(
    n: int, backend: str, writes: int, clients: int, rounds: int, seed: int, cache: Path
) -> dict[str, Any]:
    """The figures of the module docstring for one N and engine."""
    from api import services
    from api.engine import Engine
    from bench.index_state import copy_to_postgres
    from bench.search import QUERIES, _filters
    from graph.config import Settings

    home, build = bulk_home(n, seed, cache)
    out: dict[str, Any] = {
        "documents": n,
        "backend": backend,
        "build": build,
        "load_average_start": load_average(),
    }
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hk-scale-")))
        work = tmp / "home"
        shutil.copytree(home, work)
        settings = Settings(home=work)
        if backend == "postgres":
            from search.index.pgserver import PostgresServer

            # the whole HNSW graph in memory while it is built: an on-disk build of
            # 672,528 vectors did not finish in 90 minutes under the default 256MB
            server = stack.enter_context(PostgresServer({"maintenance_work_mem": "3GB"}))
            out["postgres_copy"] = copy_to_postgres(work, server.url)
            shutil.rmtree(work / "index")
            settings = Settings(home=work, index_backend="postgres", database_url=server.url)
        out["rss_before_open_mb"] = rss_mb()
        start = time.perf_counter()
        engine = Engine(settings)
        opened = time.perf_counter() - start
        engine.warm_up()
        out["open_s"] = {
            "engine": round(opened, 2),
            "with_warm_up": round(time.perf_counter() - start, 2),
        }
        out["rss_after_open_mb"] = rss_mb()
        filters = _filters(engine)
        for q in QUERIES:
            services.search(engine, q, mode="hybrid", filters=filters)
        samples: dict[str, list[float]] = {}

        def timed(label: str, fn: Any) -> Any:
            start = time.perf_counter()
            result = fn()
            samples.setdefault(label, []).append(time.perf_counter() - start)
            return result

        def index_tables() -> None:
            with engine.pinned() as view:
                assert view is not None
                view.key_tables()
                view.has_term("")
                view.document_count()

        patched = 0
        for k in range(writes):
            timed(
                "write",
                lambda k=k: engine.ingest_bytes(
                    DOCUMENT.format(n=1000 + 2 * k).encode(), name=f"w-{2 * k}.txt"
                ),
            )
            timed("derived: graph tables", lambda: graph_tables(engine))
            timed("derived: index tables", index_tables)
            view = engine.snapshot
            patched += bool(view is not None and view.tables.patched)
            samples.setdefault("derived: total", []).append(
                samples["derived: graph tables"][-1] + samples["derived: index tables"][-1]
            )
            engine.refresh()
            timed(
                "write",
                lambda k=k: engine.ingest_bytes(
                    DOCUMENT.format(n=1001 + 2 * k).encode(), name=f"w-{2 * k + 1}.txt"
                ),
            )
            q = QUERIES[k % len(QUERIES)]
            timed("first search after a write", lambda q=q: services.search(engine, q))
            timed(
                "first filtered search after a write",
                lambda q=q: services.search(engine, q, filters=filters),
            )
            # the same two searches again, same version: what the write left to do is
            # the difference (the rest is the search itself, at this load)
            timed("the same search again", lambda q=q: services.search(engine, q))
            timed(
                "the same filtered search again",
                lambda q=q: services.search(engine, q, filters=filters),
            )
            engine.refresh()
        out["index_tables_patched"] = f"{patched} of {writes}"
        out["problems"] = engine.verify_derived()
        out["after_writes"] = {label: summary(s) for label, s in samples.items()}
        out["load_average_before_load"] = load_average()
        out["under_load"] = under_load(engine, clients, rounds, filters)
        out["rss_after_load_mb"] = rss_mb()
        engine.close()
    out["filters"] = {"funders": list(filters.funders), "places": list(filters.places)}
    out["load_average_end"] = load_average()
    return out


def tables_alone(n: int, writes: int = 20, chunks: int = 7, dim: int = 384) -> dict[str, Any]:
    """The index tables alone at ``n`` documents (no engine, no graph): building them
    whole against patching them for one replaced document, with ``chunks`` chunk ids per
    document and ``dim``-wide centroids, one project per document."""
    import numpy as np

    from search.index.base import DocumentEntry, unit
    from search.index.tables import KeyTables

    rng = np.random.default_rng(1)
    documents = {
        f"http://x/doc/{i}": DocumentEntry(
            f"sha{i}", f"{i}.txt", list(range(i * chunks, (i + 1) * chunks)), [f"http://x/p/{i}"]
        )
        for i in range(n)
    }
    sums = {f"http://x/p/{i}": rng.standard_normal(dim).astype(np.float32) for i in range(n)}
    centroids = {k: unit(v) for k, v in sums.items()}
    start = time.perf_counter()
    tables = KeyTables.build(documents, centroids, dim)
    built = time.perf_counter() - start
    samples: list[float] = []
    for w in range(writes):
        iri = f"http://x/doc/{w * 7919 % n}"
        documents[iri] = DocumentEntry("new", "x", list(range(10**9 + w * 8, 10**9 + w * 8 + 8)))
        documents[iri].projects = [f"http://x/p/{w * 7919 % n}"]
        start = time.perf_counter()
        tables = tables.patched(documents, {iri}, lambda keys: {k: centroids[k] for k in keys})
        samples.append(time.perf_counter() - start)
    return {"documents": n, "build_ms": round(built * 1000, 1), "patch_one": summary(samples)}


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--backend", choices=["local", "postgres"], default="local")
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="query list passes per client")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument(
        "--tables-alone", action="store_true", help="only the index tables, synthetic, no engine"
    )
    args = parser.parse_args()
    if args.tables_alone:
        alone = {"load_average": load_average(), "runs": [tables_alone(args.n) for _ in range(3)]}
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"scale-tables-alone-n{args.n}.json").write_text(
            json.dumps(alone, indent=1), encoding="utf-8"
        )
        print(json.dumps(alone, indent=1))
        return
    result = run(
        args.n, args.backend, args.writes, args.clients, args.rounds, args.seed, args.cache
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"scale-{args.backend}-n{args.n}.json"
    path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
