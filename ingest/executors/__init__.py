"""Executor registry: inline by default, a process pool, or a Dask cluster.

``open_workers(workers=N)`` gives a local pool of ``N`` processes,
``open_workers(scheduler="tcp://HOST:PORT")`` a Dask cluster; both imports are
lazy, and a missing ``distributed`` package gives a clear error.
"""

from __future__ import annotations

from ingest.executors.base import Workers
from ingest.executors.inline import InlineWorkers


def open_workers(workers: int = 0, scheduler: str | None = None) -> Workers:
    """The executor for a run: ``scheduler`` wins over ``workers``; neither is inline.

    Raises:
        ValueError: ``workers`` is negative.
        ImportError: a scheduler was named but Dask's ``distributed`` is missing.
    """
    if scheduler:
        try:
            from ingest.executors.dask import DaskWorkers
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("dask is not installed: pip install 'dask[distributed]'") from exc
        return DaskWorkers(scheduler)
    if workers < 0:
        raise ValueError(f"--workers must be 0 or more, not {workers}")
    if workers >= 1:
        from ingest.executors.process import ProcessWorkers

        return ProcessWorkers(workers)
    return InlineWorkers()


__all__ = ["InlineWorkers", "Workers", "open_workers"]
