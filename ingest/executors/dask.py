"""Prepare on a Dask distributed cluster (``hankekg ingest --scheduler tcp://HOST:PORT``).

Tasks go through ``Client.get_executor()``, a ``concurrent.futures`` executor,
so the pipeline treats a cluster like any other pool. Dask reschedules the
tasks of a worker that dies; a document whose task keeps killing workers fails
alone with ``KilledWorker``. Results are not retried on other errors.

On connecting, the client quiets each worker's housekeeping (:class:`QuietWorker`),
which ingest never reads and which a local process pool does not pay for:

- the statistical profiler samples the stack of every running task every 10 ms
  on the worker's event loop, twice per sample, holding the GIL while it walks
  the frames: a tax on extraction, which is Python (spaCy, the rules) with
  stacks dozens of frames deep. It is stopped.
- the event-loop watchdog (``tick``, every 20 ms), the system monitor (psutil,
  every 500 ms, for the dashboard) and the memory monitor (every 100 ms) wake
  the event loop, which then takes the GIL from the task thread. An idle
  2-worker LocalCluster spent 14 % of a core on them (``docs/PERFORMANCE.md``);
  they are slowed to :data:`QUIET_PERIODS_MS`.

:data:`WORKER_CONFIG` is the same as Dask configuration, for the clusters hankekg
starts itself (benchmarks, tests: their scheduler and nannies read it too) and,
as ``DASK_*`` variables (:func:`config_env`), for ``dask scheduler`` and
``dask worker`` in a deployment (``docs/DEPLOY.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin

if TYPE_CHECKING:
    from distributed import Worker

#: The worker's periodic callbacks that sample and roll up task profiles (stopped).
PROFILER_CALLBACKS = ("profile", "profile-cycle")

#: The worker's housekeeping callbacks ingest slows down, and their new period (ms).
QUIET_PERIODS_MS: dict[str, float] = {"tick": 1000, "monitor": 5000, "memory_monitor": 1000}

#: Dask configuration for ingest clusters hankekg starts itself (``dask.config.set``),
#: the same settings :class:`QuietWorker` applies to a running worker.
WORKER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": f"{QUIET_PERIODS_MS['tick']:.0f}ms",
    "distributed.admin.system-monitor.interval": f"{QUIET_PERIODS_MS['monitor']:.0f}ms",
    "distributed.worker.memory.monitor-interval": f"{QUIET_PERIODS_MS['memory_monitor']:.0f}ms",
}


def config_env(config: dict[str, Any] | None = None) -> dict[str, str]:
    """``config`` (default :data:`WORKER_CONFIG`) as the ``DASK_*`` environment variables
    that ``dask scheduler`` and ``dask worker`` read at start."""
    out: dict[str, str] = {}
    for key, value in (WORKER_CONFIG if config is None else config).items():
        name = "DASK_" + "__".join(part.upper().replace("-", "_") for part in key.split("."))
        out[name] = str(value)
    return out


class QuietWorker(WorkerPlugin):
    """Stops a worker's task profiler and slows its housekeeping (every worker, present
    and future)."""

    name = "hankekg-quiet-worker"
    idempotent = True

    def setup(self, worker: Worker) -> None:
        """Stop the profiler's callbacks; lengthen the housekeeping periods."""
        for key in PROFILER_CALLBACKS:
            callback = worker.periodic_callbacks.pop(key, None)
            if callback is not None:
                callback.stop()
        for key, period_ms in QUIET_PERIODS_MS.items():
            callback = worker.periodic_callbacks.get(key)
            # Tornado reads the period when it schedules the next run: no restart needed.
            if callback is not None and callback.callback_time < period_ms:
                callback.callback_time = period_ms


class DaskWorkers:
    """A client of a running Dask scheduler."""

    name = "dask"

    def __init__(self, address: str, *, timeout_s: float = 30) -> None:
        from distributed import Client

        self.address = address
        #: The ``distributed.Client`` (for benchmarks: ``client.run`` on every worker).
        self.client = Client(address, timeout=timeout_s, set_as_default=False)
        self.client.register_plugin(QuietWorker())
        # Pure tasks: a task a dead worker took down is rerun elsewhere.
        self._executor = self.client.get_executor(pure=False, retries=0)

    @property
    def size(self) -> int:
        """The cluster's worker threads now (workers join and leave while a client runs)."""
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """Schedule ``fn(*args)`` on the cluster."""
        future: Future[Any] = self._executor.submit(fn, *args)
        return future

    def restart(self) -> None:
        """Nothing to do: the scheduler replaces dead workers' tasks itself."""

    def close(self) -> None:
        """Disconnect; the cluster keeps running for its other clients."""
        self._executor.shutdown(wait=False)
        self.client.close()
