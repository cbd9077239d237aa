"""Graph backends side by side: ``python -m bench.store_backends --sizes 1000 10000``.

For each size N it builds an N-document home on the embedded store
(``bench/search.py``), dumps its named graphs, starts a real ``oxigraph serve``
on a free loopback port and bulk-loads the dump through the remote store
(ingest throughput to each backend, in quads per second). The same home, its
index included, is then opened with ``HANKEKG_GRAPH_BACKEND=sparql``, so both
products answer from the same data, and the eight SPARQL benchmark queries are
timed three ways, medians over repeats:

* ``embedded``: ``store.select`` on the embedded store, in process (no HTTP);
* ``product_remote``: the product's ``/sparql`` on the server backend;
* ``direct``: the same query posted straight to ``oxigraph serve``.

Filtered hybrid search (``services.search`` with a funder and a region filter)
is timed in process on both backends (p50/p95). Results go to
``bench/results/store_backends.json``.

The N-document homes are built once and kept under ``--cache`` (default
``/work/bench-cache/store-backends``, outside git): a run finds
``home-N/.built`` there and opens the home as it is. Delete the folder to rebuild.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import RESULTS, summary
from bench.search import QUERIES as SEARCH_QUERIES
from bench.search import _filters, build_state, open_engine
from bench.sparql import HEADER
from bench.sparql import QUERIES as SPARQL_QUERIES


def _median_ms(client: httpx.Client, url: str, query: str, repeats: int, **extra: Any) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = client.post(
            url,
            data={"query": HEADER + query, **extra},
            headers={"Accept": "application/sparql-results+json"},
        )
        samples.append(time.perf_counter() - start)
        response.raise_for_status()
    return round(statistics.median(samples) * 1000, 2)


def _search_samples(engine: Any, repeats: int) -> dict[str, float]:
    from api import services

    filters = _filters(engine)
    samples = []
    for _ in range(repeats):
        for query in SEARCH_QUERIES:
            start = time.perf_counter()
            services.search(engine, query, k=10, filters=filters)
            samples.append(time.perf_counter() - start)
    return summary(samples)


#: Where built homes are kept between runs (outside git: N = 10,000 takes minutes).
CACHE = Path("/work/bench-cache/store-backends")


def cached_home(n: int, cache: Path) -> tuple[Any, dict[str, Any] | None]:
    """An engine over the cached N-document home, built first if not there yet.

    Returns the engine and the build figures (``None`` when the home was cached).
    """
    import shutil

    home = cache / f"home-{n}"
    marker = home / ".built"
    if marker.exists():
        return open_engine(home), None
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    engine = open_engine(home)
    build = build_state(engine, n)
    marker.write_text(json.dumps(build) + "\n")
    return engine, build


def run_size(n: int, root: Path, repeats: int, cache: Path = CACHE) -> dict[str, Any]:
    """Build (or reuse), load and time one size N."""
    from api.engine import Engine
    from graph.config import Settings
    from graph.store.sparql import SparqlStore
    from tests.conftest import LiveServer
    from tests.graph_servers import oxigraph_server

    out: dict[str, Any] = {"documents": n, "load_average_start": os.getloadavg()}
    engine, build = cached_home(n, cache)
    home = engine.settings.home
    if build is not None:
        out["build"] = build
    dump = io.BytesIO()
    quads = engine.store.dump(dump, "nquads")
    out["quads"] = quads
    # Ingest throughput to the embedded store: the same bulk load into a fresh one.
    from graph.store.oxigraph import OxigraphStore

    fresh = OxigraphStore(root / f"fresh-{n}")
    start = time.perf_counter()
    fresh.bulk_load(io.BytesIO(dump.getvalue()), "nquads")
    embedded_load = time.perf_counter() - start
    fresh.close()
    engine.warm_up()
    out["search_embedded"] = _search_samples(engine, repeats)
    embedded_ms: dict[str, float] = {}
    for name, (_kind, query) in SPARQL_QUERIES.items():
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            engine.store.select(HEADER + query)
            samples.append(time.perf_counter() - start)
        embedded_ms[name] = round(statistics.median(samples) * 1000, 2)
    engine.close()

    with oxigraph_server(root / f"oxigraph-{n}") as server:
        remote = SparqlStore(server.query_url, server.update_url)
        start = time.perf_counter()
        remote.bulk_load(io.BytesIO(dump.getvalue()), "nquads")
        remote_load = time.perf_counter() - start
        remote.close()
        out["ingest_quads_per_s"] = {
            "embedded_bulk_load": round(quads / embedded_load),
            "oxigraph_serve_bulk_load": round(quads / remote_load),
        }
        settings = Settings(
            home=home,
            graph_backend="sparql",
            sparql_query_url=server.query_url,
            sparql_update_url=server.update_url,
        )
        product = Engine(settings)
        product.warm_up()
        out["search_remote"] = _search_samples(product, repeats)
        rows: dict[str, Any] = {}
        with LiveServer(product) as live, httpx.Client(timeout=600) as client:
            for name, (_kind, query) in SPARQL_QUERIES.items():
                direct = _median_ms(client, server.query_url, query, repeats)
                through = _median_ms(client, f"{live.url}/sparql", query, repeats)
                rows[name] = {
                    "embedded_ms": embedded_ms[name],
                    "product_remote_ms": through,
                    "direct_ms": direct,
                    "product_over_direct": round(through / direct, 2) if direct else None,
                }
        product.close()
    out["sparql"] = rows
    ratios = [r["product_over_direct"] for r in rows.values() if r["product_over_direct"]]
    out["product_over_direct_median"] = round(statistics.median(ratios), 2) if ratios else None
    out["load_average_end"] = os.getloadavg()
    return out


def main() -> None:
    """Run the sizes given on the command line and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=CACHE, help="where built homes are kept")
    parser.add_argument("--build-only", action="store_true", help="build the homes, time nothing")
    parser.add_argument(
        "--out", type=Path, default=RESULTS / "store_backends.json", help="results file"
    )
    args = parser.parse_args()
    if args.build_only:
        for n in args.sizes:
            cached_home(n, args.cache)[0].close()
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="hankekg-store-bench-") as tmp:
        for n in args.sizes:
            results.append(run_size(n, Path(tmp), args.repeats, args.cache))
            print(json.dumps(results[-1], indent=2))  # noqa: T201 - a command-line tool
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
