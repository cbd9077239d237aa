"""The executor protocol: where the pure prepare stage runs.

Every implementation hands out :class:`concurrent.futures.Future` objects, so
the pipeline (``ingest/pipeline.py``) is one piece of code whether documents are
prepared inline, in a local process pool or on a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol


class Workers(Protocol):
    """A pool that runs prepare tasks and can be restarted after a crash."""

    name: str
    """``inline``, ``processes`` or ``dask``: for progress lines and benchmarks."""

    @property
    def size(self) -> int:
        """How many tasks run at once now (the pipeline keeps a few times this in flight)."""
        ...

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """Schedule ``fn(*args)``; its result or exception arrives in the future."""
        ...

    def restart(self) -> None:
        """Replace a pool that a dead worker broke (a no-op where the pool heals itself)."""
        ...

    def close(self) -> None:
        """Stop the workers this object started (never a cluster it only connected to)."""
        ...
