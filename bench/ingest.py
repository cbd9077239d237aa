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
``cpu_s_per_doc`` splits the CPU the timed window used by role: the writer's main
thread, its other threads (a LocalCluster's scheduler and the client's event loop live
there), the worker processes, the other processes this one started (Dask nannies) and
the whole machine (what else ran). Fixed costs (``cluster_start_s``, ``model_load_s``)
are reported apart and are outside the timed window in every mode.

``--mode dask-cli`` starts ``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1`` as
their own processes, with the ``DASK_*`` settings of ``docs/DEPLOY.md``, as a deployment runs
them. ``--idle-cpu 10`` measures what an idle LocalCluster spends on its own housekeeping,
Dask's defaults (profiler off) against hankekg's settings, twice each.

``python -m bench.ingest --compare --n 48 192 --repeats 2`` runs every mode at every N,
``repeats`` times each in a fresh process, and prints the medians, the cluster's share
of the best single-machine run at each N, and, from the two largest N, each mode's
per-document cost (the slope) apart from its fixed cost per run (the intercept: the
pipeline filling and draining).

:func:`preload_memory` and :func:`commit_cost` show how ingest scales without
embedding thousands of documents.
"""

from __future__ import annotations

import argparse
import json
import os
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

from distributed import WorkerPlugin

from bench.corpus import write_corpus
from ingest import Preparer, Source, Workers

MODES = ("inline", "processes", "dask", "dask-cli")
#: Modes that run on Dask (``client.run`` reaches their workers).
DASK_MODES = ("dask", "dask-cli")


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


def _open(mode: str, workers: int, folder: Path) -> tuple[Workers, Any]:
    """The executor for ``mode`` and what it started, to stop afterwards (``None``: nothing).

    ``dask`` is a ``LocalCluster``, whose scheduler and nannies live in this process;
    ``dask-cli`` starts ``dask scheduler`` and ``dask worker --nworkers N --nthreads 1`` as
    their own processes, as ``docs/DEPLOY.md`` runs them, on loopback. Both run with the
    Dask settings hankekg gives its ingest workers (``WORKER_CONFIG``); ``DaskWorkers``
    applies the same to the workers of any cluster it connects to.
    """

    from ingest.executors import open_workers
    from ingest.executors.dask import WORKER_CONFIG

    if mode == "inline":
        return open_workers(), None
    if mode == "processes":
        return open_workers(workers=workers), None
    if mode == "dask-cli":
        cli = _DaskProcesses(workers, folder)
        pool = open_workers(scheduler=cli.address)
        pool.client.wait_for_workers(workers, timeout=120)  # type: ignore[attr-defined]
        return pool, cli
    cluster = _local_cluster(workers, WORKER_CONFIG)
    return open_workers(scheduler=cluster.scheduler_address), cluster


def _local_cluster(workers: int, config: dict[str, Any]) -> Any:
    """A loopback ``LocalCluster`` of ``workers`` one-thread worker processes, started under
    the Dask ``config`` given (worker settings are read only while they start)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(config):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )


class _DaskProcesses:
    """``dask scheduler`` and ``dask worker`` started as a deployment starts them."""

    def __init__(self, workers: int, folder: Path) -> None:
        import subprocess

        from ingest.executors.dask import config_env

        dask = str(Path(sys.executable).with_name("dask"))
        file = folder / "scheduler.json"
        env = {**os.environ, **config_env()}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
        self.processes = [
            subprocess.Popen(  # noqa: S603 - our own venv's dask command
                [dask, "scheduler", "--host", "127.0.0.1", "--port", "0"]
                + ["--no-dashboard", "--scheduler-file", str(file)],
                **quiet,  # type: ignore[call-overload]
            )
        ]
        deadline = time.monotonic() + 60
        while not file.exists() or not file.read_text().strip():
            if time.monotonic() > deadline or self.processes[0].poll() is not None:
                self.close()
                raise RuntimeError("dask scheduler did not start")
            time.sleep(0.1)
        self.address = str(json.loads(file.read_text())["address"])
        self.processes.append(
            subprocess.Popen(  # noqa: S603 - our own venv's dask command
                [dask, "worker", self.address, "--nworkers", str(workers), "--nthreads", "1"]
                + ["--no-dashboard", "--host", "127.0.0.1"],
                **quiet,  # type: ignore[call-overload]
            )
        )

    def close(self) -> None:
        """Stop the workers, then the scheduler."""
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except Exception:  # noqa: BLE001 - a worker that will not stop is killed
                process.kill()


def _worker_memory(pool: Workers, mode: str) -> list[float]:
    import psutil

    if mode in DASK_MODES:
        client = pool.client  # type: ignore[attr-defined]
        return [round(v, 1) for v in client.run(_worker_rss_mb).values()]
    if mode == "processes":
        children = psutil.Process().children(recursive=True)
        rss = [c.memory_info().rss / 2**20 for c in children if c.is_running()]
        return sorted((round(v, 1) for v in rss), reverse=True)[: pool.size]
    return [round(_rss_mb(), 1)]


