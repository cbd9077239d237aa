"""The same corpus ingested inline, on a 2-process pool and on a real 2-worker Dask
LocalCluster gives the same graph, the same chunks and the same rankings; a document
that fails, or kills its worker, costs that document one line and nothing else."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api import services
from api.cli import app
from api.engine import Engine
from graph.config import Settings
from graph.store import get_store
from graph.vocab import PROV
from ingest.executors.process import ProcessWorkers
from ingest.pipeline import public_name
from tests.ingest.conftest import QUERIES, copy_corpus
from tests.ingest.faulty import DyingPreparer

pytestmark = pytest.mark.slow

MODES = {"inline": [], "processes": ["--workers", "2"], "dask": ["--scheduler"]}
INGEST_TIME = f"<{PROV.generatedAtTime}>"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real Dask cluster: a scheduler and two worker processes on loopback."""
    import dask
    from distributed import LocalCluster

    from ingest.executors.dask import WORKER_CONFIG

    # Started as bench/ingest.py starts it: with the Dask settings hankekg gives its workers
    # (read when the scheduler and the workers start).
    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster:
        yield str(cluster.scheduler_address)


def _ingest(home: Path, corpus: Path, *options: str) -> str:
    result = CliRunner().invoke(
        app, ["ingest", str(corpus), *options], env={"HANKEKG_HOME": str(home)}
    )
    # broken.txt fails (exit 3); everything else must be in.
    assert result.exit_code == 3, result.output
    return result.output


@pytest.fixture(scope="module")
def runs(
    corpus: Path, scheduler: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, str]]:
    """Home and CLI output of one ingest of the corpus in each mode."""
    out: dict[str, tuple[Path, str]] = {}
    for mode, options in MODES.items():
        home = tmp_path_factory.mktemp(f"home-{mode}")
        args = [*options, scheduler] if mode == "dask" else options
        out[mode] = (home, _ingest(home, corpus, *args))
    return out


def _quads(home: Path, with_time: bool = False) -> set[str]:
    """Every quad of the home, as N-Quads lines (ingest times left out unless asked)."""
    store = get_store(Settings(home=home))
    out = io.BytesIO()
    try:
        store.dump(out, "nquads")
    finally:
        store.close()
    lines = set(out.getvalue().decode("utf-8").splitlines())
    return {line for line in lines if with_time or INGEST_TIME not in line}


def _engine(home: Path) -> Engine:
    return Engine(Settings(home=home))


def test_every_mode_reports_the_same_documents(runs: dict[str, tuple[Path, str]]) -> None:
    for mode, (_, output) in runs.items():
        assert "added 8, replaced 0, unchanged 0, failed 1" in output, (mode, output)
        # The bad document costs one clear line, the same wherever it was prepared.
        assert output.count("skipped") == 1, (mode, output)
        assert "broken.txt" in output


def test_every_mode_writes_the_same_quads_apart_from_ingest_times(
    runs: dict[str, tuple[Path, str]],
) -> None:
    inline = _quads(runs["inline"][0])
    assert len(inline) > 500
    for mode in ("processes", "dask"):
        assert _quads(runs[mode][0]) == inline, mode


def test_every_mode_gives_the_same_chunks_ids_and_rankings(
    runs: dict[str, tuple[Path, str]],
) -> None:
    engines = {mode: _engine(home) for mode, (home, _) in runs.items()}
    try:
        inline = engines["inline"].snapshot
        assert inline is not None and inline.vector_count() > 20
        ids = {cid for e in inline.documents().values() for cid in e.chunk_ids}
        rankings = {
            # The ranking, not the match rule's line under it: the broad answer.
            q: [h.iri for h in services.search(engines["inline"], q, k=10, match="broad").results]
            for q in QUERIES
        }
        assert all(rankings.values())
        for mode in ("processes", "dask"):
            snapshot = engines[mode].snapshot
            assert snapshot is not None
            # Chunk ids come from commit order, never from which worker finished first.
            assert snapshot.get_chunks(ids) == inline.get_chunks(ids), mode
            assert snapshot.documents() == inline.documents(), mode
            keys, matrix = inline.centroid_matrix()
            other_keys, other = snapshot.centroid_matrix()
            assert other_keys == keys
            np.testing.assert_allclose(other, matrix, atol=1e-4)
            for query, expected in rankings.items():
                got = [
                    h.iri
                    for h in services.search(engines[mode], query, k=10, match="broad").results
                ]
                assert got == expected, (mode, query)
    finally:
        for engine in engines.values():
            engine.close()


