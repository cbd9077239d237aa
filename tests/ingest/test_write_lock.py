"""Regression (issue 11, item 10): a small upload waited 109 s behind a 1 MB one,
because the write lock was held through extraction and embedding. Only the commit
holds it now."""

from __future__ import annotations

import threading
from pathlib import Path

from api.engine import Engine
from ingest.commit import Writer
from tests.conftest import SEEDS, make_settings
from tests.ingest.faulty import GatedPreparer


def test_small_upload_is_not_held_behind_a_large_documents_nlp(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path / "home"))
    gated = GatedPreparer(engine.settings, reference=engine.reference)
    engine.preparer = gated
    large, small = sorted(SEEDS.iterdir())
    errors: list[BaseException] = []

    def upload_large() -> None:
        try:
            engine.ingest_bytes(large.read_bytes(), name="large.txt")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=upload_large)
    thread.start()
    try:
        assert gated.entered.wait(60), "the large document never started preparing"
        # The large document is mid-NLP; the small one prepares and commits meanwhile.
        report = engine.ingest_bytes(small.read_bytes(), name="small.txt")
        assert report.added == ["small.txt"]
        assert thread.is_alive(), "the large document was not held (the test proves nothing)"
        assert engine.snapshot is not None
        assert {e.path for e in engine.snapshot.documents().values()} == {"small.txt"}
    finally:
        gated.release.set()
        thread.join(120)
    assert not errors, errors
    assert engine.snapshot is not None
    paths = {e.path for e in engine.snapshot.documents().values()}
    assert paths == {"small.txt", "large.txt"}
    assert engine.store.documents().keys() == engine.snapshot.documents().keys()
    engine.close()


def test_the_writer_lock_is_free_while_documents_prepare(tmp_path: Path) -> None:
    """The lock a commit takes is the writer's, and nothing holds it during prepare."""
    engine = Engine(make_settings(tmp_path / "home"))
    gated = GatedPreparer(engine.settings, reference=engine.reference)
    engine.preparer = gated
    large = sorted(SEEDS.iterdir())[0]
    thread = threading.Thread(
        target=engine.ingest_bytes, args=(large.read_bytes(),), kwargs={"name": "large.txt"}
    )
    thread.start()
    try:
        assert gated.entered.wait(60)
        assert isinstance(engine.writer, Writer)
        assert engine.writer.lock.acquire(timeout=1), "prepare held the write lock"
        engine.writer.lock.release()
    finally:
        gated.release.set()
        thread.join(120)
    engine.close()
