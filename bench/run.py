"""Entry point: ``python -m bench.run --sizes 1000 10000 [--quick]`` (``make bench``).

For each size N it builds an N-document home (``bench/search.py``: real loader, chunking,
BM25 and graph shape; e5-derived surrogate vectors), then in a child process times search
in-process, the per-batch index write and the SPARQL comparison with rdflib; then, with
the child gone (Oxigraph locks its directory), it starts the real server over that home
and times ``/api/search`` and ``/sparql`` over HTTP (against rdflib-endpoint), measures
the server's RSS, and runs the 16-client load test. Once per run it measures the real
end-to-end ingest with e5 on a small subset (``bench/ingest.py``) and HNSW recall past
200k vectors. Results go to ``bench/results/*.json`` and ``docs/PERFORMANCE.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import RESULTS, load_average, machine, write_result

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "PERFORMANCE.md"
logger = logging.getLogger("bench")


def inprocess(n: int, home: Path, seed: int, quick: bool) -> dict[str, Any]:
    """Build the N-document home and run the in-process benchmarks (child process)."""
    from bench.corpus import write_corpus
    from bench.ingest import commit_cost, preload_memory
    from bench.search import build_state, open_engine, search_bench
    from bench.sparql import compare_stores, dump_nquads, rdflib_dataset

    out: dict[str, Any] = {"documents": n}
    folder = write_corpus(n, seed)
    out["preload_memory"] = preload_memory(folder)
    engine = open_engine(home)
    start = time.perf_counter()
    out["build"] = build_state(engine, n, seed)
    out["build"]["wall_s"] = round(time.perf_counter() - start, 1)
    engine.warm_up()
    out["search"] = search_bench(engine, repeats=2 if quick else 3)
    out["commit_cost"] = commit_cost(engine, repeats=1 if quick else 3)
    nquads = home.parent / f"dump-{n}.nq"
    out["quads"] = dump_nquads(engine.store, nquads)
    start = time.perf_counter()
    dataset = rdflib_dataset(nquads)
    out["rdflib_load_s"] = round(time.perf_counter() - start, 1)
    out["sparql"] = compare_stores(engine.store, dataset, repeats=3, rdflib_repeats=1)
    del dataset
    ids = [
        engine.iris.local_id(str(r["p"]), "project")
        for r in engine.store.select(
            "SELECT DISTINCT ?p WHERE { ?p a hk:Project } ORDER BY ?p LIMIT 400"
        )
    ]
    out["project_ids"] = [i for i in ids if i]
    out["filters"] = out["search"]["filters"]
    engine.close()
    return out


def over_http(
    n: int, home: Path, inproc: dict[str, Any], quick: bool, load_seconds: float
) -> dict[str, Any]:
    """Server-side benchmarks over a real socket (main process, server in a child)."""
    from bench.load import ServerProcess, run_load
    from bench.search import QUERIES, http_search_bench
    from bench.sparql import http_compare

    out: dict[str, Any] = {}
    nquads = home.parent / f"dump-{n}.nq"
    filters = {"funder": inproc["filters"]["funders"], "place": inproc["filters"]["places"]}
    with ServerProcess(home) as server:
        out["rss_after_start_mb"] = server.rss_mb()
        out["search_http"] = http_search_bench(
            server.url, repeats=1 if quick else 2, filters=filters
        )
        out["rss_after_search_mb"] = server.rss_mb()
        rdflib_argv = [
            sys.executable,
            "-m",
            "bench.sparql",
            "serve",
            "--nquads",
            str(nquads),
            "--port",
            "0",
        ]
        from bench.load import free_port

        port = free_port()
        rdflib_argv[-1] = str(port)
        try:
            with ServerProcess(argv=rdflib_argv, port=port) as theirs:
                theirs.wait_ready("/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")
                out["sparql_http"] = http_compare(
                    server.url + "/sparql", theirs.url + "/sparql", repeats=2 if quick else 3
                )
                out["rdflib_endpoint_rss_mb"] = theirs.own_rss_mb()
        except Exception as exc:  # noqa: BLE001 - reported in the results, not hidden
            out["sparql_http"] = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
        out["load"] = run_load(server.url, inproc["project_ids"], QUERIES, seconds=load_seconds)
        out["rss_after_load_mb"] = server.rss_mb()
        out["rss_server_process_mb"] = server.own_rss_mb()
    return out


def hnsw(quick: bool) -> dict[str, Any]:
    """HNSW recall@10 and latency against exact search on 200k e5-derived vectors."""
    from bench.search import QUERIES, hnsw_bench, open_engine, vector_pool

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(Path(tmp) / "home")
        pool = vector_pool(engine, 7)
        queries = engine.encoder.encode_queries(QUERIES)
        engine.close()
    return hnsw_bench(pool, queries, n=200_000, m=32, ef_construction=40 if quick else 64)


def ingest(quick: bool) -> dict[str, Any]:
    """The real end-to-end ingest with e5 on small subsets, each in a fresh process."""
    from bench.ingest import run_subprocess

    sizes = [8, 24] if quick else [16, 48]
    runs = [run_subprocess(n, 7, None) for n in sizes]
    runs += [run_subprocess(sizes[-1], 7, None, mode, 2) for mode in ("processes", "dask")]
    return {"runs": runs}


def _child(args: argparse.Namespace) -> None:
    result = inprocess(args.n, Path(args.home), args.seed, args.quick)
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")


def main() -> None:
    """Run every benchmark and write the results and ``docs/PERFORMANCE.md``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 15 s load test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--load-seconds", type=float, default=None)
    parser.add_argument("--skip", nargs="*", default=[], choices=["ingest", "hnsw", "http"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("httpx", "api", "graph", "search"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.child:
        _child(args)
        return
    load_seconds = args.load_seconds or (15.0 if args.quick else 60.0)
    command = "python -m bench.run " + " ".join(sys.argv[1:])
    started = time.perf_counter()
    run: dict[str, Any] = {
        "command": command,
        "machine": machine(),
        "load_average_start": load_average(),
        "quick": args.quick,
        "sizes": {},
    }
    tag = "quick" if args.quick else "full"
    tmp = Path(tempfile.mkdtemp(prefix="hankekg-bench-"))
    try:
        if "ingest" not in args.skip:
            logger.info("ingest benchmark (e5, fresh processes)")
            run["ingest"] = ingest(args.quick)
            write_result(f"{tag}-ingest", run["ingest"])
        for n in args.sizes:
            logger.info("N=%d: building and in-process benchmarks", n)
            home = tmp / f"home-{n}"
            out = tmp / f"inproc-{n}.json"
            child = [
                sys.executable,
                "-m",
                "bench.run",
                "--child",
                "--n",
                str(n),
                "--home",
                str(home),
                "--out",
                str(out),
                "--seed",
                str(args.seed),
            ] + (["--quick"] if args.quick else [])
            subprocess.run(child, check=True)
            inproc = json.loads(out.read_text(encoding="utf-8"))
            size: dict[str, Any] = {"inprocess": inproc}
            if "http" not in args.skip:
                logger.info("N=%d: server, HTTP and load benchmarks", n)
                size["http"] = over_http(n, home, inproc, args.quick, load_seconds)
            inproc.pop("project_ids", None)
            run["sizes"][str(n)] = size
            write_result(f"{tag}-n{n}", size)
            shutil.rmtree(home, ignore_errors=True)
            gc.collect()
        if "http" not in args.skip:
            from bench.memory import empty_server_rss

            run["empty_server_rss_mb"] = empty_server_rss(tmp)
        if "hnsw" not in args.skip:
            logger.info("HNSW recall at 200k vectors")
            run["hnsw"] = hnsw(args.quick)
            write_result(f"{tag}-hnsw", run["hnsw"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    run["load_average_end"] = load_average()
    run["wall_s"] = round(time.perf_counter() - started, 1)
    write_result(f"{tag}-summary", run)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = render(run)
    if DOC.exists() and "\n## Findings" in DOC.read_text(encoding="utf-8"):
        # The hand-written findings are kept across runs (they name the run they read).
        text += "\n## Findings" + DOC.read_text(encoding="utf-8").split("\n## Findings", 1)[1]
    DOC.write_text(text, encoding="utf-8")
    logger.info("wrote %s and %s (%.0f s)", RESULTS, DOC, run["wall_s"])


def _fmt(value: Any) -> str:
    return "–" if value is None else str(value)


def render(run: dict[str, Any]) -> str:
    """``docs/PERFORMANCE.md`` from one run's results (figures only from ``run``)."""
    from bench.memory import memory_rows

    lines = [
        "# Performance",
        "",
        "Generated by `bench/run.py` from one run; every figure below comes from that run's",
        "`bench/results/*.json`. Latencies are medians (p50) and nearest-rank p95/p99 over",
        "repeats, timed with `time.perf_counter`; ratios compare against a baseline measured",
        "in the same run and process.",
        "",
        f"Command: `{run['command']}` (wall time {run.get('wall_s')} s).",
        f"Machine: {run['machine']['cpus']} CPUs, Python {run['machine']['python']}; load average",
        f"{run['load_average_start']} at the start and {run.get('load_average_end')} at the end:",
        "the 2 cores are shared with other work, so wall-clock figures include waiting for a core;",
        "`cpu_p50_ms` (process CPU time per call) is what a call costs regardless of that load.",
        "",
        "## How the N-document state is built",
        "",
        "Embedding 10,000 documents with e5 on these cores would take hours, so the search,",
        "SPARQL, memory and load benchmarks run over a home built by `bench/search.py`: real",
        "loader, real chunking and real BM25 over generated documents; the graph from the",
        "generator's ground truth in the shape extraction produces (`graph.build.document_graph`,",
        "bulk-loaded through pyoxigraph); and **e5-derived surrogate vectors** (mixes of 128 real",
        "e5 passage vectors plus noise). FAISS cost does not depend on the values, so latencies",
        "hold; ranking quality is not measured here. Query encoding is the real e5.",
        "The real end-to-end ingest (spaCy, voikko, e5, Oxigraph, snapshots) is measured",
        "separately on small subsets below.",
        "",
    ]
    if "ingest" in run:
        lines += [
            "## Ingest (real pipeline, e5-small-q4, fresh process per run)",
            "",
            "| docs | where prepare ran | docs/s (wall) | load | extract | graph | chunk | embed | commit | executor overhead ms/doc | writer peak RSS MB | worker RSS MB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in run["ingest"]["runs"]:
            if "error" in r:
                lines.append(f"| {r['documents']} | error: {r['error'][:80]} |")
                continue
            st = r["stages_per_doc_ms"]
            where = r["mode"] if r["mode"] == "inline" else f"{r['mode']} × {r['workers']}"
            lines.append(
                f"| {r['documents']} | {where} | {r['docs_per_s']} | "
                + " | ".join(
                    _fmt(st.get(k))
                    for k in ("load", "extract", "graph", "chunk", "embed", "commit")
                )
                + f" | {r['overhead_ms_per_doc']} | {r['peak_rss_mb']} | "
                f"{', '.join(str(m) for m in r['worker_rss_mb'])} |"
            )
        lines += [
            "",
            "Stage columns are milliseconds per document, summed over workers; `commit` is the",
            "single writer. Produced by `python -m bench.ingest --n N --mode M --workers 2`.",
            "",
        ]
    lines += [
        "## Scaling of the ingest path with N",
        "",
        "| N | chunks | held by one pipeline window of 64 documents (MB) | per-batch index write at N (s) | of which BM25 rebuild (s) | overhead per document (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for n, size in run["sizes"].items():
        ip = size["inprocess"]
        cc = ip["commit_cost"]
        lines.append(
            f"| {n} | {ip['build']['chunks']} | {ip['preload_memory']['held_mb']} | "
            f"{cc['per_batch_index_write_s']} | {cc['lexical_rebuild_s']} | {cc['per_document_overhead_ms']} |"
        )
    lines += [
        "",
        "## Search in-process (`api.services.search`, what `/api/search` runs)",
        "",
        "| N | mode | p50 ms | p95 ms | CPU p50 ms |",
        "|---|---|---|---|---|",
    ]
    for n, size in run["sizes"].items():
        s = size["inprocess"]["search"]
        for mode, v in s["service"].items():
            lines.append(f"| {n} | {mode} | {v['p50_ms']} | {v['p95_ms']} | {v['cpu_p50_ms']} |")
        for mode, v in s["core"].items():
            lines.append(
                f"| {n} | core {mode} (searcher only) | {v['p50_ms']} | {v['p95_ms']} | {v['cpu_p50_ms']} |"
            )
        for key in ("raw_faiss_top10", "raw_faiss_top200", "query_encoding"):
            v = s[key]
            lines.append(f"| {n} | {key} | {v['p50_ms']} | {v['p95_ms']} | {v['cpu_p50_ms']} |")
    lines += [
        "",
        "| N | baseline: raw FAISS top-10 + query encoding, p50 ms | hybrid (service) / baseline | hybrid (core) / baseline | hybrid+filters / baseline |",
        "|---|---|---|---|---|",
    ]
    for n, size in run["sizes"].items():
        s = size["inprocess"]["search"]
        lines.append(
            f"| {n} | {s['baseline_dense_plus_encoding_p50_ms']} | {s['ratio_hybrid_service_p50_vs_baseline']} | "
            f"{s['ratio_hybrid_core_p50_vs_baseline']} | {s['ratio_hybrid_filtered_p50_vs_baseline']} |"
        )
    if any("http" in size for size in run["sizes"].values()):
        lines += [
            "",
            "## Search over HTTP (`GET /api/search`, one client)",
            "",
            "| N | mode | p50 ms | p95 ms | errors |",
            "|---|---|---|---|---|",
        ]
        for n, size in run["sizes"].items():
            for mode, v in size.get("http", {}).get("search_http", {}).items():
                lines.append(
                    f"| {n} | {mode} | {v.get('p50_ms')} | {v.get('p95_ms')} | {v.get('errors')} |"
                )
    lines += ["", "## SPARQL: Oxigraph (ours) against rdflib's in-memory store, same quads", ""]
    for n, size in run["sizes"].items():
        sp = size["inprocess"]["sparql"]
        lines += [
            f"N = {n} ({size['inprocess']['quads']} quads; rdflib parse {size['inprocess']['rdflib_load_s']} s). "
            f"Aggregate ratio: min {sp['aggregate_ratio_min']}, median {sp['aggregate_ratio_median']}.",
            "",
            "| query | kind | rows | same rows | ours ms | rdflib ms | ratio |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, q in sp["queries"].items():
            lines.append(
                f"| {name} | {q['kind']} | {q['rows']} | {q['same_rows']} | {q['oxigraph_ms']} | {q['rdflib_ms']} | {q['ratio']} |"
            )
        lines.append("")
        http = size.get("http", {}).get("sparql_http")
        if http and "queries" in http:
            lines += [
                f"Over HTTP, `/sparql` against rdflib-endpoint (N = {n}): median ratio {http['ratio_median']}, "
                f"errors ours {http['errors_ours']}, rdflib-endpoint {http['errors_rdflib_endpoint']}.",
                "",
                "| query | ours ms | rdflib-endpoint ms | ratio | statuses |",
                "|---|---|---|---|---|",
            ]
            for name, q in http["queries"].items():
                lines.append(
                    f"| {name} | {q['ours_ms']} | {q['rdflib_endpoint_ms']} | {q['ratio']} | {q['ours_status']}/{q['rdflib_endpoint_status']} |"
                )
            lines.append("")
        elif http:
            lines += [f"Over HTTP (N = {n}): {http.get('error')}", ""]
    rows = memory_rows(run)
    if rows:
        lines += [
            f"## Memory: server RSS (empty-home baseline {run.get('empty_server_rss_mb')} MB, same run)",
            "",
            "| N | after start MB | after load test MB | over empty MB | ratio | KB per document |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['documents']} | {r['rss_start_mb']} | {r['rss_after_load_mb']} | {r['over_empty_mb']} | {r['ratio_vs_empty']} | {r['kb_per_document']} |"
            )
        lines.append("")
    if any("http" in size for size in run["sizes"].values()):
        lines += [
            "## Load test (16 clients, asyncio httpx, real uvicorn)",
            "",
            "| N | seconds | requests | req/s | errors | p50 ms | p99 ms | search p50/p99 | project p50/p99 | related p50/p99 | sparql p50/p99 |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for n, size in run["sizes"].items():
            ld = size.get("http", {}).get("load")
            if not ld:
                continue
            pe = ld["per_endpoint"]
            cells = " | ".join(
                f"{pe[k].get('p50_ms')}/{pe[k].get('p99_ms')}"
                for k in ("search", "project", "related", "sparql")
            )
            lines.append(
                f"| {n} | {ld['seconds']} | {ld['requests']} | {ld['throughput_rps']} | {ld['errors']} | {ld['all'].get('p50_ms')} | {ld['all'].get('p99_ms')} | {cells} |"
            )
        lines.append("")
    if "hnsw" in run:
        h = run["hnsw"]
        lines += [
            f"## HNSW against exact search ({h['vectors']} e5-derived vectors, dim {h['dim']}, M={h['M']}, efConstruction={h['efConstruction']}, build {h['build_s']} s)",
            "",
            f"Exact (IndexFlatIP) top-10: p50 {h['flat_top10']['p50_ms']} ms.",
            "",
            "| efSearch | recall@10 | p50 ms | p95 ms | speed-up vs flat |",
            "|---|---|---|---|---|",
        ]
        for ef, v in h["hnsw"].items():
            lines.append(
                f"| {ef.split('=')[1]} | {v['recall_at_10']} | {v['p50_ms']} | {v['p95_ms']} | {v['speedup_vs_flat_p50']} |"
            )
        lines.append("")
    lines += ["## Against the targets", ""] + _verdicts(run) + [""]
    return "\n".join(lines) + "\n"


def _verdicts(run: dict[str, Any]) -> list[str]:
    out = []
    sizes = run["sizes"]
    if sizes:
        largest = max(sizes, key=int)
        s = sizes[largest]["inprocess"]["search"]["service"]["hybrid"]
        out.append(
            f"- Hybrid search p95 < 50 ms in-process at N = {largest}: measured p95 {s['p95_ms']} ms "
            f"(p50 {s['p50_ms']} ms, CPU p50 {s['cpu_p50_ms']} ms): {'met' if s['p95_ms'] < 50 else 'NOT met'}."
        )
    runs = [r for r in run.get("ingest", {}).get("runs", []) if "docs_per_s" in r]
    if runs:
        best = max(r["docs_per_s"] for r in runs)
        out.append(
            f"- Ingest ≥ 5 documents/s with e5: measured {best} docs/s wall: {'met' if best >= 5 else 'NOT met'}."
        )
    for n, size in sizes.items():
        sp = size["inprocess"]["sparql"]
        if sp["aggregate_ratio_min"] is not None:
            ok = sp["aggregate_ratio_min"] >= 20
            out.append(
                f"- SPARQL ≥ 20× rdflib on aggregates at N = {n}: min ratio {sp['aggregate_ratio_min']}: {'met' if ok else 'NOT met'}."
            )
        ld = size.get("http", {}).get("load")
        if ld:
            out.append(
                f"- Load test with 0 errors at N = {n}: {ld['errors']} errors in {ld['requests']} requests: {'met' if ld['errors'] == 0 else 'NOT met'}."
            )
    return out


if __name__ == "__main__":
    main()
