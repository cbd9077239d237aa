"""SPARQL benchmark: eight fixed queries on our Oxigraph store against rdflib's memory store.

Both stores hold the same quads: the whole Oxigraph store (document graphs, reference
data, ontology) is dumped as N-Quads and parsed into an rdflib ``Dataset`` with the
default graph as the union, as ours queries it. Each query's rows are fully materialised
on both sides, and the row counts must agree (a disagreement is reported, not hidden).

Over HTTP, our ``/sparql`` is timed against rdflib-endpoint serving the same dataset
(``pip install rdflib-endpoint``; a bench-only dependency), both under uvicorn.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from graph.vocab import PREFIXES

HEADER = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

#: name -> (kind, query). Kinds: lookup, join, aggregate, path, filter, facet.
QUERIES: dict[str, tuple[str, str]] = {
    "q1_lookup_by_name": (
        "lookup",
        # Document 0's acronym in the seed-7 corpus (bench/corpus.py).
        """SELECT ?p ?pred ?o WHERE { ?p schema:alternateName "MYJSM0" ; ?pred ?o }""",
    ),
    "q2_join_funder_coordinator": (
        "join",
        """SELECT ?p ?fname ?cname WHERE { ?p a hk:Project ; schema:funder ?f ; hk:coordinator ?c .
           ?f schema:name ?fname . ?c schema:name ?cname .
           FILTER(LANG(?fname) = "fi" && LANG(?cname) = "fi") }""",
    ),
    "q3_aggregate_per_funder": (
        "aggregate",
        """SELECT ?f (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a hk:Project ; schema:funder ?f }
           GROUP BY ?f ORDER BY DESC(?n)""",
    ),
    "q4_aggregate_per_region": (
        "aggregate",
        """SELECT ?r (COUNT(DISTINCT ?p) AS ?n) (MIN(?s) AS ?first) WHERE {
           ?p a hk:Project ; schema:areaServed ?m ; schema:startDate ?s .
           ?m schema:containedInPlace ?r } GROUP BY ?r ORDER BY DESC(?n)""",
    ),
    "q5_property_path": (
        "path",
        """SELECT ?p (COUNT(DISTINCT ?area) AS ?n) WHERE {
           ?p a hk:Project ; schema:areaServed/schema:containedInPlace* ?area }
           GROUP BY ?p ORDER BY DESC(?n) LIMIT 50""",
    ),
    "q6_filter_literals": (
        "filter",
        """SELECT ?p ?name WHERE { ?p a hk:Project ; schema:name ?name .
           FILTER(LANG(?name) = "fi" && CONTAINS(LCASE(STR(?name)), "vertaistuki")) }""",
    ),
    "q7_filter_dates": (
        "filter",
        """SELECT ?p ?s ?e WHERE { ?p a hk:Project ; schema:startDate ?s ; schema:endDate ?e .
           FILTER(xsd:integer(SUBSTR(STR(?s), 1, 4)) >= 2015 &&
                  xsd:integer(SUBSTR(STR(?e), 1, 4)) <= 2020) } ORDER BY ?s""",
    ),
    "q8_facet_themes": (
        "aggregate",
        """SELECT ?t ?label (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a hk:Project ; schema:about ?t .
           OPTIONAL { ?t skos:prefLabel ?label FILTER(LANG(?label) = "fi") } }
           GROUP BY ?t ?label ORDER BY DESC(?n) LIMIT 20""",
    ),
}


def dump_nquads(store: Any, path: Path) -> int:
    """Write every named graph of our store to ``path``; returns the number of quads."""
    with open(path, "wb") as out:
        written: int = store.dump(out, "nquads")
    return written


def rdflib_dataset(path: Path) -> Any:
    """An rdflib in-memory ``Dataset`` (default graph = union) with the dumped quads."""
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    dataset.parse(str(path), format="nquads")
    return dataset


def _rows_ours(store: Any, query: str) -> int:
    return len(store.select(HEADER + query))


def _rows_rdflib(dataset: Any, query: str) -> int:
    return sum(1 for _ in dataset.query(HEADER + query))


def compare_stores(
    store: Any, dataset: Any, repeats: int = 3, rdflib_repeats: int = 1
) -> dict[str, Any]:
    """Median seconds per query on both stores, and the ratio rdflib / ours."""
    out: dict[str, Any] = {}
    for name, (kind, query) in QUERIES.items():
        _rows_ours(store, query)  # warm
        ours: list[float] = []
        for _ in range(repeats):
            start = time.perf_counter()
            rows_ours = _rows_ours(store, query)
            ours.append(time.perf_counter() - start)
        theirs: list[float] = []
        rows_theirs = -1
        for _ in range(rdflib_repeats):
            start = time.perf_counter()
            rows_theirs = _rows_rdflib(dataset, query)
            theirs.append(time.perf_counter() - start)
        o, t = statistics.median(ours), statistics.median(theirs)
        out[name] = {
            "kind": kind,
            "rows": rows_ours,
            "rows_rdflib": rows_theirs,
            "same_rows": rows_ours == rows_theirs,
            "oxigraph_ms": round(o * 1000, 2),
            "rdflib_ms": round(t * 1000, 2),
            "ratio": round(t / o, 1) if o > 0 else None,
        }
    aggregates = [v["ratio"] for v in out.values() if v["kind"] == "aggregate" and v["ratio"]]
    return {
        "queries": out,
        "aggregate_ratio_min": min(aggregates) if aggregates else None,
        "aggregate_ratio_median": round(statistics.median(aggregates), 1) if aggregates else None,
        "all_ratio_median": round(
            statistics.median(v["ratio"] for v in out.values() if v["ratio"]), 1
        ),
    }


def http_compare(ours_url: str, theirs_url: str, repeats: int = 3) -> dict[str, Any]:
    """Median ``GET ?query=`` seconds per query: our ``/sparql`` against rdflib-endpoint."""
    import httpx

    accept = {"Accept": "application/sparql-results+json"}
    out: dict[str, Any] = {}
    with httpx.Client(timeout=600) as client:
        for name, (_kind, query) in QUERIES.items():
            row: dict[str, Any] = {}
            for side, url in (("ours", ours_url), ("rdflib_endpoint", theirs_url)):
                samples: list[float] = []
                status = 0
                for _ in range(repeats):
                    start = time.perf_counter()
                    response = client.get(url, params={"query": HEADER + query}, headers=accept)
                    samples.append(time.perf_counter() - start)
                    status = response.status_code
                row[f"{side}_ms"] = round(statistics.median(samples) * 1000, 2)
                row[f"{side}_status"] = status
            row["ratio"] = (
                round(row["rdflib_endpoint_ms"] / row["ours_ms"], 1) if row["ours_ms"] else None
            )
            out[name] = row
    ratios = [r["ratio"] for r in out.values() if r["ratio"] and r["ours_status"] == 200]
    return {
        "queries": out,
        "ratio_median": round(statistics.median(ratios), 1) if ratios else None,
        "errors_ours": sum(r["ours_status"] != 200 for r in out.values()),
        "errors_rdflib_endpoint": sum(r["rdflib_endpoint_status"] != 200 for r in out.values()),
    }


def serve_rdflib(nquads: Path, port: int) -> None:
    """Serve the dumped quads with rdflib-endpoint on 127.0.0.1:``port`` (blocks)."""
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    app = SparqlEndpoint(graph=rdflib_dataset(nquads), path="/sparql")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def main() -> None:
    """``python -m bench.sparql serve --nquads FILE --port P``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--nquads", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve_rdflib(args.nquads, args.port)


if __name__ == "__main__":
    main()
