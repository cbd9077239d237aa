"""Ingest benchmark: the real pipeline end to end, inline, on a process pool and on Dask.

``python -m bench.ingest --n 32`` runs one ingest in this (fresh) process and prints
JSON on its last line, so peak RSS (``ru_maxrss``) is that ingest's own.
``--mode processes --workers 2`` prepares on a local 2-process pool,
``--mode dask --workers 2`` on a ``dask.distributed.LocalCluster`` with two worker
processes (one thread each) on loopback, which is what a remote cluster looks like
minus the network.

The stage breakdown comes from the pipeline itself (``IngestReport.seconds``):
``load``, ``extract`` (spaCy, Voikko, layout, dates, linking), ``graph``, ``chunk`` and
``embed`` are summed over all workers; ``commit`` is the single writer (graph
transaction, snapshot write, publish) and ``wait`` the writer waiting for results.
Models are loaded on every worker before the clock starts (model loading is not
ingest).

``overhead_ms_per_doc`` is what the executor itself costs a document: the same
documents' bytes sent to the same workers through the same pipeline window in a task
that only returns a result of a prepared document's size, wall time per document.

:func:`preload_memory` and :func:`commit_cost` show how ingest scales without
embedding thousands of documents.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from pathlib import Path
from typing import Any

from bench.corpus import write_corpus
from ingest import Preparer, Source, Workers

MODES = ("inline", "processes", "dask")


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def _worker_rss_mb() -> float:
    """Resident memory of the process this runs in (sent to workers)."""
    return _rss_mb()


def _warm(preparer: Preparer, seconds: float) -> int:
    """Load a worker's models (and hold it a moment so every worker gets one)."""
    import os

    from ingest.prepare import _resident

    _resident(preparer).warm_up()
    time.sleep(seconds)
    return os.getpid()


def _echo(payload: bytes, size: int) -> bytes:
    """A task that does no work: bytes in, a prepared document's size back."""
    return payload[:1] * size


def _open(mode: str, workers: int) -> tuple[Workers, Any]:
    """The executor for ``mode`` and the cluster it started (``None`` if none)."""
    from ingest.executors import open_workers

    if mode == "inline":
        return open_workers(), None
    if mode == "processes":
        return open_workers(workers=workers), None
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return open_workers(scheduler=cluster.scheduler_address), cluster


def _worker_memory(pool: Workers, mode: str) -> list[float]:
    import psutil

    if mode == "dask":
        client = pool.client  # type: ignore[attr-defined]
        return [round(v, 1) for v in client.run(_worker_rss_mb).values()]
    if mode == "processes":
        children = psutil.Process().children(recursive=True)
        rss = [c.memory_info().rss / 2**20 for c in children if c.is_running()]
        return sorted((round(v, 1) for v in rss), reverse=True)[: pool.size]
    return [round(_rss_mb(), 1)]


def _overhead(pool: Workers, folder: Path, result_bytes: int) -> float:
    """Wall ms per document for no-op tasks carrying the documents' bytes."""
    if pool.name == "inline":
        return 0.0
    payloads = [p.read_bytes() for p in sorted(folder.iterdir())]
    depth = 4 * pool.size
    window: deque[Any] = deque()
    start = time.perf_counter()
    for payload in payloads:
        window.append(pool.submit(_echo, payload, result_bytes))
        while len(window) >= depth:
            window.popleft().result()
    while window:
        window.popleft().result()
    return (time.perf_counter() - start) / len(payloads) * 1000


