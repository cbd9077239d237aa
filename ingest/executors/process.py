"""Prepare in a local pool of worker processes (``hankekg ingest --workers N``).

Workers are started with ``spawn``: a forked child would inherit the parent's
encoder thread pool and RocksDB handles, and a thread pool inherited across a
fork can deadlock. Each worker loads the models on its first task and keeps
them (see :func:`ingest.prepare.prepare_task`).

Each worker gets an equal share of the cores for its numeric libraries
(``OMP_NUM_THREADS`` and friends, set before any model loads), as Dask's nanny
does for its workers: N processes that each start one thread per core would
fight over the same cores.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any


class ProcessWorkers:
    """A ``ProcessPoolExecutor`` of ``size`` spawned processes."""

    name = "processes"

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        threads = max(1, (os.cpu_count() or 1) // self.size)
        return ProcessPoolExecutor(
            max_workers=self.size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_share_cores,
            initargs=(threads,),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """Schedule ``fn(*args)`` on a worker process."""
        return self._pool.submit(fn, *args)

    def restart(self) -> None:
        """A worker that died broke the pool (every pending future fails): start a new one."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._start()

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.shutdown(wait=True, cancel_futures=True)


#: Thread-count variables of the numeric libraries the encoders use.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _share_cores(threads: int) -> None:
    """Runs first in each worker: cap its numeric threads unless the user set them."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
