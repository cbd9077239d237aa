"""A home opened for writing only: the graph store, the index and the single writer.

``hankekg reindex`` and ``hankekg verify`` use it instead of the engine,
because they must work when the index is corrupt, and opening the engine runs
recovery (which repairs, and so would hide what ``verify`` is asked to find).
Nothing here reads the index until asked to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graph.config import Settings
from graph.errors import NotFound
from graph.store import get_store
from ingest.commit import Writer
from ingest.executors import Workers
from ingest.feed import feed_for
from ingest.home_check import check_home
from ingest.pipeline import Progress
from ingest.prepare import Preparer, build_preparer
from ingest.reindex import rebuild_index
from search.encoders import fingerprint
from search.index import EncoderIdentity, get_index


class WriteHome:
    """The store, the index, a preparer and the single writer over one home."""

    def __init__(self, settings: Settings) -> None:
        if settings.graph_backend == "oxigraph" and not settings.store_path.exists():
            raise NotFound(f"no store under HANKEKG_HOME={settings.home}")
        check_home(settings)
        self.settings = settings
        self.store = get_store(settings)
        self.index = get_index(settings)
        self.preparer: Preparer = build_preparer(settings)
        self.writer = Writer(self.store, self.index, self._identity, self._rebuild)
        # A reindex from here is recorded, so running replicas rebuild their tables.
        self.writer.feed = feed_for(self.index, settings.home)

    def _identity(self) -> EncoderIdentity:
        encoder = self.preparer.encoder
        return EncoderIdentity(encoder.name, encoder.dim, fingerprint(encoder))

    def _rebuild(self, only: set[str] | None) -> None:
        rebuild_index(self.store, self.preparer, self.writer, only=only)

    def reindex(self, progress: Progress | None = None, workers: Workers | None = None) -> int:
        """Rebuild the index from the graph; returns the number of documents indexed."""
        return rebuild_index(self.store, self.preparer, self.writer, workers, progress)

    def close(self) -> None:
        """Flush the store and release the index."""
        self.store.close()
        self.index.close()


@contextmanager
def open_home(settings: Settings) -> Iterator[WriteHome]:
    """Open ``settings.home`` for writing, and close it again."""
    home = WriteHome(settings)
    try:
        yield home
    finally:
        home.close()
