"""Ingest benchmark: the real ``Engine.ingest_paths`` end to end, per stage, with peak memory.

Run in a fresh subprocess per measurement (``python -m bench.ingest --n 32``) so that
peak RSS (``ru_maxrss``) belongs to that ingest alone. Stages are timed by wrapping the
engine's own calls on this one engine instance (no behaviour changes):

- ``load``: ``graph.loader.load_document`` (decode, HTML/Markdown/JSON reduction);
- ``parse_nlp``: ``Extractor.extract`` (spaCy, voikko, layout, dates, linking);
- ``graph_build``: ``graph.build.document_graph``;
- ``embedding``: ``Encoder.encode_passages`` (one call per document, in the engine);
- ``store_write``: ``OxigraphStore.replace_graphs`` (one transaction per 32-document batch);
- ``index_write``: ``IndexState.stage`` + ``commit`` (full snapshot: BM25 rebuild, FAISS,
  chunks, fsync) per batch.

Two more measurements show how ingest scales without embedding thousands of documents:
:func:`preload_memory` (what ``ingest_paths`` holds before the first batch, because it
loads every document first) and :func:`commit_cost` (the per-batch index write at N).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.corpus import write_corpus


def _wrap(owner: Any, name: str, bucket: dict[str, float], key: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            bucket[key] = bucket.get(key, 0.0) + time.perf_counter() - start

    setattr(owner, name, timed)


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def ingest_once(n: int, seed: int, encoder: str | None, home: Path) -> dict[str, Any]:
    """Ingest the first ``n`` generated documents into an empty ``home``; return figures."""
    import api.engine as engine_module
    from bench.search import open_engine

    folder = write_corpus(n, seed, out=home.parent / f"corpus-{n}")
    start = time.perf_counter()
    engine = open_engine(home, encoder)
    _ = engine.extractor, engine.encoder_fingerprint  # model loading is not ingest
    models_s = time.perf_counter() - start
    rss_models = _rss_mb()
    stages: dict[str, float] = {}
    _wrap(engine_module, "load_document", stages, "load")
    _wrap(engine_module, "document_graph", stages, "graph_build")
    _wrap(engine.extractor, "extract", stages, "parse_nlp")
    _wrap(engine.encoder, "encode_passages", stages, "embedding")
    _wrap(engine.store, "replace_graphs", stages, "store_write")
    _wrap(engine.index.state, "stage", stages, "index_write")
    _wrap(engine.index.state, "commit", stages, "index_write")
    cpu = time.process_time()
    start = time.perf_counter()
    report = engine.ingest_paths([folder])
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu
    chunks = engine.snapshot.vector_count() if engine.snapshot else 0
    engine.close()
    accounted = sum(stages.values())
    return {
        "documents": n,
        "encoder": engine.settings.encoder,
        "added": len(report.added),
        "failed": len(report.failed),
        "chunks": chunks,
        "model_load_s": round(models_s, 2),
        "total_s": round(total, 3),
        "docs_per_s": round(n / total, 3),
        "cpu_s": round(cpu, 3),
        "docs_per_cpu_s": round(n / cpu, 3) if cpu else None,
        "stages_s": {k: round(v, 3) for k, v in sorted(stages.items())},
        "stages_per_doc_ms": {k: round(v / n * 1000, 1) for k, v in sorted(stages.items())},
        "other_s": round(total - accounted, 3),
        "rss_after_models_mb": round(rss_models, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_over_models_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_models, 1
        ),
    }


def run_subprocess(n: int, seed: int, encoder: str | None, timeout: float = 3600) -> dict[str, Any]:
    """:func:`ingest_once` in a fresh interpreter (so peak RSS is this ingest's own)."""
    import subprocess

    args = [sys.executable, "-m", "bench.ingest", "--n", str(n), "--seed", str(seed)]
    if encoder:
        args += ["--encoder", encoder]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        return {"documents": n, "error": done.stderr[-2000:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def preload_memory(folder: Path) -> dict[str, Any]:
    """Memory that ``Engine.ingest_paths`` holds before its first batch: it loads every
    document of the run into a list first (``documents.append(load_document(...))``)."""
    from api.engine import discover
    from graph.loader import load_document

    files = discover([folder])
    tracemalloc.start()
    start = time.perf_counter()
    documents = [load_document(p, max_bytes=5_000_000) for p in files]
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "documents": len(documents),
        "held_mb": round(current / 2**20, 1),
        "peak_mb": round(peak / 2**20, 1),
        "load_s": round(seconds, 2),
    }


def commit_cost(engine: Any, repeats: int = 3) -> dict[str, Any]:
    """Time one batch commit's index write into an index that already holds N documents.

    ``Engine._commit_batch`` stages a complete snapshot per 32-document batch, which
    rebuilds BM25 over every chunk and rewrites FAISS and ``chunks.jsonl``; this is that
    cost at the engine's current size (the staged snapshots are discarded).
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
    import statistics

    per_batch = statistics.median(lexical) + statistics.median(samples)
    return {
        "documents": len(snapshot.manifest.documents),
        "chunks": len(snapshot.chunks),
        "lexical_rebuild_s": round(statistics.median(lexical), 3),
        "stage_write_s": round(statistics.median(samples), 3),
        "per_batch_index_write_s": round(per_batch, 3),
        "per_document_overhead_ms": round(per_batch / 32 * 1000, 1),
    }


def main() -> None:
    """``python -m bench.ingest --n N``: one ingest, JSON on the last stdout line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--encoder", default=None)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="hankekg-bench-ingest-") as tmp:
        result = ingest_once(args.n, args.seed, args.encoder, Path(tmp) / "home")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