def _cpu_roles(workers: set[int]) -> dict[str, float]:
    """CPU seconds so far by role: the writer's main thread, its other threads (a
    LocalCluster's scheduler and the client's event loop run there), the worker
    processes, every other process this one started (Dask nannies, the pool's
    resource tracker), and the whole machine (to see what else ran)."""
    import psutil

    me = psutil.Process()
    main = me.threads()[0]
    own = me.cpu_times()
    roles = {
        "writer_main": main.user_time + main.system_time,
        "writer_threads": own.user + own.system - main.user_time - main.system_time,
        "workers": 0.0,
        "other_children": 0.0,
    }
    for child in me.children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        role = "workers" if child.pid in workers else "other_children"
        roles[role] += times.user + times.system
    machine = psutil.cpu_times()
    roles["machine"] = machine.user + machine.system + machine.nice + getattr(machine, "irq", 0)
    return roles


def _worker_pids(pool: Workers, mode: str) -> set[int]:
    import os

    import psutil

    if mode in DASK_MODES:
        client = pool.client  # type: ignore[attr-defined]
        return set(client.run(os.getpid).values())
    if mode == "processes":
        return {
            c.pid
            for c in psutil.Process().children()
            if "resource_tracker" not in " ".join(c.cmdline())
        }
    return set()


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

    loadavg_start = os.getloadavg()
    folder = write_corpus(n, seed, out=home.parent / f"corpus-{n}")
    start = time.perf_counter()
    engine = open_engine(home, encoder)
    engine.preparer.warm_up()
    _ = engine.encoder_fingerprint
    rss_models = _rss_mb()
    models_s = time.perf_counter() - start
    start = time.perf_counter()
    pool, cluster = _open(mode, workers, home.parent)
    try:
        size = pool.size  # read while connected (a Dask cluster's size is live)
        if pool.name != "inline":
            pids = {
                f.result() for f in [pool.submit(_warm, engine.preparer, 2.0) for _ in range(size)]
            }
            assert len(pids) == size, f"models loaded on {len(pids)} of {size} workers"
        # Includes the workers' model loads and the 2 s hold in _warm.
        cluster_s = time.perf_counter() - start
        pids = _worker_pids(pool, mode)
        cpu_before = _cpu_roles(pids)
        cpu = time.process_time()
        start = time.perf_counter()
        report = engine.ingest_paths([folder], workers=pool)
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu
        cpu_after = _cpu_roles(pids)
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
        "workers": size,
        "documents": n,
        "encoder": engine.settings.encoder,
        "added": len(report.added),
        "failed": len(report.failed),
        "commits": report.commits,
        "chunks": chunks,
        "model_load_s": round(models_s, 2),
        "cluster_start_s": round(cluster_s, 2) if pool.name != "inline" else 0.0,
        "loadavg_start": [round(x, 2) for x in loadavg_start],
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "total_s": round(total, 3),
        "docs_per_s": round(n / total, 3),
        "writer_cpu_s": round(cpu, 3),
        "cpu_s_per_doc": {
            k: round((cpu_after[k] - cpu_before[k]) / n, 3) for k in sorted(cpu_after)
        },
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


def compare(
    ns: list[int],
    repeats: int,
    seed: int,
    encoder: str | None,
    workers: int,
    modes: tuple[str, ...] = MODES,
) -> dict[str, Any]:
    """Every mode at every N, ``repeats`` fresh runs each (the modes interleaved, so a
    change in the machine's load lands on all of them): medians, and each Dask mode's
    share of the best single-machine mode (inline or the process pool)."""
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {m: {n: [] for n in ns} for m in modes}
    for _ in range(repeats):
        for n in ns:
            for mode in modes:
                run = run_subprocess(n, seed, encoder, mode, workers)
                if "error" in run:
                    raise RuntimeError(f"{mode} N={n}: {run['error']}")
                runs[mode][n].append(run)
    out: dict[str, Any] = {"repeats": repeats, "workers": workers, "modes": {}}
    for mode, by_n in runs.items():
        rows: dict[Any, Any] = {}
        for n, rs in by_n.items():
            rows[n] = {
                "total_s": statistics.median(r["total_s"] for r in rs),
                "docs_per_s": statistics.median(r["docs_per_s"] for r in rs),
                "docs_per_s_all": [r["docs_per_s"] for r in rs],
                "cpu_s_per_doc": {
                    k: round(statistics.median(r["cpu_s_per_doc"][k] for r in rs), 3)
                    for k in rs[0]["cpu_s_per_doc"]
                },
                "stages_per_doc_ms": {
                    k: round(statistics.median(r["stages_per_doc_ms"].get(k, 0) for r in rs), 1)
                    for k in rs[0]["stages_per_doc_ms"]
                },
                "overhead_ms_per_doc": statistics.median(r["overhead_ms_per_doc"] for r in rs),
                "model_load_s": statistics.median(r["model_load_s"] for r in rs),
                "cluster_start_s": statistics.median(r["cluster_start_s"] for r in rs),
                "worker_rss_mb": rs[0]["worker_rss_mb"],
                "loadavg_start": [r["loadavg_start"][0] for r in rs],
                "loadavg_end": [r["loadavg"][0] for r in rs],
            }
        if len(ns) >= 2:
            small, large = sorted(ns)[-2:]
            slope = (rows[large]["total_s"] - rows[small]["total_s"]) / (large - small)
            rows["per_document"] = {
                "s": round(slope, 4),
                "docs_per_s": round(1 / slope, 3) if slope > 0 else None,
                "fixed_s": round(rows[small]["total_s"] - small * slope, 2),
            }
        out["modes"][mode] = rows
    single = [m for m in ("inline", "processes") if m in modes]
    shares: dict[str, dict[Any, float]] = {}
    for mode in (m for m in DASK_MODES if m in modes and single):
        for n in ns:
            best = max(out["modes"][m][n]["docs_per_s"] for m in single)
            shares.setdefault(mode, {})[n] = round(out["modes"][mode][n]["docs_per_s"] / best, 3)
        if len(ns) >= 2:
            rates = {m: out["modes"][m]["per_document"]["docs_per_s"] or 0 for m in modes}
            best = max(rates[m] for m in single)
            shares[mode]["per_document"] = round(rates[mode] / best, 3)
    out["cluster_share_of_best"] = shares
    return out


