"""The engine: one object that owns the store, the index and the models.

The CLI and the API both drive ingest, deletion and search through it, so the
two front ends can never drift apart. It is built once per process.

Ingest commits a batch of documents in three steps, through the index seam
(:mod:`search.index`, engine chosen by ``HANKEKG_INDEX_BACKEND``):

1. prepare the index change (local: a complete new snapshot next to the
   current one; postgres: the rows, in an open transaction);
2. replace the documents' named graphs in one store transaction;
3. make the index change visible (local: switch ``CURRENT``; postgres: COMMIT).

A crash before 2 leaves the old state; a crash between 2 and 3 is settled on
the next open by :meth:`Engine.recover`: the index engine commits the staged
state that matches the graph, or the engine rebuilds the index from the
graph. Either way every document is fully in, or fully out, of the graph, the
vectors and the lexical index alike.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rdflib import Graph, Literal, URIRef

from graph.build import document_graph
from graph.config import Settings
from graph.errors import DocumentError, NotFound
from graph.extract import chrome_spans
from graph.iris import Iris
from graph.loader import load_bytes, load_document
from graph.model import Document, Extraction
from graph.reference import Reference, reference_graph
from graph.store import get_store
from graph.vocab import HK, PROV, SCHEMA
from search.chunking import chunk_text
from search.crosslingual import QueryTranslator, Translation, query_translator
from search.encoders import Encoder, fingerprint, get_encoder
from search.filters import FacetTable, facet_table
from search.index import Chunk, DocumentEntry, EncoderIdentity, IndexView, IndexWriter, get_index
from search.related import Neighbourhood, neighbourhood
from search.similarity import FUNCTION, Similarity

if TYPE_CHECKING:
    from graph.extract import Extractor
    from graph.linker import Linker

logger = logging.getLogger(__name__)

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "hankekg.ttl"
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json"}
#: Documents per commit: bounds memory and the size of one store transaction.
BATCH = 32

Progress = Callable[[str, int], None]
"""Called as ``progress(stage, n)`` to advance a progress bar by ``n``."""


@dataclass
class IngestReport:
    """What an ingest did, document by document."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    """Source path -> document IRI, for every document that is now in."""
    projects: dict[str, list[str]] = field(default_factory=dict)
    """Document IRI -> project IRIs."""


def reference_version(directory: Path, *extra: Path) -> str:
    """A hash over the reference files, so changed reference data is reloaded."""
    digest = hashlib.sha256()
    for path in [*sorted(directory.glob("*")), *extra]:
        if path.is_file() and path.suffix in {".csv", ".tsv", ".ttl"}:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest under ``paths`` (directories are walked), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        elif path.exists():
            found.append(path)
        else:
            raise DocumentError(f"{path}: no such file or directory")
    return found


class Engine:
    """Store, index, encoder and extractor for one ``HANKEKG_HOME``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.iris = Iris(settings.base)
        settings.home.mkdir(parents=True, exist_ok=True)
        self.store = get_store(settings)
        self.index = get_index(settings)
        self.reference = Reference.load(settings.reference_dir)
        self._write_lock = threading.Lock()
        # Bumped by every SPARQL update, so tables derived from the graph are rebuilt.
        self._graph_version = 0
        self._neighbourhood: tuple[object, Neighbourhood] | None = None
        self._filter_cache: tuple[object, dict[str, set[str]]] = (None, {})
        self._facet_table: tuple[object, FacetTable] | None = None
        # Guards derived data built on first use, so concurrent requests build it once.
        self._derived_lock = threading.Lock()
        self.ensure_reference()
        self.recover()

    # -- models, loaded on first use ------------------------------------------------

    @cached_property
    def encoder(self) -> Encoder:
        """The configured encoder."""
        return get_encoder(self.settings.encoder)

    @cached_property
    def encoder_fingerprint(self) -> str:
        """Fingerprint of the configured encoder."""
        return fingerprint(self.encoder)

    @property
    def encoder_identity(self) -> EncoderIdentity:
        """The configured encoder's name, dimension and fingerprint."""
        return EncoderIdentity(self.encoder.name, self.encoder.dim, self.encoder_fingerprint)

    @property
    def snapshot(self) -> IndexView | None:
        """The committed index state searches run over (``None`` when empty)."""
        return self.index.view()

    def index_version(self) -> str | None:
        """The committed index version: caches of derived data are keyed by it."""
        return self.index.version()

    @cached_property
    def linker(self) -> Linker:
        """The gazetteer linker over the reference data."""
        from graph.linker import Linker

        return Linker(self.reference, self.iris)

    @cached_property
    def extractor(self) -> Extractor:
        """The extraction pipeline (loads spaCy once)."""
        from graph.extract import Extractor, load_nlp

        return Extractor(load_nlp(), self.linker, self.iris, self.reference)

    @cached_property
    def translator(self) -> QueryTranslator:
        """The YSO/name bridge from English and Swedish queries to Finnish."""
        return query_translator(self.settings.reference_dir)

    def translate(self, query: str, lang: str | None = None) -> Translation:
        """The bridge's reading of ``query`` (no concepts for a Finnish query).

        The corpus vocabulary steers sense choice: a label whose words occur in
        the index beats one that does not.
        """
        view = self.snapshot
        vocabulary = view.has_term if view is not None else None
        return self.translator.translate(query, lang, vocabulary=vocabulary)

    def data_version(self) -> tuple[str | None, int]:
        """What identifies the committed data: the index snapshot and the graph updates."""
        return self.index_version(), self._graph_version

    def neighbourhood(self) -> Neighbourhood:
        """Every project's graph neighbours, read once per data version."""
        version = self.data_version()
        with self._derived_lock:
            cached = self._neighbourhood
            if cached is None or cached[0] != version:
                cached = (version, neighbourhood(self.store, self.linker))
                self._neighbourhood = cached
        return cached[1]

    def facet_table(self) -> FacetTable:
        """Every project's facet values, read once per data version."""
        version = self.data_version()
        with self._derived_lock:
            cached = self._facet_table
            if cached is None or cached[0] != version:
                cached = (version, facet_table(self.store))
                self._facet_table = cached
        return cached[1]

    def filter_cache(self) -> dict[str, set[str]]:
        """Projects matching each filter pattern, valid for the current data version."""
        version = self.data_version()
        with self._derived_lock:
            if self._filter_cache[0] != version:
                self._filter_cache = (version, {})
            return self._filter_cache[1]

    def sparql_functions(self) -> dict[str, Callable[..., Any]]:
        """Custom SPARQL functions for in-process queries (``hkf:similarity``)."""
        return {FUNCTION: self._similarity}

    @cached_property
    def _similarity(self) -> Similarity:
        def centroids() -> Mapping[str, np.ndarray]:
            view = self.snapshot
            return view.centroids() if view is not None else {}

        return Similarity(centroids, lambda text: self.encoder.encode_queries([text])[0])

    def similarity_source(self) -> tuple[str, str] | None:
        """Where a SPARQL worker process finds what ``hkf:similarity`` needs."""
        state = getattr(self.index, "state", None)
        name = state.current_name() if state is not None else None
        if state is None or name is None:
            return None
        return str(state.snapshots / name), self.settings.encoder

    def warm_up(self) -> None:
        """Load every model and derived table now rather than on the first request."""
        _ = self.encoder_fingerprint, self.linker, self.translator
        view = self.snapshot
        if view is not None:
            view.encoder.check(self.encoder.name, self.encoder_fingerprint)
            view.has_term("")
            view.centroid_matrix()
            view.chunks_by_key()
            self.neighbourhood()
            self.facet_table()

    # -- reference data and recovery ------------------------------------------------

    def ensure_reference(self) -> None:
        """Load the reference data and the ontology into their named graphs, once
        (and again whenever their files change)."""
        name = self.iris.graph("reference")
        version = reference_version(self.settings.reference_dir, ONTOLOGY)
        current = self.store.ask(
            f'ASK {{ GRAPH <{name}> {{ <{name}> <{HK.version}> "{version}" }} }}'
        )
        if current:
            return
        graph = reference_graph(self.reference, self.iris)
        graph.add((name, HK.version, Literal(version)))
        ontology = Graph().parse(ONTOLOGY, format="turtle")
        self.store.replace_graphs([], {name: graph, self.iris.graph("ontology"): ontology})
        logger.info("loaded reference data (%d triples) and ontology", len(graph))

    def recover(self) -> None:
        """Settle a crash between the graph commit and the index commit, and a
        corrupt index: the index engine keeps what matches the graph, else the
        index is rebuilt from the graph."""
        missing = self.index.recover(self.store.documents())
        if missing is None:
            logger.error("graph and index disagree; rebuilding the index from the graph")
            self.reindex()
        elif missing:
            logger.warning("recovering: indexing %d documents from the graph", len(missing))
            self.reindex(only=missing)

    # -- ingest --------------------------------------------------------------------

    def ingest_paths(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        """Ingest files and directories; bad files are reported and skipped."""
        files = discover(paths)
        report = IngestReport()

        def documents() -> Iterator[Document]:
            # A generator, so only one batch of documents is in memory at a time.
            for path in files:
                try:
                    yield load_document(path, max_bytes=self.settings.max_document_bytes)
                except DocumentError as exc:
                    report.failed[str(path)] = str(exc)
                    if progress:
                        progress("documents", 1)

        return self.ingest_documents(documents(), report=report, progress=progress)

    def ingest_bytes(
        self, data: bytes, *, name: str, url: str | None = None, title: str | None = None
    ) -> IngestReport:
        """Ingest one uploaded document; a bad document raises ``DocumentError``."""
        document = load_bytes(
            data, name=name, max_bytes=self.settings.max_document_bytes, url=url, title=title
        )
        return self.ingest_documents([document])

    def ingest_documents(
        self,
        documents: Iterable[Document],
        report: IngestReport | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Extract, index and commit ``documents`` in batches, streaming.

        A batch is committed when it holds ``BATCH`` documents or a tenth of the
        indexed ones, whichever is more: each commit rewrites the index
        snapshot, so batches that grow with the index keep the total written
        linear in the corpus size.
        """
        report = report or IngestReport()
        with self._write_lock:
            writer = self.index.writer(self.encoder_identity)
            try:
                self._ingest(writer, documents, report, progress)
            finally:
                writer.close()
        return report

    def _ingest(
        self,
        writer: IndexWriter,
        documents: Iterable[Document],
        report: IngestReport,
        progress: Progress | None,
    ) -> None:
        known = writer.documents()
        by_path = {e.path: iri for iri, e in known.items()}
        pending: list[tuple[Document, URIRef, str | None]] = []
        for document in documents:
            iri = self.iris.document(document.sha256)
            entry = known.get(str(iri))
            if entry is not None and entry.sha256 == document.sha256:
                report.unchanged.append(document.path)
                report.documents[document.path] = str(iri)
                report.projects[str(iri)] = list(entry.projects)
                if progress:
                    progress("documents", 1)
                continue
            pending.append((document, iri, by_path.get(document.path)))
            if len(pending) >= max(BATCH, len(known) // 10):
                self._commit_batch(writer, pending, report, progress)
                pending = []
        if pending:
            self._commit_batch(writer, pending, report, progress)

    def _commit_batch(
        self,
        writer: IndexWriter,
        batch: list[tuple[Document, URIRef, str | None]],
        report: IngestReport,
        progress: Progress | None,
    ) -> None:
        now = datetime.now(UTC)
        graphs = {}
        drop: list[URIRef] = []
        for document, iri, old in batch:
            extraction = self.extractor.extract(document, iri)
            extraction.ingested_at = now
            graphs[iri] = document_graph(extraction, now)
            chunks = self._chunks(writer, extraction)
            vectors = self.encoder.encode_passages([c.text for c in chunks])
            if old is not None and old != str(iri):
                writer.remove_document(old)
                drop.append(URIRef(old))
                report.replaced.append(document.path)
            else:
                report.added.append(document.path)
            entry = DocumentEntry(
                sha256=document.sha256,
                path=document.path,
                chunk_ids=[],
                projects=[str(p) for p in extraction.project_iris],
                title=document.title,
                language=document.language,
            )
            writer.add_document(str(iri), entry, chunks, vectors)
            report.documents[document.path] = str(iri)
            report.projects[str(iri)] = entry.projects
            if extraction.warnings:
                report.warnings[document.path] = list(extraction.warnings)
            if progress:
                progress("documents", 1)
        writer.commit(lambda: self.store.replace_graphs(drop, graphs))

    def _chunks(self, writer: IndexWriter, extraction: Extraction) -> list[Chunk]:
        """Body chunks plus short title/name fields, with fresh ids."""
        document = extraction.document
        main = extraction.project_iris[0] if extraction.project_iris else None
        project = str(main) if main is not None else None
        pieces: list[tuple[int, int, str, str]] = []
        if document.title:
            pieces.append((0, 0, "title", document.title))
        names = {
            str(f.object)
            for f in extraction.facts
            if f.predicate == SCHEMA.name and f.subject == main
        }
        pieces.extend((0, 0, "name", n) for n in sorted(names))
        for span in chunk_text(document.text, skip=chrome_spans(document.text)):
            pieces.append((span.start, span.end, "body", span.text))
        ids = writer.allocate_ids(len(pieces))
        return [
            Chunk(
                id=cid,
                document=str(extraction.document_iri),
                project=project,
                start=start,
                end=end,
                lang=document.language,
                field=kind,
                text=text,
            )
            for cid, (start, end, kind, text) in zip(ids, pieces, strict=True)
        ]

    # -- SPARQL Update ---------------------------------------------------------------

    def apply_update(self, sparql: str) -> None:
        """Apply a SPARQL 1.1 Update through the single writer.

        The store applies it to the named graphs and restores the union default
        graph in the same write (all or nothing). Then the tables derived from
        the graph (names, facets, filters, related) are dropped, and documents
        whose graph the update removed leave the vectors and the lexical index
        in a new snapshot. Text changed through SPARQL is not re-embedded: the
        vectors keep the text as ingested until ``hankekg reindex``.

        Raises:
            QueryError: malformed or refused; nothing changed.
        """
        with self._write_lock:
            try:
                self.store.update(sparql)
            finally:
                # Even a failed update on a server without transactions may have
                # written something: derived tables are rebuilt on next use.
                with self._derived_lock:
                    self._graph_version += 1
            self._drop_missing_documents()

    def _drop_missing_documents(self) -> None:
        """Take documents whose graph is gone (or changed hash) out of the index."""
        if self.index_version() is None:
            return
        in_graph = self.store.documents()
        writer = self.index.writer(self.encoder_identity)
        try:
            gone = [
                iri
                for iri, entry in writer.documents().items()
                if in_graph.get(iri) != entry.sha256
            ]
            if not gone:
                return
            for iri in gone:
                writer.remove_document(iri)
            writer.commit()
        finally:
            writer.close()
        logger.info("SPARQL update removed %d documents from the index", len(gone))

    # -- deletion and rebuilding -----------------------------------------------------

    def delete_document(self, document: str) -> None:
        """Remove a document's graph, vectors and lexical entries, atomically.

        Raises:
            NotFound: no such document.
        """
        with self._write_lock:
            writer = self.index.writer(self.encoder_identity)
            try:
                if document not in writer.documents():
                    raise NotFound(f"no document {document}")
                writer.remove_document(document)
                writer.commit(lambda: self.store.replace_graphs([URIRef(document)], {}))
            finally:
                writer.close()

    def reindex(self, progress: Progress | None = None, only: set[str] | None = None) -> int:
        """Rebuild the whole index from the document texts kept in the graph.

        Used after changing the encoder, and by recovery (which passes ``only``:
        the documents to index again, keeping the rest). Returns the number of
        documents indexed.
        """
        rows = list(
            self.store.select(
                f"""SELECT ?d ?sha ?path ?text ?lang ?title WHERE {{ GRAPH ?d {{
                  ?d a <{PROV.Entity}> ; <{HK.sha256}> ?sha ; <{HK.path}> ?path ;
                     <{SCHEMA.text}> ?text ; <{SCHEMA.inLanguage}> ?lang .
                  OPTIONAL {{ ?d <{SCHEMA.name}> ?title }} }} }}"""
            )
        )
        if only is not None:
            rows = [r for r in rows if str(r["d"]) in only]
        with self._write_lock:
            writer = self.index.writer(self.encoder_identity, fresh=only is None)
            try:
                self._reindex(writer, rows, progress)
            finally:
                writer.close()
        return len(rows)

    def _reindex(self, writer: IndexWriter, rows: list[Any], progress: Progress | None) -> None:
        for row in rows:
            doc_iri = str(row["d"])
            # The document's main project first: it owns the chunks.
            projects = [
                str(r["p"])
                for r in self.store.select(
                    f"SELECT ?p ?main WHERE {{ GRAPH <{doc_iri}> {{ "
                    f"?p a <{HK.Project}> ; <{PROV.wasDerivedFrom}> <{doc_iri}> . "
                    f"OPTIONAL {{ <{doc_iri}> <{SCHEMA.mainEntity}> ?main }} }} }} "
                    "ORDER BY DESC(?p = ?main) ?p"
                )
            ]
            names = (
                [
                    str(r["n"])
                    for r in self.store.select(
                        f"SELECT DISTINCT ?n WHERE {{ GRAPH <{doc_iri}> {{ "
                        f"<{projects[0]}> <{SCHEMA.name}> ?n }} }} ORDER BY ?n"
                    )
                ]
                if projects
                else []
            )
            title = str(row["title"]) if row["title"] is not None else None
            document = Document(
                path=str(row["path"]),
                text=str(row["text"]),
                sha256=str(row["sha"]),
                media_type="text/plain",
                title=title,
                language=str(row["lang"]),
            )
            extraction = Extraction(
                document=document,
                document_iri=URIRef(doc_iri),
                project_iris=[URIRef(p) for p in projects],
            )
            chunks = self._chunks(writer, extraction)
            chunks += self._name_chunks(writer, extraction, names)
            vectors = self.encoder.encode_passages([c.text for c in chunks])
            entry = DocumentEntry(
                sha256=document.sha256,
                path=document.path,
                chunk_ids=[],
                projects=projects,
                title=title,
                language=document.language,
            )
            writer.add_document(doc_iri, entry, chunks, vectors)
            if progress:
                progress("documents", 1)
        writer.commit()

    def _name_chunks(
        self, writer: IndexWriter, extraction: Extraction, names: list[str]
    ) -> list[Chunk]:
        project = str(extraction.project_iris[0]) if extraction.project_iris else None
        ids = writer.allocate_ids(len(names))
        return [
            Chunk(
                cid,
                str(extraction.document_iri),
                project,
                0,
                0,
                extraction.document.language,
                "name",
                n,
            )
            for cid, n in zip(ids, names, strict=True)
        ]

    def document_iri(self, key: str) -> str:
        """Resolve a document id (sha prefix) or IRI to a document IRI.

        Raises:
            NotFound: unknown document.
        """
        iri = key if key.startswith(("http://", "https://")) else str(self.iris.document(key))
        view = self.snapshot
        if view is None or view.document(iri) is None:
            raise NotFound(f"no document {key}")
        return iri

    def close(self) -> None:
        """Flush the store and release the index."""
        self.store.close()
        self.index.close()


def path_for_upload(name: str) -> Path:
    """A safe display path for an uploaded file name (no directories)."""
    return Path(Path(name).name or "upload.txt")
