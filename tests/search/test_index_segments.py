"""The embedded index in segments (issue 27): a commit writes what it changed, and the
segments plus tombstones answer every query as one index built whole from the same
chunks would (dense and BM25 results, scores included, postings, terms, counts)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import CorruptIndex
from search.analysis import default_analyzer
from search.index import Chunk, DocumentEntry, LocalIndex
from search.index.integrity import write_checksums
from search.index.manifest import Manifest, MergePolicy
from search.index.snapshot import Snapshot
from search.lexical import LexicalIndex
from search.vectors.faiss import FaissVectors
from tests.search.index_contract import (
    DIM,
    ENCODER,
    add,
    assert_bm25,
    newest_segment,
    reference_bm25,
)

#: Words of very different frequencies (the first fall in most chunks), and a
#: compound whose parts are terms of their own.
POOL = ["hanke", "kuntoutus", "nuori", "omaishoitaja", "vertaistuki", "päihdetyö", "lapsi"]
#: Merges never (tombstones and many segments), by the book, or at every commit.
POLICIES = [
    MergePolicy(tail_ratio=1e9, dead_ratio=1.0, factor=0.0, max_segments=1000),
    MergePolicy(tail_ratio=1.0, dead_ratio=0.25, factor=2.0, max_segments=4),
    MergePolicy(tail_ratio=0.0, dead_ratio=0.0),
]


def _document(name: str, seed: int, n: int, ids: list[int]) -> tuple[list[Chunk], np.ndarray]:
    rng = np.random.default_rng(seed)
    iri = f"http://example.org/id/document/{name}"
    project = f"http://example.org/id/project/{seed % 3}" if seed % 2 else None
    chunks = []
    for i, cid in enumerate(ids):
        words = rng.choice(
            POOL, size=int(rng.integers(1, 6)), p=[0.3, 0.2, 0.15, 0.1, 0.1, 0.1, 0.05]
        )
        chunks.append(
            Chunk(cid, iri, project, 0, 9, "fi", "body" if i else "title", " ".join(words))
        )
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return chunks, vectors


class Mirror:
    """What the index should hold: every live document's chunks and vectors."""

    def __init__(self) -> None:
        self.docs: dict[str, tuple[DocumentEntry, list[Chunk], np.ndarray]] = {}

    def whole(self) -> Snapshot:
        """One snapshot built whole from the live chunks (one segment, no tombstones)."""
        snapshot = Snapshot.empty(ENCODER.name, ENCODER.dim, ENCODER.fingerprint)
        for iri, (entry, chunks, vectors) in self.docs.items():
            copy = DocumentEntry(entry.sha256, entry.path, [], list(entry.projects))
            snapshot.add_document(iri, copy, chunks, vectors)
        return snapshot


def _commit(index: LocalIndex, mirror: Mirror, changes: list[tuple[str, str, int, int]]) -> None:
    """One writer commit of ``changes``: ``("add", name, seed, n)`` adds a document of
    ``n`` chunks (or a new version of it), ``("remove", name, ...)`` removes one."""
    writer = index.writer(ENCODER)
    try:
        for op, name, seed, n in changes:
            iri = f"http://example.org/id/document/{name}"
            if op == "remove":
                writer.remove_document(iri)
                mirror.docs.pop(iri, None)
                continue
            chunks, vectors = _document(name, seed, n, writer.allocate_ids(n))
            entry = DocumentEntry(f"sha-{seed}", f"{name}.txt", [], [])
            if chunks[0].project:
                entry.projects = [chunks[0].project]
            writer.add_document(iri, entry, chunks, vectors)
            mirror.docs[iri] = (entry, chunks, vectors)
        writer.commit()
    finally:
        writer.close()


def _write(index: LocalIndex, mirror: Mirror, name: str, seed: int, n: int) -> None:
    _commit(index, mirror, [("add", name, seed, n)])


def _remove(index: LocalIndex, mirror: Mirror, name: str) -> None:
    _commit(index, mirror, [("remove", name, 0, 0)])


