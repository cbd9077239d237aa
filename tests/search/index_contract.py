"""One contract for every index engine (embedded snapshots, PostgreSQL + pgvector).

``IndexContract`` is subclassed per engine run (see ``test_index_contract.py``),
after haystack's ``DocumentStoreBaseTests``: the subclass supplies an empty
:class:`~search.index.base.Index` through the ``index`` fixture. Vectors are
small random unit vectors, so the tests need no encoder model; the lexical
side runs the real Voikko analysis.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from graph.errors import EncoderMismatch
from search.analysis import default_analyzer
from search.index import Chunk, DocumentEntry, EncoderIdentity, Index
from search.index.tables import differences

DIM = 16
ENCODER = EncoderIdentity("test-encoder", DIM, "fp-1")
PROJECT = "http://example.org/id/project/p"
WORDS = ["omaishoitaja", "kuntoutus", "päihdetyö", "nuorisotyö", "vertaistuki", "muistisairaus"]


def unit_vectors(seed: int, n: int) -> np.ndarray:
    """``n`` random unit vectors of dimension ``DIM``."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def newest_segment(snapshot: Path) -> Path:
    """The folder of the last segment a local snapshot directory lists (the one its
    commit wrote, unless the commit only deleted)."""
    names = json.loads((snapshot / "manifest.json").read_text("utf-8"))["segments"]
    return snapshot / "segments" / names[-1]


def chunk_lines(snapshot: Path) -> list[str]:
    """Every line of every ``chunks.jsonl`` of a local snapshot directory, sorted."""
    return sorted(
        line
        for path in (snapshot / "segments").glob("*/chunks.jsonl")
        for line in path.read_text("utf-8").splitlines()
    )


def add(
    index: Index,
    name: str,
    seed: int,
    *,
    project: str | None = None,
    word: str = "kuntoutus",
    n: int = 3,
) -> tuple[str, list[Chunk], np.ndarray]:
    """Commit one document of ``n`` body chunks, each mentioning ``word``."""
    writer = index.writer(ENCODER)
    try:
        iri = f"http://example.org/id/document/{name}"
        ids = writer.allocate_ids(n)
        chunks = [
            Chunk(cid, iri, project, 0, 10, "fi", "body", f"Hankkeessa tehtiin {word}a {name} {i}")
            for i, cid in enumerate(ids)
        ]
        vectors = unit_vectors(seed, n)
        entry = DocumentEntry(sha256=f"sha-{name}", path=f"{name}.txt", chunk_ids=[])
        if project:
            entry.projects = [project]
        writer.add_document(iri, entry, chunks, vectors)
        writer.commit()
    finally:
        writer.close()
    return iri, chunks, vectors


def remove(index: Index, iri: str) -> None:
    """Commit the removal of one document."""
    writer = index.writer(ENCODER)
    try:
        writer.remove_document(iri)
        writer.commit()
    finally:
        writer.close()


#: Words with very different frequencies: the first ones fall in most chunks.
ZIPF = [
    "hanke",
    "kuntoutus",
    "palvelu",
    "nuori",
    "omaishoitaja",
    "vertaistuki",
    "päihdetyö",
    "asunnottomuus",
    "muistisairaus",
    "etäkuntoutus",
    "kokemusasiantuntija",
    "maahanmuuttaja",
]


def add_texts(index: Index, texts: dict[str, list[str]]) -> list[Chunk]:
    """Commit one document per name with these chunk texts; returns every chunk."""
    writer = index.writer(ENCODER)
    out: list[Chunk] = []
    try:
        for seed, (name, bodies) in enumerate(texts.items()):
            iri = f"http://example.org/id/document/{name}"
            ids = writer.allocate_ids(len(bodies))
            chunks = [
                Chunk(cid, iri, None, 0, len(text), "fi", "body", text)
                for cid, text in zip(ids, bodies, strict=True)
            ]
            entry = DocumentEntry(sha256=f"sha-{name}", path=f"{name}.txt", chunk_ids=[])
            writer.add_document(iri, entry, chunks, unit_vectors(seed, len(bodies)))
            out.extend(chunks)
        writer.commit()
    finally:
        writer.close()
    return out


def zipf_texts(seed: int, documents: int, chunks: int) -> dict[str, list[str]]:
    """Chunks of 2 to 40 words drawn with Zipf frequencies from :data:`ZIPF`: a few
    terms occur in most chunks, often several times, the rest are rare."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, len(ZIPF) + 1) ** 1.2
    weights /= weights.sum()
    return {
        f"z{d}": [
            " ".join(rng.choice(ZIPF, size=int(rng.integers(2, 41)), p=weights))
            for _ in range(chunks)
        ]
        for d in range(documents)
    }


def reference_bm25(chunks: list[Chunk], query: list[str]) -> dict[int, float]:
    """bm25s itself over the chunks' analysed terms: what both engines must score."""
    import bm25s

    analyzer = default_analyzer()
    retriever = bm25s.BM25()
    retriever.index([analyzer.analyze(c.text, c.lang) for c in chunks], show_progress=False)
    known = [t for t in dict.fromkeys(query) if t in retriever.vocab_dict]
    scores = retriever.get_scores(known)
    return {c.id: float(s) for c, s in zip(chunks, scores, strict=True) if s > 0}


