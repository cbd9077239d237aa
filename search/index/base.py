"""The index seam: what every index engine (embedded snapshots, PostgreSQL) offers.

An index holds three things that must always agree: the chunks (text pieces of
documents with their project), one vector per chunk, and the lexical terms of
each chunk. Engines keep them together so a document is in all three or in
none.

Callers see plain values only (:class:`Chunk`, :class:`DocumentEntry`, numpy
arrays, ``(chunk id, score)`` pairs):

- :class:`IndexView` is a read-only, committed state that searches run over;
- :class:`IndexWriter` collects one batch of changes and commits them, running
  the graph write between *prepare* and *commit* (see ``api/engine.py``);
- :class:`Index` opens views and writers and settles a crash on start.

The layout after txtai's ``ann/dense/factory.py``: ``search/vectors/`` and
``search/lexical/`` hold one module per engine, and ``search/index/`` combines
them per backend (``local.py``, ``postgres.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from graph.errors import EncoderMismatch

if TYPE_CHECKING:
    from search.index.tables import KeyTables


@dataclass(frozen=True)
class Chunk:
    """One indexed piece of a document."""

    id: int
    document: str
    """Document IRI."""
    project: str | None
    """IRI of the project the document describes, if any."""
    start: int
    end: int
    lang: str
    field: str
    """``body``, ``title`` (document title) or ``name`` (a project name)."""
    text: str

    @property
    def key(self) -> str:
        """What search results group by: the project, else the document."""
        return self.project or self.document


@dataclass
class DocumentEntry:
    """What the index knows about one indexed document."""

    sha256: str
    path: str
    chunk_ids: list[int]
    projects: list[str] = field(default_factory=list)
    title: str | None = None
    language: str = "fi"


@dataclass(frozen=True)
class EncoderIdentity:
    """Which encoder built an index: refused when another one queries it."""

    name: str
    dim: int
    fingerprint: str

    def check(self, name: str, fingerprint: str) -> None:
        """Refuse to mix vectors of different encoders.

        Raises:
            EncoderMismatch: the index was built by another encoder.
        """
        if (self.name, self.fingerprint) != (name, fingerprint):
            raise EncoderMismatch(
                f"the index was built with encoder {self.name!r} (dim {self.dim}, fingerprint "
                f"{self.fingerprint}) but {name!r} (fingerprint {fingerprint}) was asked to use "
                "it; run `hankekg reindex` to rebuild the index with the configured encoder"
            )


def body_sum(chunks: list[Chunk], vectors: np.ndarray) -> tuple[np.ndarray, int]:
    """Sum and count of a document's body-chunk vectors: what its project's
    centroid is built from, stored per document so a removal can subtract it."""
    rows = [i for i, c in enumerate(chunks) if c.field == "body"]
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    if not rows:
        return np.zeros(dim, dtype=np.float32), 0
    return np.asarray(vectors[rows], dtype=np.float64).sum(axis=0).astype(np.float32), len(rows)


def unit(vector: np.ndarray) -> np.ndarray:
    """``vector`` scaled to length 1 (a zero vector stays zero)."""
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector).astype(np.float32)


class IndexView(Protocol):
    """One committed state of the index, read-only."""

    @property
    def version(self) -> str:
        """Changes with every commit; caches of derived data are keyed by it."""
        ...

    @property
    def encoder(self) -> EncoderIdentity:
        """The encoder that built the vectors."""
        ...

    def document(self, iri: str) -> DocumentEntry | None:
        """One document's entry, or ``None``."""
        ...

    def documents(self) -> Mapping[str, DocumentEntry]:
        """Every indexed document by IRI."""
        ...

    def document_count(self) -> int:
        """How many documents are indexed."""
        ...

    def vector_count(self) -> int:
        """How many vectors (= chunks) are indexed."""
        ...

    def get_chunks(self, ids: Iterable[int]) -> dict[int, Chunk]:
        """The chunks with these ids (unknown ids are left out)."""
        ...

    def dense_search(
        self, query: np.ndarray, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks by inner product, restricted to ``allowed`` before ranking."""
        ...

    def lexical_search(
        self, terms: list[str], k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` chunks by BM25 over analysed ``terms``, restricted before ranking."""
        ...

    def chunks_with(
        self,
        terms: list[str],
        allowed: set[int] | None = None,
        among: Collection[int] | None = None,
    ) -> set[int]:
        """Every chunk (of ``allowed``) holding one of the analysed ``terms``: the
        chunks :meth:`lexical_search` would rank, without scoring them; only those of
        ``among`` when given (the match rule's few groups: a common word's hundreds of
        thousands of chunks are never listed)."""
        ...

    def count_with(self, terms: list[str], allowed: set[int] | None = None) -> int:
        """How many chunks :meth:`chunks_with` would list (a document frequency of the
        terms together), without listing them."""
        ...

    def has_term(self, term: str) -> bool:
        """Whether an analysed term occurs in some chunk (the bridge's sense choice)."""
        ...

    def chunks_by_key(self) -> Mapping[str, list[int]]:
        """Chunk ids per project (or per document without a project)."""
        ...

    def key_languages(self) -> Mapping[str, set[str]]:
        """Document languages per project (and per document)."""
        ...

    def centroids(self) -> Mapping[str, np.ndarray]:
        """One unit vector per project (and per document without a project)."""
        ...

    def centroid_matrix(self) -> tuple[Sequence[str], np.ndarray]:
        """The centroids as one matrix (rows in the order of the returned keys; a row
        named ``""`` was replaced by a later row and is to be skipped)."""
        ...

    def key_tables(self) -> KeyTables:
        """Chunk groups, key languages and centroids together, as kept: patched from
        the previous version where the changed documents are known
        (``search/index/tables.py``)."""
        ...

    def rebuilt_tables(self) -> KeyTables:
        """The same tables built whole from the stored chunks (for comparison)."""
        ...

    def centroids_of(self, keys: set[str]) -> Mapping[str, np.ndarray]:
        """The centroids of ``keys`` only (keys without one left out)."""
        ...


class IndexWriter(Protocol):
    """A batch of changes, made visible all at once by :meth:`commit`.

    A writer may commit several batches in turn; it sees its own changes.
    """

    def documents(self) -> Mapping[str, DocumentEntry]:
        """Every document, as this writer currently sees them."""
        ...

    def allocate_ids(self, n: int) -> list[int]:
        """Reserve ``n`` fresh chunk ids; ids are never reused."""
        ...

    def add_document(
        self, iri: str, entry: DocumentEntry, chunks: list[Chunk], vectors: np.ndarray
    ) -> None:
        """Add (or replace) a document with its chunks and their vectors."""
        ...

    def remove_document(self, iri: str) -> None:
        """Drop a document's chunks, vectors and lexical terms (unknown: no-op)."""
        ...

    def commit(self, between: Callable[[], None] | None = None) -> None:
        """Make the batch durable and visible.

        ``between`` (the graph write) runs after the batch is prepared and before
        it becomes visible. If it raises, the batch is abandoned and the index
        is as before; if the process dies inside it, :meth:`Index.recover`
        settles the state on the next start.
        """
        ...

    def close(self) -> None:
        """Give back what the writer holds (an uncommitted batch is dropped)."""
        ...


class Index(Protocol):
    """An index engine over one store of chunks, vectors and lexical terms."""

    def view(self) -> IndexView | None:
        """The committed state, or ``None`` when nothing was ever committed."""
        ...

    def version(self) -> str | None:
        """The committed state's version, cheap to ask (caches key on it)."""
        ...

    def writer(self, encoder: EncoderIdentity, *, fresh: bool = False) -> IndexWriter:
        """A writer over the committed state (``fresh``: over an empty index,
        replacing everything on commit, as ``reindex`` does).

        Raises:
            EncoderMismatch: the index was built by another encoder.
        """
        ...

    def touch(self) -> None:
        """Record that the data changed outside the index (a SPARQL Update to the
        graph), so that every process sharing the index drops its derived caches."""
        ...

    def recover(self, in_graph: dict[str, str]) -> set[str] | None:
        """Settle a crash between the graph write and the index commit, and a
        corrupt index.

        Args:
            in_graph: document IRI -> sha256 of what the graph holds.

        Returns:
            The graph's documents the index still lacks (the caller re-indexes
            them from the graph; empty when all agree), or ``None`` when the
            whole index must be rebuilt from the graph.
        """
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...