def assert_same(view: Snapshot, whole: Snapshot, seed: int, bm25s: bool = False) -> None:
    """``view`` answers every query as ``whole`` does (and scores as bm25s itself does
    over the same chunks, with ``bm25s``)."""
    assert {k: (e.sha256, e.chunk_ids) for k, e in view.documents().items()} == {
        k: (e.sha256, e.chunk_ids) for k, e in whole.documents().items()
    }
    assert view.chunks == whole.chunks
    assert view.vector_count() == whole.vector_count() == len(whole.chunks)
    assert view.stored_ids() == {name: set(whole.chunks) for name in whole.stored_ids()}
    lexical, reference = view.lexical_index(), whole.lexical_index()
    assert len(lexical) == len(reference) and lexical.ids == reference.ids
    rng = np.random.default_rng(seed)
    ids = sorted(whole.chunks)
    allowed = {int(i) for i in rng.choice(ids, size=len(ids) // 2, replace=False)} if ids else set()
    analyzer = default_analyzer()
    for word in [*POOL, "hanke lapsi", "tuntematon"]:
        terms = analyzer.analyze(word, "fi")
        for term in terms:
            assert view.has_term(term) == whole.has_term(term), term
        # bm25s itself over the live chunks: the scores a whole rebuild gave before segments
        known = bm25s and any(whole.has_term(t) for t in terms)  # bm25s refuses no terms
        bm25s_scores = reference_bm25([whole.chunks[i] for i in ids], terms) if known else {}
        for subset in (None, allowed):
            assert view.chunks_with(terms, subset) == whole.chunks_with(terms, subset)
            assert view.count_with(terms, subset) == len(whole.chunks_with(terms, subset))
            among = set(ids[::3])
            assert (
                view.chunks_with(terms, subset, among) == whole.chunks_with(terms, subset) & among
            )
            full = dict(whole.lexical_search(terms, len(ids) + 1, subset))
            reference = {c: v for c, v in bm25s_scores.items() if subset is None or c in subset}
            for k in (1, 3, len(ids) + 1):
                assert_bm25(view.lexical_search(terms, k, subset), full, k)
                if known:
                    assert_bm25(view.lexical_search(terms, k, subset), reference, k)
    for _ in range(3):
        query = rng.normal(size=DIM).astype(np.float32)
        for subset in (None, allowed):
            for k in (1, 4, len(ids) + 1):
                got, want = (
                    view.dense_search(query, k, subset),
                    whole.dense_search(query, k, subset),
                )
                assert [c for c, _ in got] == [c for c, _ in want]
                assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5)
    centroids, expected = view.centroids(), whole.centroids()
    assert set(centroids) == set(expected)
    for key, vector in expected.items():
        np.testing.assert_allclose(centroids[key], vector, atol=1e-5)


#: Commits of one to three changes each: add (or replace) or remove one of six documents.
COMMITS = st.lists(
    st.lists(
        st.tuples(st.sampled_from(["add", "add", "remove"]), st.integers(0, 5), st.integers(1, 4)),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(commits=COMMITS, policy=st.sampled_from(POLICIES))
def test_segments_answer_as_an_index_built_whole(
    tmp_path_factory: pytest.TempPathFactory,
    commits: list[list[tuple[str, int, int]]],
    policy: MergePolicy,
) -> None:
    root = tmp_path_factory.mktemp("segments") / "index"
    index = LocalIndex(root, policy)
    mirror = Mirror()
    for step, changes in enumerate(commits):
        _commit(
            index,
            mirror,
            [(op, f"d{name}", step * 7 + name, n) for op, name, n in changes],
        )
        view = index.view()
        assert view is not None
        assert len(view.segments) <= max(policy.max_segments, 1)
        assert set(view.deleted) <= {s.name for s in view.segments}
        assert_same(view, mirror.whole(), step)
    reopened = LocalIndex(root, policy)  # the same from the files
    view = reopened.view()
    assert view is not None
    assert_same(view, mirror.whole(), 99, bm25s=True)


def test_a_segment_that_cannot_be_linked_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = LocalIndex(tmp_path / "index", POLICIES[0])
    mirror = Mirror()
    _write(index, mirror, "a", 1, 3)

    def cross_device(*_: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    _write(index, mirror, "b", 2, 3)
    monkeypatch.undo()
    current = index.state.snapshots / str(index.version())
    assert len(list((current / "segments").iterdir())) == 2
    assert_same(LocalIndex(index.state.root).view(), mirror.whole(), 3)  # type: ignore[arg-type]


def test_a_one_document_commit_writes_one_small_segment_and_links_the_rest(
    tmp_path: Path,
) -> None:
    index = LocalIndex(tmp_path / "index")
    mirror = Mirror()
    writer = index.writer(ENCODER)
    for i in range(40):  # the base: one commit of forty documents
        chunks, vectors = _document(f"d{i}", i, 4, writer.allocate_ids(4))
        writer.add_document(chunks[0].document, DocumentEntry(f"sha-{i}", "x", []), chunks, vectors)
    writer.commit()
    writer.close()
    base = index.state.snapshots / str(index.version())
    _write(index, mirror, "new", 1000, 2)
    current = index.state.snapshots / str(index.version())
    (base_segment,) = (base / "segments").iterdir()
    shared = current / "segments" / base_segment.name
    for name in ("chunks.jsonl", "vectors.faiss", "terms.npz", "CHECKSUMS"):
        assert os.path.samefile(shared / name, base_segment / name), "linked, not rewritten"
    new = newest_segment(current)
    assert new != shared and len((new / "chunks.jsonl").read_text().splitlines()) == 2
    record = json.loads((current / "CHECKSUMS").read_text())["files"]
    assert f"segments/{base_segment.name}/chunks.jsonl" not in record, "not hashed again"
    assert f"segments/{base_segment.name}/CHECKSUMS" in record


def test_the_writer_forks_the_published_view_instead_of_reading_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = LocalIndex(tmp_path / "index")
    mirror = Mirror()
    _write(index, mirror, "a", 1, 3)
    assert index.view() is not None

    def no_reads(directory: Path) -> Snapshot:
        raise AssertionError(f"read {directory} from disk")

    monkeypatch.setattr(Snapshot, "read", no_reads)
    _write(index, mirror, "b", 2, 3)
    _remove(index, mirror, "a")
    monkeypatch.undo()
    assert_same(LocalIndex(index.state.root).view(), mirror.whole(), 0)  # type: ignore[arg-type]


def test_a_damaged_shared_segment_damages_every_snapshot_holding_it(tmp_path: Path) -> None:
    never = POLICIES[0]
    index = LocalIndex(tmp_path / "index", never)
    a, _, _ = add(index, "a", 1)
    b, _, _ = add(index, "b", 2)
    older, current = index.state.names()
    shared = index.state.snapshots / older / "segments"
    (first,) = shared.iterdir()
    chunks = first / "chunks.jsonl"
    chunks.write_bytes(chunks.read_bytes()[:5])
    for name in (older, current):
        with pytest.raises(CorruptIndex, match="chunks.jsonl"):
            index.state.load(name)
    reopened = LocalIndex(index.state.root, never)
    assert reopened.recover({a: "sha-a", b: "sha-b"}) is None  # the engine rebuilds
    assert sorted(p.name for p in (index.state.root / "quarantine").iterdir()) == [older, current]


def _legacy_snapshot(folder: Path, mirror: Mirror) -> None:
    """A snapshot directory in the layout before segments, as that code wrote it."""
    folder.mkdir(parents=True)
    manifest = Manifest(ENCODER.name, ENCODER.dim, ENCODER.fingerprint)
    vectors = FaissVectors(DIM)
    chunks: list[Chunk] = []
    for i, name in enumerate(["a", "b", "c"]):
        ids = list(range(manifest.next_id, manifest.next_id + 3))
        manifest.next_id += 3
        mine, matrix = _document(name, i, 3, ids)
        iri = mine[0].document
        projects = [mine[0].project] if mine[0].project else []
        entry = DocumentEntry(f"sha-{i}", f"{name}.txt", ids, projects)
        manifest.documents[iri] = entry
        vectors.add(iri, mine[0].key, ids, matrix, [c.field == "body" for c in mine])
        chunks += mine
        mirror.docs[iri] = (entry, mine, matrix)
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as out:
        for c in chunks:
            out.write(json.dumps(asdict(c), ensure_ascii=False) + "\n")
    vectors.save(folder)
    LexicalIndex.build([c.id for c in chunks], [c.text for c in chunks], ["fi"] * 9).save(
        folder / "lexical"
    )
    (folder / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    write_checksums(folder)


def test_a_snapshot_of_the_layout_before_segments_opens_and_the_next_commit_converts_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "index"
    mirror = Mirror()
    _legacy_snapshot(root / "snapshots" / "000001", mirror)
    (root / "CURRENT").write_text("000001\n")
    index = LocalIndex(root)
    view = index.view()
    assert view is not None
    assert_same(view, mirror.whole(), 1, bm25s=True)
    _remove(index, mirror, "b")
    _write(index, mirror, "d", 7, 2)
    assert (index.state.snapshots / str(index.version()) / "segments").is_dir()
    assert_same(LocalIndex(root).view(), mirror.whole(), 2)  # type: ignore[arg-type]
