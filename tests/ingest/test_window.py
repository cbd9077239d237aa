"""Regression: a Dask cluster whose workers were still joining when ingest connected
reported one worker thread, and the pipeline's window, sized from that count, was one
document deep: the whole run was prepared one document at a time, with every worker
but one idle. The window now depends on where prepare runs (inline or not), not on
how many workers there are at the start."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api.engine import Engine
from tests.conftest import SEEDS, make_settings


class HeldThreads:
    """A real one-thread pool whose tasks wait for :attr:`gate` before running."""

    name = "threads"
    size = 1

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.submitted = 0
        self._pool = ThreadPoolExecutor(1)

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        self.submitted += 1

        def held() -> Any:
            assert self.gate.wait(120), "the test never opened the gate"
            return fn(*args)

        return self._pool.submit(held)

    def restart(self) -> None:
        """Nothing breaks a thread pool."""

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def test_a_pool_reporting_one_worker_still_gets_more_than_one_document_in_flight(
    tmp_path: Path,
) -> None:
    engine = Engine(make_settings(tmp_path / "home"))
    workers = HeldThreads()
    documents = sorted(SEEDS.iterdir())
    assert len(documents) >= 2
    reports: list[Any] = []
    thread = threading.Thread(
        target=lambda: reports.append(engine.ingest_paths([SEEDS], workers=workers))
    )
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while workers.submitted < len(documents) and time.monotonic() < deadline:
            time.sleep(0.05)
        # A window of one would wait on the first (held) document before submitting more.
        assert workers.submitted == len(documents)
    finally:
        workers.gate.set()
        thread.join(300)
        workers.close()
    assert reports and not reports[0].failed
    assert len(reports[0].added) == len(documents)
    engine.close()
