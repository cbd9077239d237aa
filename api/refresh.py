"""Derived tables rebuilt in the background after a write, not by the next search.

Every cache of derived data (facet table, filter sets, chunk groups, centroids)
is keyed by the data version, so the first search after any write, through this
process or through another replica, used to rebuild them all while its user
waited: 5 to 9 s at N = 10,000. A :class:`Refresher` polls the version every
``HANKEKG_REFRESH_INTERVAL_S`` seconds and, once it has stayed the same for one
interval (so a burst of commits costs one rebuild, not one each), calls
:meth:`api.engine.Engine.refresh`. A search that comes first still builds what
it needs, once, under the engine's lock; the refresher then finds it built.

The graph tables (facets, filters, neighbours) are patched from the change feed
(:mod:`search.derived`) rather than rebuilt, so a refresh costs what the writes
changed; the index's per-version tables are still derived again.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.engine import Engine

logger = logging.getLogger(__name__)


class Refresher:
    """A daemon thread that keeps one engine's derived tables current; a context manager."""

    def __init__(self, engine: Engine, interval_s: float) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self.refreshes = 0
        """How many rebuilds have run (for tests and logs)."""
        self.refreshed = threading.Event()
        """Set after each rebuild."""
        self._built: object | None = None
        self._seen: object | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hankekg-refresh", daemon=True)

    def start(self) -> Refresher:
        """Start polling (the current version counts as built: the engine was warmed up)."""
        self._built = self._seen = self._version()
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop polling; a rebuild under way finishes first."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> Refresher:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    def poll(self) -> bool:
        """One look at the data version: rebuild if it changed and then held still
        since the last look. Returns whether a rebuild ran."""
        version = self._version()
        settled = version is not None and version == self._seen and version != self._built
        self._seen = version
        if not settled:
            return False
        try:
            self.engine.refresh()
        except Exception:  # the next search builds what is missing
            logger.exception("background refresh of the derived tables failed")
            return False
        self._built = version
        self.refreshes += 1
        self.refreshed.set()
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll()

    def _version(self) -> object | None:
        try:
            return self.engine.data_version()
        except Exception:  # a store or database down: the requests report it
            logger.warning("could not read the data version", exc_info=True)
            return None
