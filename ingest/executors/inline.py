"""Prepare in the calling thread: the default, and the baseline the others must match."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class InlineWorkers:
    """Runs each task when it is submitted; the future is already done."""

    name = "inline"
    size = 1

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` now."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, as a pool would
            future.set_exception(exc)
        return future

    def restart(self) -> None:
        """Nothing to restart."""

    def close(self) -> None:
        """Nothing to stop."""
