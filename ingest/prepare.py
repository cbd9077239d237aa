"""The pure stage of ingest: one document's bytes in, everything the writer needs out.

:meth:`Preparer.prepare` loads, extracts, builds the document graph, chunks and
embeds one document. It reads no store and writes nothing, so it can run
anywhere: inline, in a local process pool or on a Dask worker on another
machine. What it returns, :class:`Prepared`, is plain data (strings and numpy
arrays) that pickles cheaply: the graph travels as N-Triples, the chunks carry
no ids (the single writer allocates them, in commit order, so ids never depend
on which worker finished first), and the ingest time is left for the writer to
stamp.

A :class:`Preparer` pickles as its settings alone. Its models (spaCy, Voikko,
the encoder, the gazetteers) are loaded on first use in whichever process it
lands in, the way Annif's ``VoikkoAnalyzer.__getstate__`` drops its ctypes
handle, and the loaders are cached per process, so a worker loads them once
however many tasks it runs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graph.build import document_graph
from graph.config import Settings
from graph.errors import DocumentError
from graph.extract import chrome_spans
from graph.iris import Iris
from graph.load.loader import load_bytes
from graph.model import Document
from graph.vocab import PROV, SCHEMA
from search.chunking import chunk_text

if TYPE_CHECKING:
    from graph.extract import Extractor
    from graph.link.linker import Linker
    from graph.link.reference import Reference
    from search.encoders import Encoder

#: Stages timed in :attr:`Prepared.seconds`, in pipeline order.
STAGES = ("load", "extract", "graph", "chunk", "embed")


@dataclass(frozen=True)
class Source:
    """A document as it arrives: its bytes and the name it is known by."""

    name: str
    """Path or upload name; a document's later versions come under the same name."""
    data: bytes
    url: str | None = None
    title: str | None = None

    @property
    def sha256(self) -> str:
        """The document's identity: the hash of its bytes."""
        return hashlib.sha256(self.data).hexdigest()

    @classmethod
    def read(cls, path: Path, max_bytes: int) -> Source:
        """Read a file (checking its size before reading it).

        Raises:
            DocumentError: the file cannot be read or is over ``max_bytes``.
        """
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise DocumentError(f"{path}: {size} bytes is over the limit of {max_bytes} bytes")
            return cls(str(path), path.read_bytes())
        except OSError as exc:
            raise DocumentError(f"{path}: cannot read the file ({exc.strerror})") from exc


@dataclass(frozen=True)
class PreparedChunk:
    """One piece of a document to index; the writer gives it its id."""

    start: int
    end: int
    field: str
    """``title``, ``name`` (a project name) or ``body``."""
    text: str


@dataclass
class Prepared:
    """Everything :func:`ingest.commit.Writer.commit` needs to write one document."""

    path: str
    sha256: str
    document: str
    """Document IRI (from the content hash, so the same wherever it was prepared)."""
    title: str | None
    language: str
    projects: list[str]
    """Project IRIs; the first is the main project and owns the chunks."""
    ntriples: str
    """The document's named graph as N-Triples, without its ingest time."""
    chunks: list[PreparedChunk]
    vectors: np.ndarray
    """One L2-normalised row per chunk."""
    centroid: np.ndarray | None
    """Unit mean of the body chunks' vectors (``None`` without body chunks)."""
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent in each of :data:`STAGES` (for progress and benchmarks)."""


def chunk_pieces(
    document: Document, names: Iterable[str], *, title: str | None
) -> list[PreparedChunk]:
    """The title, the main project's names, then sentence-aware body chunks.

    Ingest and reindex both chunk through here, so a rebuilt index holds the
    same chunks, in the same order, as the ingest that first built it.
    """
    pieces: list[PreparedChunk] = []
    if title:
        pieces.append(PreparedChunk(0, 0, "title", title))
    pieces.extend(PreparedChunk(0, 0, "name", n) for n in sorted(set(names)))
    for span in chunk_text(document.text, skip=chrome_spans(document.text)):
        pieces.append(PreparedChunk(span.start, span.end, "body", span.text))
    return pieces


def centroid(chunks: list[PreparedChunk], vectors: np.ndarray) -> np.ndarray | None:
    """Unit mean of the body chunks' vectors."""
    rows = [i for i, c in enumerate(chunks) if c.field == "body"]
    if not rows:
        return None
    mean = np.mean(vectors[rows], axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm else mean).astype(np.float32)


#: Chunks embedded between two looks at the document's time budget.
EMBED_SLICE = 64


