"""Prepare on a Dask distributed cluster (``hankekg ingest --scheduler tcp://HOST:PORT``).

Tasks go through ``Client.get_executor()``, a ``concurrent.futures`` executor,
so the pipeline treats a cluster like any other pool. Dask reschedules the
tasks of a worker that dies; a document whose task keeps killing workers fails
alone with ``KilledWorker``. Results are not retried on other errors.

On connecting, the client turns off each worker's statistical profiler
(:class:`NoProfiler`). Dask samples the stack of every running task every 10 ms
on the worker's event loop, twice per sample, holding the GIL while it walks
the frames: a tax on extraction, which is Python (spaCy, the rules) with stacks
dozens of frames deep, that a local process pool does not pay. Ingest never
reads those profiles. :data:`WORKER_CONFIG` is the same setting for workers
hankekg starts itself (benchmarks, tests).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin

if TYPE_CHECKING:
    from distributed import Worker

#: Dask configuration for ingest workers that hankekg starts itself (``dask.config.set``).
WORKER_CONFIG: dict[str, Any] = {"distributed.worker.profile.enabled": False}

#: The worker's periodic callbacks that sample and roll up task profiles.
PROFILER_CALLBACKS = ("profile", "profile-cycle")


class NoProfiler(WorkerPlugin):
    """Stops a worker's statistical task profiler (on every worker, present and future)."""

    name = "hankekg-no-profiler"
    idempotent = True

    def setup(self, worker: Worker) -> None:
        """Stop and drop the profiler's periodic callbacks."""
        for key in PROFILER_CALLBACKS:
            callback = worker.periodic_callbacks.pop(key, None)
            if callback is not None:
                callback.stop()


class DaskWorkers:
    """A client of a running Dask scheduler."""

    name = "dask"

    def __init__(self, address: str, *, timeout_s: float = 30) -> None:
        from distributed import Client

        self.address = address
        #: The ``distributed.Client`` (for benchmarks: ``client.run`` on every worker).
        self.client = Client(address, timeout=timeout_s, set_as_default=False)
        threads = self.client.nthreads()
        self.size = max(1, sum(threads.values()))
        self.client.register_plugin(NoProfiler())
        # Pure tasks: a task a dead worker took down is rerun elsewhere.
        self._executor = self.client.get_executor(pure=False, retries=0)

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