def assert_bm25(got: list[tuple[int, float]], scores: dict[int, float], k: int) -> None:
    """``got`` is the top ``k`` of the reference ``scores``, best first: the same
    scores at every rank, each for a chunk that has it (chunks whose scores differ
    only in the last float32 digits may come in either order)."""
    want = sorted(scores.items(), key=lambda hit: (-hit[1], hit[0]))[:k]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5)
    assert [scores.get(cid, 0.0) for cid, _ in got] == pytest.approx([s for _, s in got], rel=1e-5)
    assert len({cid for cid, _ in got}) == len(got)


def terms(word: str) -> list[str]:
    """The analysed query terms of ``word``."""
    return default_analyzer().analyze(word, "fi")


class IndexContract:
    """Behaviour every index engine must show."""

    def test_empty_index_has_no_view(self, index: Index) -> None:
        assert index.view() is None

    def test_add_then_search_both_ways(self, index: Index) -> None:
        iri, chunks, vectors = add(index, "a", 1)
        add(index, "b", 2, word="omaishoitaja")
        view = index.view()
        assert view is not None
        assert view.document_count() == 2
        assert view.vector_count() == 6
        assert view.document(iri) is not None
        assert set(view.get_chunks([c.id for c in chunks])) == {c.id for c in chunks}
        top = view.dense_search(vectors[1], 1)
        assert top[0][0] == chunks[1].id
        assert top[0][1] == pytest.approx(1.0, abs=1e-4)
        hits = view.lexical_search(terms("kuntoutus"), 10)
        assert {cid for cid, _ in hits} == {c.id for c in chunks}
        assert view.has_term("kuntoutus") and not view.has_term("zzzz")

    def test_remove_by_document_drops_vectors_terms_and_chunks(self, index: Index) -> None:
        iri, chunks, vectors = add(index, "a", 1)
        other, _, _ = add(index, "b", 2, word="omaishoitaja")
        remove(index, iri)
        view = index.view()
        assert view is not None
        assert view.document(iri) is None and view.document(other) is not None
        assert view.vector_count() == 3
        assert view.get_chunks([c.id for c in chunks]) == {}
        assert all(
            cid not in {c.id for c in chunks} for cid, _ in view.dense_search(vectors[0], 10)
        )
        assert view.lexical_search(terms("kuntoutus"), 10) == []
        assert not view.has_term("kuntoutus")

    def test_filter_applies_before_ranking(self, index: Index) -> None:
        docs = [add(index, f"d{i}", 10 + i, n=20) for i in range(10)]
        view = index.view()
        assert view is not None
        # the three allowed chunks are far from the query; all three must still come back
        allowed = {docs[9][1][0].id, docs[9][1][5].id, docs[9][1][7].id}
        query = docs[0][2][0]
        hits = view.dense_search(query, 10, allowed)
        assert {cid for cid, _ in hits} == allowed
        lexical = view.lexical_search(terms("kuntoutus"), 10, allowed)
        assert {cid for cid, _ in lexical} == allowed
        assert view.dense_search(query, 10, set()) == []

    def test_filtered_dense_search_is_exact(self, index: Index) -> None:
        docs = [add(index, f"d{i}", 30 + i, n=20) for i in range(5)]
        view = index.view()
        assert view is not None
        chunks = [c for _, cs, _ in docs for c in cs]
        vectors = np.vstack([v for _, _, v in docs])
        allowed_rows = list(range(0, len(chunks), 3))
        allowed = {chunks[i].id for i in allowed_rows}
        query = unit_vectors(99, 1)[0]
        scores = vectors[allowed_rows] @ query
        want = [chunks[allowed_rows[i]].id for i in np.argsort(-scores)[:10]]
        hits = view.dense_search(query, 10, allowed)
        assert [cid for cid, _ in hits] == want
        assert [s for _, s in hits] == pytest.approx(sorted(scores, reverse=True)[:10], abs=1e-4)

    def test_lexical_scores_are_bm25(self, index: Index) -> None:
        add(index, "a", 1, word="kuntoutus", n=2)
        add(index, "b", 2, word="omaishoitaja", n=2)
        view = index.view()
        assert view is not None
        hits = view.lexical_search(terms("kuntoutus"), 10)
        # 2 of 4 chunks hold the term once: Lucene idf ln(1 + 2.5/2.5), tf part 1/(1+1.5*len/avg)
        assert len(hits) == 2
        assert all(0 < score < np.log(2) for _, score in hits)

    def test_bm25_equals_bm25s_with_frequent_terms(self, index: Index) -> None:
        chunks = add_texts(index, zipf_texts(3, documents=8, chunks=30))
        view = index.view()
        assert view is not None
        for words in (["hanke"], ["hanke", "kuntoutus", "palvelu"], ["hanke", "etäkuntoutus"]):
            query = [t for w in words for t in terms(w)]
            scores = reference_bm25(chunks, query)
            assert len(scores) > len(chunks) // 2  # "hanke" is in most chunks
            assert_bm25(view.lexical_search(query, len(chunks)), scores, len(chunks))
            assert_bm25(view.lexical_search(query, 10), scores, 10)

    def test_lexical_search_with_a_large_allowed_set(self, index: Index) -> None:
        chunks = add_texts(index, zipf_texts(4, documents=8, chunks=30))
        view = index.view()
        assert view is not None
        rng = np.random.default_rng(5)
        allowed = {c.id for c in chunks if rng.random() < 0.7}
        query = [t for w in ("hanke", "nuori", "vertaistuki") for t in terms(w)]
        scores = reference_bm25(chunks, query)
        # filtered before the top 10 is cut, each with its whole-index BM25 score
        mine = {cid: s for cid, s in scores.items() if cid in allowed}
        assert_bm25(view.lexical_search(query, 10, allowed), mine, 10)
        assert_bm25(view.lexical_search(query, len(chunks), allowed), mine, len(chunks))

    def test_chunks_with_a_term_are_the_chunks_lexical_search_ranks(self, index: Index) -> None:
        chunks = add_texts(index, zipf_texts(6, documents=6, chunks=20))
        view = index.view()
        assert view is not None
        rng = np.random.default_rng(7)
        allowed = {c.id for c in chunks if rng.random() < 0.5}
        for words in (["hanke"], ["nuori", "vertaistuki"], ["sanaaeioleolemassa"]):
            query = [t for w in words for t in terms(w)]
            for wanted in (None, allowed, set()):
                ranked = {cid for cid, _ in view.lexical_search(query, len(chunks), wanted)}
                assert view.chunks_with(query, wanted) == ranked, (words, wanted is None)
                assert view.count_with(query, wanted) == len(ranked), (words, wanted is None)
                # among a few chunks (the match rule's groups), and an id no chunk has
                among = {c.id for c in chunks[::3]} | {max(c.id for c in chunks) + 1000}
                assert view.chunks_with(query, wanted, among) == ranked & among
                assert view.chunks_with(query, wanted, set()) == set()

    def test_centroids_follow_adds_and_removes(self, index: Index) -> None:
        a, _, va = add(index, "a", 1, project=PROJECT)
        b, _, vb = add(index, "b", 2, project=PROJECT)
        view = index.view()
        assert view is not None
        both = np.vstack([va, vb]).mean(axis=0)
        np.testing.assert_allclose(
            view.centroids()[PROJECT], both / np.linalg.norm(both), atol=1e-5
        )
        keys, matrix = view.centroid_matrix()
        assert keys == [PROJECT] and matrix.shape == (1, DIM)
        remove(index, a)
        view = index.view()
        assert view is not None
        only = vb.mean(axis=0)
        np.testing.assert_allclose(
            view.centroids()[PROJECT], only / np.linalg.norm(only), atol=1e-5
        )
        remove(index, b)
        view = index.view()
        assert view is not None
        assert PROJECT not in view.centroids()

    def test_chunks_by_key_and_languages(self, index: Index) -> None:
        a, chunks, _ = add(index, "a", 1, project=PROJECT)
        b, other, _ = add(index, "b", 2)
        view = index.view()
        assert view is not None
        by_key = view.chunks_by_key()
        assert sorted(by_key[PROJECT]) == [c.id for c in chunks]
        assert sorted(by_key[b]) == [c.id for c in other]
        assert view.key_languages()[PROJECT] == {"fi"}

    def test_per_version_tables_are_patched_from_the_changed_documents(self, index: Index) -> None:
        # what the change feed tells a replica: the documents each version changed
        changed: dict[str, set[str]] = {}
        versions: list[str | None] = []
        if hasattr(index, "changes"):

            def changes(old: str | None, new: str) -> set[str] | None:
                if old not in versions or new not in versions:
                    return None
                steps = versions[versions.index(old) + 1 : versions.index(new) + 1]
                return {d for v in steps for d in changed[str(v)]}

            index.changes = changes

        def step(write: Callable[[], str]) -> None:
            old = index.view()
            assert old is not None
            before_keys, before = list(old.centroid_matrix()[0]), old.centroid_matrix()[1].copy()
            document = write()
            version = index.version()
            assert version is not None
            versions.append(version)
            changed[version] = {document}
            view = index.view()
            assert view is not None
            assert differences(view.key_tables(), view.rebuilt_tables()) == []
            assert view.tables.patched, "patched, not built whole"
            # the previous version still reads its own rows
            keys, matrix = old.centroid_matrix()
            assert keys == before_keys
            np.testing.assert_array_equal(matrix, before)

        a, _, _ = add(index, "a", 1, project=PROJECT)
        add(index, "b", 2)
        versions.append(index.version())
        view = index.view()
        assert view is not None
        view.key_tables()
        step(lambda: add(index, "c", 3, project=PROJECT)[0])
        step(lambda: add(index, "a", 4, project=PROJECT, n=2)[0])  # a new version of a
        step(lambda: add(index, "d", 5, project="http://example.org/id/project/q")[0])
        step(lambda: (remove(index, a), a)[1])
        b = "http://example.org/id/document/b"
        step(lambda: (remove(index, b), b)[1])
        view = index.view()
        assert view is not None
        assert set(view.chunks_by_key()) == {PROJECT, "http://example.org/id/project/q"}
        assert b not in view.key_languages() and b not in view.centroids()

    def test_version_changes_with_every_commit(self, index: Index) -> None:
        add(index, "a", 1)
        first = index.version()
        add(index, "b", 2)
        assert index.version() not in (None, first)

    def test_failed_graph_write_changes_nothing(self, index: Index) -> None:
        iri, _, _ = add(index, "a", 1)
        before = index.version()
        writer = index.writer(ENCODER)
        try:
            writer.remove_document(iri)

            def graph_write() -> None:
                raise OSError("disk full")

            with pytest.raises(OSError):
                writer.commit(graph_write)
        finally:
            writer.close()
        assert index.version() == before
        view = index.view()
        assert view is not None and view.document(iri) is not None

    def test_other_encoder_is_refused(self, index: Index) -> None:
        add(index, "a", 1)
        with pytest.raises(EncoderMismatch):
            index.writer(EncoderIdentity("other", DIM, "fp-2"))
        view = index.view()
        assert view is not None
        with pytest.raises(EncoderMismatch):
            view.encoder.check("other", "fp-2")

    def test_fresh_writer_replaces_everything(self, index: Index) -> None:
        add(index, "a", 1)
        writer = index.writer(EncoderIdentity("other", DIM, "fp-2"), fresh=True)
        try:
            writer.commit()
        finally:
            writer.close()
        view = index.view()
        assert view is None or (view.document_count() == 0 and view.encoder.name == "other")

    def test_concurrent_readers_see_whole_documents(self, index: Index) -> None:
        add(index, "seed", 0, word="omaishoitaja", n=4)
        errors: list[BaseException] = []
        partial: list[int] = []
        stop = threading.Event()

        def read() -> None:
            try:
                while not stop.is_set():
                    view = index.view()
                    if view is None:
                        continue
                    for word in WORDS:
                        n = len(view.lexical_search(terms(word), 50))
                        if n % 4:
                            partial.append(n)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        readers = [threading.Thread(target=read) for _ in range(3)]
        for t in readers:
            t.start()
        try:
            for i in range(8):
                add(index, f"w{i}", 100 + i, word=WORDS[i % len(WORDS)], n=4)
                if i % 3 == 2:
                    remove(index, f"http://example.org/id/document/w{i - 1}")
        finally:
            stop.set()
            for t in readers:
                t.join()
        assert not errors, errors
        assert not partial, f"readers saw part of a document: {partial}"

    def test_a_large_fresh_batch_is_searchable(self, index: Index) -> None:
        # more than 1000 documents in one fresh commit: the bulk path (HNSW built once)
        writer = index.writer(ENCODER, fresh=True)
        vectors = unit_vectors(7, 1100)
        try:
            for i in range(1100):
                iri = f"http://example.org/id/document/bulk{i}"
                (cid,) = writer.allocate_ids(1)
                chunk = Chunk(cid, iri, None, 0, 5, "fi", "body", f"hanke {WORDS[i % 6]}")
                entry = DocumentEntry(sha256=f"s{i}", path=f"b{i}.txt", chunk_ids=[])
                writer.add_document(iri, entry, [chunk], vectors[i : i + 1])
            writer.remove_document("http://example.org/id/document/bulk0")
            writer.commit()
        finally:
            writer.close()
        view = index.view()
        assert view is not None
        assert view.document_count() == view.vector_count() == 1099
        (best, score), *_ = view.dense_search(vectors[5], 5)
        assert view.get_chunks([best])[best].document.endswith("bulk5")
        assert score == pytest.approx(1.0, abs=1e-4)
        assert len(view.lexical_search(terms(WORDS[1]), 500)) == 1100 // 6 + 1