def test_reingesting_on_the_cluster_changes_nothing(
    runs: dict[str, tuple[Path, str]], corpus: Path, scheduler: str
) -> None:
    home = runs["dask"][0]
    before = _quads(home, with_time=True)
    current = (home / "index" / "CURRENT").read_text()
    output = _ingest(home, corpus, "--scheduler", scheduler)
    assert "added 0, replaced 0, unchanged 8, failed 1" in output
    assert _quads(home, with_time=True) == before
    assert (home / "index" / "CURRENT").read_text() == current


def test_a_worker_that_dies_costs_only_its_own_document(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    keep = sorted(corpus.iterdir())[:2]
    for path in corpus.iterdir():
        if path not in keep:
            path.unlink()
    # Named to sort (and so be submitted) first: it kills its worker before any model
    # loads, and the two documents queued behind it on the broken pool are the ones
    # retried alone; models load once, on the pool that prepares them.
    poison_path = corpus / "000-poison.txt"
    poison_path.write_text(keep[0].read_text("utf-8") + "\nmyrkkyä\n", "utf-8")
    engine = _engine(tmp_path / "home")
    engine.preparer = DyingPreparer(engine.settings, reference=engine.reference)
    workers = ProcessWorkers(2)
    try:
        report = engine.ingest_paths([corpus], workers=workers)
    finally:
        workers.close()
        engine.close()
    # Documents are named relative to the folder given (no server path in the graph).
    poison = public_name(poison_path, [corpus])
    assert list(report.failed) == [poison]
    assert "worker process preparing it died" in report.failed[poison]
    assert sorted(report.added) == sorted(public_name(p, [corpus]) for p in keep)


def test_dask_workers_run_without_the_profiler_and_with_slow_housekeeping(
    scheduler: str,
) -> None:
    # Dask samples every running task's stack every 10 ms on the worker's event loop,
    # holding the GIL, and wakes that loop every 20-500 ms for housekeeping: connecting
    # for ingest stops the profiler and slows the rest on every worker.
    from ingest.executors.dask import PROFILER_CALLBACKS, QUIET_PERIODS_MS, DaskWorkers

    workers = DaskWorkers(scheduler)
    try:
        assert workers.size == 2
        left = workers.client.run(
            lambda dask_worker: (
                sorted(set(PROFILER_CALLBACKS) & set(dask_worker.periodic_callbacks)),
                {k: dask_worker.periodic_callbacks[k].callback_time for k in QUIET_PERIODS_MS},
            )
        )
        assert len(left) == 2
        for profiler, periods in left.values():
            assert profiler == []
            assert all(periods[k] >= QUIET_PERIODS_MS[k] for k in QUIET_PERIODS_MS), periods
    finally:
        workers.close()


def test_quiet_worker_slows_a_worker_started_without_hankekg_settings() -> None:
    # A deployed `dask worker` started without the DASK_* settings still gets them.
    import dask
    from distributed import LocalCluster

    from ingest.executors.dask import QUIET_PERIODS_MS, DaskWorkers

    dask_defaults = {
        "distributed.admin.tick.interval": "20ms",
        "distributed.admin.system-monitor.interval": "500ms",
        "distributed.worker.memory.monitor-interval": "100ms",
        "distributed.worker.profile.enabled": True,
    }
    with dask.config.set(dask_defaults):
        cluster = LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
        )
    with cluster:
        (worker,) = cluster.workers.values()
        assert worker.periodic_callbacks["tick"].callback_time < QUIET_PERIODS_MS["tick"]
        workers = DaskWorkers(cluster.scheduler_address)
        try:
            assert "profile" not in worker.periodic_callbacks
            for key, period in QUIET_PERIODS_MS.items():
                assert worker.periodic_callbacks[key].callback_time == period, key
        finally:
            workers.close()
