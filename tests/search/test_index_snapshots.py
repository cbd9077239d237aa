"""Snapshot checksums of the embedded index: corruption is refused, the previous good
snapshot is used, and recovery never commits a corrupt one (issue 11, item 8)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph.errors import CorruptIndex
from search.index import LocalIndex
from search.index.integrity import CHECKSUMS
from search.index.local import IndexState
from tests.search.index_contract import ENCODER, add, newest_segment, remove


def _home(tmp_path: Path) -> tuple[LocalIndex, dict[str, str]]:
    """An index with two committed snapshots: {a} then {a, b}; returns it and the graph."""
    index = LocalIndex(tmp_path / "index")
    a, _, _ = add(index, "a", 1)
    b, _, _ = add(index, "b", 2)
    return index, {a: "sha-a", b: "sha-b"}


def _current(index: LocalIndex) -> Path:
    name = index.state.current_name()
    assert name is not None
    return index.state.snapshots / name


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize(
    "part",
    [
        "vectors.faiss",
        "centroids.npz",
        "terms.npz",
        "documents.json",
        f"segment {CHECKSUMS}",
        "manifest.json",
        CHECKSUMS,
    ],
)
def test_truncated_snapshot_file_is_refused_on_open(tmp_path: Path, part: str) -> None:
    index, _ = _home(tmp_path)
    folder = _current(index)
    if part in ("manifest.json", CHECKSUMS):
        target = folder / part
    else:  # a file of the segment the last commit wrote
        target = newest_segment(folder) / part.removeprefix("segment ")
    _truncate(target)
    with pytest.raises(CorruptIndex, match=folder.name):
        IndexState(index.state.root).load(folder.name)


def test_chunks_jsonl_cut_at_a_line_boundary_is_refused(tmp_path: Path) -> None:
    index, _ = _home(tmp_path)
    chunks = newest_segment(_current(index)) / "chunks.jsonl"
    lines = chunks.read_text("utf-8").splitlines(keepends=True)
    chunks.write_text("".join(lines[:-2]), "utf-8")  # still valid JSON lines
    with pytest.raises(CorruptIndex, match="chunks.jsonl"):
        IndexState(index.state.root).load_current()


def test_corrupt_current_snapshot_falls_back_to_the_previous_good_one(tmp_path: Path) -> None:
    index, graph = _home(tmp_path)
    broken = _current(index)
    _truncate(newest_segment(broken) / "vectors.faiss")
    reopened = LocalIndex(index.state.root)
    missing = reopened.recover(graph)
    # the previous snapshot holds {a}: it is current again and the caller rebuilds
    assert missing is None
    assert not broken.exists(), "the corrupt snapshot is out of the way"
    assert (index.state.root / "quarantine" / broken.name).is_dir(), "kept, not deleted"
    view = reopened.view()
    assert view is not None
    assert set(view.documents()) == {"http://example.org/id/document/a"}


def test_deleting_current_does_not_recommit_a_corrupt_snapshot(tmp_path: Path) -> None:
    index, graph = _home(tmp_path)
    broken = _current(index)
    _truncate(newest_segment(broken) / "chunks.jsonl")
    (index.state.root / "CURRENT").unlink()
    reopened = LocalIndex(index.state.root)
    assert reopened.recover(graph) is None
    assert reopened.state.current_name() != broken.name
    assert not broken.exists()
    assert (index.state.root / "quarantine" / broken.name).is_dir()


def test_deleting_current_recommits_a_good_matching_snapshot(tmp_path: Path) -> None:
    index, graph = _home(tmp_path)
    name = index.state.current_name()
    (index.state.root / "CURRENT").unlink()
    reopened = LocalIndex(index.state.root)
    assert reopened.recover(graph) == set()
    assert reopened.state.current_name() == name


def test_failed_snapshot_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, _ = _home(tmp_path)
    before = sorted(os.listdir(index.state.snapshots))

    def disk_full(directory: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("search.index.snapshot.write_checksums", disk_full)
    with pytest.raises(OSError):
        add(index, "c", 3)
    assert sorted(os.listdir(index.state.snapshots)) == before
    monkeypatch.undo()
    add(index, "c", 3)  # writes work again once the cause is gone


def test_failed_graph_write_deletes_the_staged_snapshot(tmp_path: Path) -> None:
    index, _ = _home(tmp_path)
    before = sorted(os.listdir(index.state.snapshots))
    writer = index.writer(ENCODER)
    try:
        writer.remove_document("http://example.org/id/document/a")
        with pytest.raises(RuntimeError):
            writer.commit(lambda: (_ for _ in ()).throw(RuntimeError("store down")))
    finally:
        writer.close()
    assert sorted(os.listdir(index.state.snapshots)) == before
    remove(index, "http://example.org/id/document/a")


def test_engine_opens_over_a_truncated_index_and_rebuilds_it_from_the_graph(
    tmp_path: Path,
) -> None:
    from api import services
    from api.engine import Engine
    from tests.conftest import SEEDS, make_settings

    engine = Engine(make_settings(tmp_path))
    engine.ingest_paths([SEEDS])
    documents = set(engine.store.documents())
    state = engine.index.state  # type: ignore[attr-defined]
    engine.close()
    folder = state.snapshots / state.current_name()
    _truncate(newest_segment(folder) / "vectors.faiss")
    for older in state.names():  # no good snapshot to fall back on either
        if older != folder.name:
            _truncate(newest_segment(state.snapshots / older) / "chunks.jsonl")
    reopened = Engine(make_settings(tmp_path))
    try:
        view = reopened.snapshot
        assert view is not None and set(view.documents()) == documents
        assert services.search(reopened, "kuntoutus").results
    finally:
        reopened.close()