class Preparer:
    """Prepares documents with the models that ``settings`` name; never opens a store."""

    #: Attributes that hold loaded models; they never cross a process boundary.
    _LOADED = ("reference", "linker", "extractor", "encoder")

    def __init__(self, settings: Settings, reference: Reference | None = None) -> None:
        self.base = settings.base
        self.encoder_name = settings.encoder
        self.reference_dir = Path(settings.reference_dir)
        self.max_bytes = settings.max_document_bytes
        self.document_budget_s = settings.document_budget_s or None
        self.iris = Iris(self.base)
        if reference is not None:
            self.__dict__["reference"] = reference

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the configuration only: spaCy, Voikko and the encoder hold handles
        that cannot cross processes, and are loaded again where the preparer lands."""
        return {k: v for k, v in self.__dict__.items() if k not in self._LOADED}

    @cached_property
    def reference(self) -> Reference:
        """The gazetteers and vocabularies under ``reference_dir``."""
        from graph.link.reference import load_reference

        return load_reference(self.reference_dir)

    @cached_property
    def linker(self) -> Linker:
        """The gazetteer linker."""
        from graph.link.linker import Linker

        return Linker(self.reference, self.iris)

    @cached_property
    def extractor(self) -> Extractor:
        """The extraction pipeline (spaCy is loaded once per process)."""
        from graph.extract import Extractor, load_nlp

        return Extractor(
            load_nlp(), self.linker, self.iris, self.reference, budget_s=self.document_budget_s
        )

    @cached_property
    def encoder(self) -> Encoder:
        """The configured encoder (loaded once per process)."""
        from search.encoders import get_encoder

        return get_encoder(self.encoder_name)

    def warm_up(self) -> None:
        """Load the models now (a worker does this before its first document)."""
        _ = self.extractor, self.encoder

    def document_iri(self, sha256: str) -> str:
        """The IRI a document with this content hash gets."""
        return str(self.iris.document(sha256))

    def prepare(self, source: Source) -> Prepared:
        """Load, extract, build the graph, chunk and embed one document.

        Raises:
            DocumentError: the bytes are not a document we can read.
        """
        seconds: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            seconds[stage] = now - clock
            clock = now

        document = load_bytes(
            source.data,
            name=source.name,
            max_bytes=self.max_bytes,
            url=source.url,
            title=source.title,
        )
        iri = self.iris.document(document.sha256)
        lap("load")
        self.warm_up()
        clock = started = time.perf_counter()  # model loading is not this document's work
        extraction = self.extractor.extract(document, iri)
        lap("extract")
        graph = document_graph(extraction)
        # The writer stamps the ingest time, so a prepared document is a pure
        # function of its bytes and the models.
        graph.remove((iri, PROV.generatedAtTime, None))
        ntriples = graph.serialize(format="nt")
        lap("graph")
        main = extraction.project_iris[0] if extraction.project_iris else None
        names = [
            str(f.object)
            for f in extraction.facts
            if f.predicate == SCHEMA.name and f.subject == main
        ]
        chunks = chunk_pieces(document, names, title=document.title)
        lap("chunk")
        vectors = self._embed_within_budget(document.path, chunks, started)
        lap("embed")
        return Prepared(
            path=document.path,
            sha256=document.sha256,
            document=str(iri),
            title=document.title,
            language=document.language,
            projects=[str(p) for p in extraction.project_iris],
            ntriples=ntriples,
            chunks=chunks,
            vectors=np.ascontiguousarray(vectors, dtype=np.float32),
            centroid=centroid(chunks, vectors),
            warnings=[*document.warnings, *extraction.warnings],
            seconds=seconds,
        )

    def _embed_within_budget(
        self, path: str, chunks: list[PreparedChunk], started: float
    ) -> np.ndarray:
        """Embed ``chunks`` a slice at a time, refusing the document once its time
        (extraction included, from ``started``) passes :attr:`document_budget_s`.

        Embedding is linear in the text, but not cheap: on a CPU a 1 MB text is
        about 1,800 chunks and minutes of work, which one upload must not take.

        Raises:
            DocumentError: over the budget.
        """
        texts = [c.text for c in chunks]
        parts = []
        for i in range(0, len(texts), EMBED_SLICE):
            budget = self.document_budget_s
            if budget is not None and i and time.perf_counter() - started > budget:
                raise DocumentError(
                    f"{path}: embedding took longer than its budget of {budget:g} s ({i} of "
                    f"{len(texts)} chunks done); split the document, or raise "
                    "HANKEKG_DOCUMENT_BUDGET_S"
                )
            parts.append(self.encoder.encode_passages(texts[i : i + EMBED_SLICE]))
        return np.vstack(parts) if parts else self.encoder.encode_passages([])

    def embed(self, document: Document, names: list[str]) -> Prepared:
        """Chunk and embed a document whose graph is already stored (for reindex)."""
        chunks = chunk_pieces(document, names, title=document.title)
        vectors = self.encoder.encode_passages([c.text for c in chunks])
        return Prepared(
            path=document.path,
            sha256=document.sha256,
            document=str(self.iris.document(document.sha256)),
            title=document.title,
            language=document.language,
            projects=[],
            ntriples="",
            chunks=chunks,
            vectors=np.ascontiguousarray(vectors, dtype=np.float32),
            centroid=centroid(chunks, vectors),
        )


def build_preparer(settings: Settings, reference: Reference | None = None) -> Preparer:
    """A preparer for ``settings``; it opens no store and loads no model yet
    (``reference``, when the caller already loaded it, is shared, not reloaded)."""
    return Preparer(settings, reference)


def prepare_task(preparer: Preparer, source: Source) -> Prepared:
    """The unit of work sent to an executor (a module-level function pickles by name).

    Workers keep one preparer per configuration, so the models a task needs are
    loaded by the first task on each worker and reused by the rest.
    """
    return _resident(preparer).prepare(source)


def embed_task(preparer: Preparer, document: Document, names: list[str]) -> Prepared:
    """Reindex's unit of work: chunk and embed one stored document."""
    return _resident(preparer).embed(document, names)


_RESIDENT: dict[tuple[type, str, str, str, int], Preparer] = {}


def _resident(preparer: Preparer) -> Preparer:
    """This process's loaded preparer for ``preparer``'s configuration.

    A preparer arrives unpickled, without models, in every task; this keeps the
    first one per configuration so its models outlive the task.
    """
    key = (
        type(preparer),
        preparer.base,
        preparer.encoder_name,
        str(preparer.reference_dir),
        preparer.max_bytes,
    )
    return _RESIDENT.setdefault(key, preparer)
