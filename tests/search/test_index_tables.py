"""The index's per-version tables (search/index/tables.py): patching with any sequence
of document changes gives the tables built whole, older versions keep their rows, and
the feed explains a version change only when it can."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from search.index.base import DocumentEntry, unit
from search.index.tables import DEAD, KeyTables, changed_documents, differences
from search.layered import Layered

DIM = 4
PROJECTS = [f"http://x/p/{i}" for i in range(3)]


class World:
    """Documents and per-key vector sums, as an engine keeps them."""

    def __init__(self) -> None:
        self.documents: dict[str, DocumentEntry] = {}
        self.vectors: dict[str, tuple[str, np.ndarray, int]] = {}
        self.next_id = 0

    def put(self, iri: str, project: int | None, chunks: int, lang: str, seed: int) -> None:
        ids = list(range(self.next_id, self.next_id + chunks))
        self.next_id += chunks
        projects = [PROJECTS[project]] if project is not None else []
        self.documents[iri] = DocumentEntry(f"sha-{seed}", iri, ids, projects, None, lang)
        key = projects[0] if projects else iri
        total = np.random.default_rng(seed).normal(size=(chunks, DIM)).sum(axis=0)
        self.vectors[iri] = (key, total, chunks)

    def drop(self, iri: str) -> None:
        self.documents.pop(iri, None)
        self.vectors.pop(iri, None)

    def centroids(self, keys: set[str] | None = None) -> dict[str, np.ndarray]:
        sums: dict[str, tuple[np.ndarray, int]] = {}
        for key, total, n in self.vectors.values():
            if n and (keys is None or key in keys):
                old, m = sums.get(key, (np.zeros(DIM), 0))
                sums[key] = (old + total, m + n)
        return {k: unit(t / n) for k, (t, n) in sums.items()}

    def build(self) -> KeyTables:
        return KeyTables.build(self.documents, self.centroids(), DIM)


@dataclass(frozen=True)
class Entry:
    kind: str
    version: str
    documents: list[str]


CHANGES = st.lists(
    st.tuples(
        st.integers(0, 5),  # which document
        st.one_of(st.none(), st.integers(0, 2)),  # its project (None: drop it)
        st.integers(0, 3),  # chunks
        st.sampled_from(["fi", "en", "sv"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(changes=CHANGES, batch=st.integers(1, 3))
def test_patched_tables_equal_built_ones(
    changes: list[tuple[int, int | None, int, str]], batch: int
) -> None:
    world = World()
    for i in range(4):
        world.put(f"http://x/d/{i}", i % 3 if i else None, 2, "fi", i)
    tables = world.build()
    views = [(tables, list(tables.matrix_view()[0]), tables.matrix.matrix.copy())]
    for start in range(0, len(changes), batch):
        touched: set[str] = set()
        for n, (doc, project, chunks, lang) in enumerate(changes[start : start + batch]):
            iri = f"http://x/d/{doc}"
            touched.add(iri)
            if project is None and doc % 2:
                world.drop(iri)
            else:
                world.put(iri, project, chunks, lang, 100 + start + n)
        tables = tables.patched(world.documents, touched, world.centroids)
        assert differences(tables, world.build()) == []
        views.append((tables, list(tables.matrix_view()[0]), tables.matrix.matrix.copy()))
    for old, keys, matrix in views:  # each version still reads the rows it had
        assert old.matrix_view()[0] == keys
        np.testing.assert_array_equal(old.matrix_view()[1], matrix)


def test_the_matrix_is_compacted_when_many_rows_are_dead() -> None:
    world = World()
    for i in range(8):
        world.put(f"http://x/d/{i}", None, 1, "fi", i)
    tables = world.build()
    for round_ in range(6):
        world.put("http://x/d/0", None, 1, "fi", 50 + round_)
        tables = tables.patched(world.documents, {"http://x/d/0"}, world.centroids)
        keys = tables.matrix_view()[0]
        assert keys.count(DEAD) <= 0.25 * len(keys) + 1
        assert differences(tables, world.build()) == []


def test_the_feed_explains_a_version_change_only_when_it_can() -> None:
    feed = [
        Entry("ingest", "3", ["a"]),
        Entry("delete", "4", ["b"]),
        Entry("update", "5", ["c"]),
    ]
    assert changed_documents(feed, "3", "5") == {"b", "c"}
    assert changed_documents(feed, "5", "5") == set()
    assert changed_documents(feed, "2", "5") is None  # older than the feed window
    assert changed_documents(feed, "3", "6") is None  # a commit the feed lacks yet
    assert changed_documents([*feed, Entry("reindex", "6", [])], "3", "6") is None
    assert changed_documents(feed, None, "5") is None


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.dictionaries(
            st.integers(0, 150).map(str), st.one_of(st.none(), st.integers()), max_size=20
        ),
        max_size=30,
    )
)
def test_layered_tables_read_like_the_dict_they_stand_for(
    steps: list[dict[str, int | None]],
) -> None:
    plain = {str(i): i for i in range(100)}
    table: Layered[str, int] = Layered(dict(plain))
    versions = [(table, dict(plain))]
    for changes in steps:  # past 64 changes they are folded into a new base
        table = table.updated(changes)
        for key, value in changes.items():
            if value is None:
                plain.pop(key, None)
            else:
                plain[key] = value
        versions.append((table, dict(plain)))
    for layered, expected in versions:  # every version still reads as it was
        assert dict(layered) == expected and len(layered) == len(expected)
        assert dict(layered.items()) == expected
        assert sorted(layered.values()) == sorted(expected.values())
        assert all((k in layered) == (k in expected) for k in map(str, range(160)))
        assert all(layered.get(k) == expected.get(k) for k in map(str, range(160)))
        # as the derived tables are saved between processes: a removed key stays removed
        loaded = pickle.loads(pickle.dumps(layered))
        assert dict(loaded) == expected and len(loaded) == len(expected)
        assert all(loaded.get(k) == expected.get(k) for k in map(str, range(160)))
        assert dict(loaded.updated({"0": None, "500": 5})) == {
            **{k: v for k, v in expected.items() if k != "0"},
            "500": 5,
        }
