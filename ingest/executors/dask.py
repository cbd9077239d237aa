"""Prepare on a Dask distributed cluster (``hankekg ingest --scheduler tcp://HOST:PORT``).

Tasks go through ``Client.get_executor()``, a ``concurrent.futures`` executor,
so the pipeline treats a cluster like any other pool. Dask reschedules the
tasks of a worker that dies; a document whose task keeps killing workers fails
alone with ``KilledWorker``. Results are not retried on other errors.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


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
