"""Preparers that misbehave on purpose, importable by spawned worker processes.

They stand in for a document whose NLP takes minutes, and for one that kills the
process preparing it (a segfault in a native library); both are otherwise the real
:class:`~ingest.prepare.Preparer`.
"""

from __future__ import annotations

import os
import threading

from ingest.prepare import Prepared, Preparer, Source


class DyingPreparer(Preparer):
    """Kills its worker process on a document whose name contains ``poison``."""

    def prepare(self, source: Source) -> Prepared:
        if "poison" in source.name:
            os._exit(13)
        return super().prepare(source)


class GatedPreparer(Preparer):
    """Holds a document whose name contains ``large`` until :attr:`release` is set."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.entered = threading.Event()
        self.release = threading.Event()

    def prepare(self, source: Source) -> Prepared:
        if "large" in source.name:
            self.entered.set()
            assert self.release.wait(120), "the test never released the large document"
        return super().prepare(source)