def ingest_once(
    n: int, seed: int, encoder: str | None, home: Path, mode: str = "inline", workers: int = 2
) -> dict[str, Any]:
    """Ingest the first ``n`` generated documents into an empty ``home``; return figures."""
    from bench.search import open_engine

    folder = write_corpus(n, seed, out=home.parent / f"corpus-{n}")
    start = time.perf_counter()
    engine = open_engine(home, encoder)
    engine.preparer.warm_up()
    _ = engine.encoder_fingerprint
    rss_models = _rss_mb()
    pool, cluster = _open(mode, workers)
    try:
        if pool.name != "inline":
            pids = {
                f.result()
                for f in [pool.submit(_warm, engine.preparer, 2.0) for _ in range(pool.size)]
            }
            assert len(pids) == pool.size, f"models loaded on {len(pids)} of {pool.size} workers"
        models_s = time.perf_counter() - start
        cpu = time.process_time()
        start = time.perf_counter()
        report = engine.ingest_paths([folder], workers=pool)
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu
        worker_mb = _worker_memory(pool, mode)
        sample = engine.preparer.prepare(Source.read(sorted(folder.iterdir())[0], 10_000_000))
        overhead = _overhead(pool, folder, len(pickle.dumps(sample)))
    finally:
        pool.close()
        if cluster is not None:
            cluster.close()
    chunks = engine.snapshot.vector_count() if engine.snapshot else 0
    engine.close()
    stages = report.seconds
    prepare_s = sum(v for k, v in stages.items() if k not in ("commit", "wait"))
    return {
        "mode": mode,
        "workers": pool.size,
        "documents": n,
        "encoder": engine.settings.encoder,
        "added": len(report.added),
        "failed": len(report.failed),
        "commits": report.commits,
        "chunks": chunks,
        "model_load_s": round(models_s, 2),
        "total_s": round(total, 3),
        "docs_per_s": round(n / total, 3),
        "writer_cpu_s": round(cpu, 3),
        "prepare_cpu_s_per_doc": round(prepare_s / n, 3),
        "stages_s": {k: round(v, 3) for k, v in sorted(stages.items())},
        "stages_per_doc_ms": {k: round(v / n * 1000, 1) for k, v in sorted(stages.items())},
        "overhead_ms_per_doc": round(overhead, 1),
        "prepared_result_kb": round(len(pickle.dumps(sample)) / 1024, 1),
        "rss_after_models_mb": round(rss_models, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "worker_rss_mb": worker_mb,
    }


def run_subprocess(
    n: int,
    seed: int,
    encoder: str | None,
    mode: str = "inline",
    workers: int = 2,
    timeout: float = 3600,
) -> dict[str, Any]:
    """:func:`ingest_once` in a fresh interpreter (so peak RSS is this ingest's own)."""
    import subprocess

    args = [sys.executable, "-m", "bench.ingest", "--n", str(n), "--seed", str(seed)]
    args += ["--mode", mode, "--workers", str(workers)]
    if encoder:
        args += ["--encoder", encoder]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        return {"documents": n, "mode": mode, "error": done.stderr[-2000:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def preload_memory(folder: Path) -> dict[str, Any]:
    """Memory held by reading one pipeline window of documents (the pipeline streams:
    it holds at most ``2 × batch`` documents' bytes in flight, never the whole run)."""
    from ingest import discover

    files = discover([folder])[:64]
    tracemalloc.start()
    start = time.perf_counter()
    sources = [Source.read(p, 5_000_000) for p in files]
    seconds = time.perf_counter() - start
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "documents": len(sources),
        "held_mb": round(current / 2**20, 1),
        "peak_mb": round(peak / 2**20, 1),
        "load_s": round(seconds, 2),
    }


def commit_cost(engine: Any, repeats: int = 3) -> dict[str, Any]:
    """Time one batch commit's index write into an index that already holds N documents.

    The writer stages a complete snapshot per batch, which rebuilds BM25 over every chunk
    and rewrites FAISS and ``chunks.jsonl``; this is that cost at the engine's current size
    (the staged snapshots are discarded).
    """
    snapshot = engine.snapshot
    samples: list[float] = []
    lexical: list[float] = []
    for _ in range(repeats):
        snapshot._lexical_stale = True  # as after adding a batch
        start = time.perf_counter()
        snapshot.lexical_index()
        lexical.append(time.perf_counter() - start)
        start = time.perf_counter()
        name = engine.index.state.stage(snapshot)
        samples.append(time.perf_counter() - start)
        engine.index.state.discard(name)
    per_batch = statistics.median(lexical) + statistics.median(samples)
    batch = engine.settings.ingest_batch
    return {
        "documents": len(snapshot.manifest.documents),
        "chunks": len(snapshot.chunks),
        "lexical_rebuild_s": round(statistics.median(lexical), 3),
        "stage_write_s": round(statistics.median(samples), 3),
        "per_batch_index_write_s": round(per_batch, 3),
        "per_document_overhead_ms": round(per_batch / batch * 1000, 1),
    }


def main() -> None:
    """``python -m bench.ingest --n N [--mode M --workers W]``: one ingest, JSON last line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--encoder", default=None)
    parser.add_argument("--mode", choices=MODES, default="inline")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="hankekg-bench-ingest-") as tmp:
        result = ingest_once(
            args.n, args.seed, args.encoder, Path(tmp) / "home", args.mode, args.workers
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