class _ProfilerOff(WorkerPlugin):
    """The worker plugin as it was before the housekeeping was slowed (profiler off only)."""

    name = "hankekg-quiet-worker"
    idempotent = True

    def setup(self, worker: Any) -> None:
        """Stop the profiler's callbacks, nothing else."""
        from ingest.executors.dask import PROFILER_CALLBACKS

        for key in PROFILER_CALLBACKS:
            callback = worker.periodic_callbacks.pop(key, None)
            if callback is not None:
                callback.stop()


def idle_cpu(seconds: float, workers: int, quiet: bool = True) -> dict[str, Any]:
    """CPU an idle ``workers``-worker LocalCluster spends on itself over ``seconds``, in % of
    one core per process: with hankekg's settings (``WORKER_CONFIG`` and ``QuietWorker``), or
    with Dask's defaults and only the profiler off (``quiet=False``, as before)."""
    import psutil
    from distributed import Client

    from ingest.executors.dask import WORKER_CONFIG, QuietWorker

    config = WORKER_CONFIG if quiet else {"distributed.worker.profile.enabled": False}
    cluster = _local_cluster(workers, config)
    client = Client(cluster.scheduler_address, set_as_default=False)
    try:
        client.register_plugin(QuietWorker() if quiet else _ProfilerOff())
        pids = sorted(client.run(os.getpid).values())
        time.sleep(2)
        processes = {"writer": psutil.Process()} | {
            f"worker {i}": psutil.Process(pid) for i, pid in enumerate(pids)
        }

        def cpu() -> dict[str, float]:
            return {k: sum(p.cpu_times()[:2]) for k, p in processes.items()}

        before, start = cpu(), time.perf_counter()
        time.sleep(seconds)
        after, wall = cpu(), time.perf_counter() - start
    finally:
        client.close()
        cluster.close()
    share = {k: round((after[k] - before[k]) / wall * 100, 2) for k in after}
    return {
        "settings": "hankekg" if quiet else "dask defaults, profiler off",
        "seconds": round(wall, 1),
        "percent_of_a_core": share | {"all": round(sum(share.values()), 2)},
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


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
    """Time one commit's index write into an index that already holds N documents, with
    no document changed: what every commit pays besides its own documents' segment.

    The writer forks the published view (copy on write) and stages a snapshot that links
    the unchanged segments and writes a new manifest; the lexical figure is the
    corpus-wide BM25 statistics of the new version (the staged snapshots are discarded).
    """
    snapshot = engine.snapshot
    samples: list[float] = []
    lexical: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        fork = snapshot.fork()
        fork.lexical_index()
        lexical.append(time.perf_counter() - start)
        start = time.perf_counter()
        name = engine.index.state.stage(fork)
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
    """``python -m bench.ingest --n N [--mode M --workers W]``: one ingest, JSON last line;
    ``--compare --n N1 N2 --repeats R``: every mode, medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[16])
    parser.add_argument("--compare", action="store_true", help="every mode, medians")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--encoder", default=None)
    parser.add_argument("--mode", choices=MODES, default="inline")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument(
        "--idle-cpu",
        type=float,
        metavar="SECONDS",
        help="an idle LocalCluster's own CPU, Dask's defaults against hankekg's settings",
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if args.idle_cpu:
        rows = [idle_cpu(args.idle_cpu, args.workers, quiet) for quiet in (False, True) * 2]
        print(json.dumps(rows))
        return
    if args.compare:
        result = compare(
            args.n, args.repeats, args.seed, args.encoder, args.workers, tuple(args.modes)
        )
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="hankekg-bench-ingest-") as tmp:
        result = ingest_once(
            args.n[0], args.seed, args.encoder, Path(tmp) / "home", args.mode, args.workers
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
