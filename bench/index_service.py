"""Full-service index benches: ``/api/search`` latency and the two-replica load test.

:func:`latency` times ``api.services.search`` (query encoding included) on the
cached N-document state (``bench.index_state``) on the embedded engine and on
PostgreSQL + pgvector in one process; :func:`replica_load` runs the load test of
``bench.load`` against one embedded server, then two stateless ``hankekg serve``
replicas over one ``oxigraph serve`` and one PostgreSQL. The command line is
``python -m bench.index_backends latency|load``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from bench import load_average, measure
from bench.index_state import CACHE, cached_state, copy_to_postgres, open_copy
from search.index.pgserver import PostgresServer


def latency(
    n: int,
    repeats: int,
    seed: int,
    cache: Path = CACHE,
    backends: tuple[str, ...] = ("local", "postgres"),
) -> dict[str, Any]:
    """Time the service searches on the same N-document state on ``backends`` (both
    engines by default; ``("local",)`` needs no PostgreSQL and no copy)."""
    import contextlib

    from api import services
    from bench.search import QUERIES, _filters
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
    postgres = PostgresServer() if "postgres" in backends else contextlib.nullcontext()
    with postgres as server, tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            url = server.url if server is not None else ""
            engine, copied = open_copy(home, backend, Path(tmp) / backend, url)
            if copied:
                out["postgres_copy"] = copied
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
    out["omp_wait_policy"] = os.environ.get("OMP_WAIT_POLICY")
    for mode in ("hybrid", "hybrid_filtered"):
        if "postgres" not in out or "local" not in out:
            break
        local, pg = out["local"]["service"][mode], out["postgres"]["service"][mode]
        out[f"ratio_{mode}_p95_postgres_vs_local"] = round(pg["p95_ms"] / local["p95_ms"], 2)
    out["load_average_end"] = load_average()
    return out


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
