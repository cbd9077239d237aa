"""The embedded store's query workers: one that dies while starting is replaced, not fatal.

Regression: ``prestart`` raised ``EOFError`` (and took the app's startup down, as
it did in a benchmark process) when a worker exited before saying it was ready:
``poll()`` is true at end of file, and ``recv()`` then raises.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from graph.store import sandbox
from graph.store.base import Job
from graph.store.oxigraph import OxigraphStore
from graph.store.results import JSON


def test_a_worker_dying_before_it_is_ready_does_not_break_prestart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = OxigraphStore(tmp_path / "store")
    runner = store.query_runner(tmp_path / "snapshots", 2)
    original = sandbox._Worker.__init__
    killed: list[object] = []

    def dies_at_once(self: sandbox._Worker, context: object) -> None:
        original(self, context)
        if not killed:
            self.process.kill()
            self.process.join(timeout=10)
            killed.append(self)

    monkeypatch.setattr(sandbox._Worker, "__init__", dies_at_once)
    try:
        runner.prestart()
        monkeypatch.undo()
        assert killed
        job = Job(query="ASK { }", select_media=JSON, graph_media=None, max_rows=10)
        for _ in range(3):  # more queries than live workers: a new one is started
            outcome = runner.run(job, object(), 60)
            assert orjson.loads(outcome.body)["boolean"] is True
    finally:
        runner.close()
        store.close()
