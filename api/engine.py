"""The engine: the read facade over one ``HANKEKG_HOME``'s store, index and models.

The CLI and the API both read through it, so the two front ends can never drift
apart. It is built once per process. Writes are not done here: ingest,
delete, reindex and SPARQL updates go through the ``ingest`` package's single
writer (:class:`ingest.Writer`), which the engine holds and forwards to.
Ingest is a pipeline (``ingest/pipeline.py``): documents are prepared
(extracted and embedded) on any executor, outside the write lock, and the
writer commits them in order, each batch through the index seam
(:mod:`search.index`): the index change is prepared, the named graphs are
replaced in one store write, and the index change becomes visible. A crash in
between is settled on the next open by :meth:`Engine.recover`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import numpy as np
from rdflib import Graph, Literal

from graph.config import Settings
from graph.errors import NotFound
from graph.iris import Iris
from graph.link.reference import load_reference
from graph.link.reference_graph import GRAPH_REVISION, reference_graph
from graph.store import get_store
from graph.vocab import HK
from ingest import (
    IngestReport,
    Progress,
    Source,
    Workers,
    Writer,
    build_preparer,
    discover,
    read_sources,
    rebuild_index,
)
from ingest import ingest as run_ingest
from ingest.commit import Change, Committed
from ingest.feed import feed_for, stored_subjects
from ingest.home_check import check_home, store_failure
from ingest.update_scope import touched_graphs
from search.calibration import Calibration
from search.calibration import load as load_calibration
from search.crosslingual import QueryTranslator, Translation, query_translator
from search.derived import derived_tables, differences
from search.encoders import Encoder, fingerprint
from search.filters import FacetTable
from search.index import DocumentEntry, EncoderIdentity, IndexView, IndexWriter, get_index
from search.index.tables import FEED_WINDOW, changed_documents
from search.index.tables import differences as table_differences
from search.money_filter import ProjectSums
from search.related import Neighbourhood
from search.similarity import FUNCTION, Similarity, write_centroids

if TYPE_CHECKING:
    from graph.extract import Extractor
    from graph.link.linker import Linker

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology" / "hankekg.ttl"


def reference_version(directory: Path, *extra: Path) -> str:
    """A hash over the reference files and the graph's revision, so changed reference
    data, or a changed way of building its graph, is reloaded."""
    digest = hashlib.sha256(GRAPH_REVISION.encode())
    for path in [*sorted(directory.glob("*")), *extra]:
        if path.is_file() and path.suffix in {".csv", ".tsv", ".ttl"}:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def one_index_version(
    fn: Callable[Concatenate[Engine, P], R],
) -> Callable[Concatenate[Engine, P], R]:
    """Run ``fn(engine, ...)`` inside :meth:`Engine.pinned` (one version read per call)."""

    @wraps(fn)
    def pinned(engine: Engine, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with engine.pinned():
            return fn(engine, *args, **kwargs)

    return pinned


class Engine:
    """Store, index, encoder and extractor for one ``HANKEKG_HOME``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.iris = Iris(settings.base)
        settings.home.mkdir(parents=True, exist_ok=True)
        check_home(settings)  # before anything could start an empty store over data
        self.store = get_store(settings)
        self.index = get_index(settings)
        self.reference = load_reference(settings.reference_dir)
        self.preparer = build_preparer(settings, reference=self.reference)
        self.writer = Writer(self.store, self.index, lambda: self.encoder_identity, self._rebuild)
        # Bumped by every SPARQL update, so tables derived from the graph are patched.
        self._graph_version = 0
        # Every commit's changes, where every replica reads them (ingest/feed.py).
        self.feed = feed_for(self.index, settings.home)
        self.writer.feed = self.feed
        if hasattr(self.index, "changes"):
            # replicas patch the index's per-version tables from the feed too
            feed = self.feed
            self.index.changes = lambda old, new: changed_documents(
                feed.tail(FEED_WINDOW), old, new
            )
        # Tables derived from the graph, patched from the feed after a write
        # (search/derived.py); each has its own lock, so a search never waits for the
        # neighbour table that only related-project requests need.
        self.derived = derived_tables(
            self.store,
            lambda: self.linker,
            self.feed,
            self.index_version,
            settings.home / "derived",
        )
        self._derived_lock = threading.Lock()
        # The index view a request runs over, per thread (see pinned()).
        self._pinned = threading.local()
        try:
            self.ensure_reference()
            self.recover()
        except BaseException as exc:
            self.close()  # release the store's lock before reporting
            damaged = store_failure(settings, exc)
            if damaged is None:
                raise
            raise damaged from None

    # -- models, loaded on first use ------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        """The configured encoder (the preparer's: one copy of the model per process)."""
        return self.preparer.encoder

    @cached_property
    def encoder_fingerprint(self) -> str:
        """Fingerprint of the configured encoder."""
        return fingerprint(self.encoder)

    @cached_property
    def calibration(self) -> Calibration:
        """The match rule fitted for this encoder (the home's, else the shipped one)."""
        return load_calibration(self.encoder_fingerprint, self.settings.home)

    @property
    def encoder_identity(self) -> EncoderIdentity:
        """The configured encoder's name, dimension and fingerprint."""
        return EncoderIdentity(self.encoder.name, self.encoder.dim, self.encoder_fingerprint)

    @property
    def snapshot(self) -> IndexView | None:
        """The committed index state searches run over (``None`` when empty)."""
        pinned = getattr(self._pinned, "state", None)
        return pinned[0] if pinned is not None else self.index.view()

    def index_version(self) -> str | None:
        """The committed index version: caches of derived data are keyed by it."""
        pinned = getattr(self._pinned, "state", None)
        return pinned[1] if pinned is not None else self.index.version()

    @contextmanager
    def pinned(self) -> Iterator[IndexView | None]:
        """Read the index version once for everything this thread does inside.

        A search asks for the view, the translation's vocabulary, the filter
        cache and the facet table; on a server index each would read the shared
        version (a round trip). Pinned, they share one read, and the next
        request reads it again, so writes by other replicas are still seen.
        """
        if getattr(self._pinned, "state", None) is not None:  # nested: keep the outer pin
            yield self._pinned.state[0]
            return
        view = self.index.view()
        self._pinned.state = (view, view.version if view is not None else self.index.version())
        try:
            yield view
        finally:
            self._pinned.state = None

    @property
    def linker(self) -> Linker:
        """The gazetteer linker over the reference data."""
        return self.preparer.linker

    @property
    def extractor(self) -> Extractor:
        """The extraction pipeline (loads spaCy once)."""
        return self.preparer.extractor

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
        """Every project's graph neighbours for the current data version."""
        return self.derived.neighbours.get(self.data_version())

    def facet_table(self) -> FacetTable:
        """Every project's facet values for the current data version."""
        return self.derived.facets.get(self.data_version())

    def filter_cache(self) -> dict[str, set[Any]]:
        """Projects matching each filter pattern, and the chunks each filter allows,
        valid for the current data version."""
        return self.derived.filters.get(self.data_version())

    def money_table(self) -> Mapping[str, ProjectSums]:
        """Every described project's grants and budget for the current data version."""
        return self.derived.money.get(self.data_version())

    def verify_derived(self) -> list[str]:
        """Where this process's derived tables (as patched) differ from a rebuild:
        the graph's (facets, filters, names, neighbours, money) and the index's
        (chunk groups, key languages, centroids)."""
        with self.pinned() as view:
            self.facet_table(), self.filter_cache(), self.neighbourhood(), self.money_table()
            problems = differences(
                self.store,
                self.linker,
                self.derived.facets.peek(),
                self.derived.filters.peek(),
                self.derived.neighbours.peek(),
                self.derived.money.peek(),
            )
            if view is not None:
                problems += table_differences(view.key_tables(), view.rebuilt_tables())
            return problems

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
        if state is not None:  # local snapshots: the worker reads the committed one
            name = state.current_name()
            return (str(state.snapshots / name), self.settings.encoder) if name else None
        # Other engines: the centroids of this version, written once to a file in the
        # home (SPARQL workers have no network, so they cannot ask the database).
        view = self.snapshot
        if view is None:
            return None
        path = self.settings.home / "centroids" / f"{view.version}.npz"
        with self._derived_lock:
            if not path.exists():
                write_centroids(path, *view.centroid_matrix())
        return str(path), self.settings.encoder

    def warm_up(self) -> None:
        """Load every model and derived table now rather than on the first request."""
        _ = self.encoder_fingerprint, self.linker, self.translator
        view = self.snapshot
        if view is not None:
            view.encoder.check(self.encoder.name, self.encoder_fingerprint)
        self.refresh()

    def refresh(self) -> None:
        """Build the current data version's derived tables now: the index's
        vocabulary, centroids and chunk groups, the graph neighbourhood, the facet
        and money tables, and the graph filters the previous version had cached. Otherwise the
        first search after a write builds them while its user waits (seconds at
        N = 10,000)."""
        with self.pinned() as view:
            if view is None:
                return
            # what every search needs first, the neighbour table (related projects) last
            view.has_term("")
            view.chunks_by_key()
            view.key_languages()
            self.facet_table()
            self.filter_cache()  # patched, or rebuilt with the patterns in use
            self.money_table()
            view.centroid_matrix()
            self.neighbourhood()

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
        corrupt index: the index engine keeps what matches the graph, and the
        rest is re-indexed from the graph."""
        self.writer.recover()

    def _rebuild(self, only: set[str] | None) -> None:
        self.reindex(only=only)

    # -- writes: forwarded to the single writer ------------------------------------

    def ingest_paths(
        self,
        paths: Iterable[Path],
        progress: Progress | None = None,
        workers: Workers | None = None,
    ) -> IngestReport:
        """Ingest files and directories; bad files are reported and skipped.

        Raises:
            DocumentError: a path does not exist.
        """
        paths = list(paths)
        files = discover(paths)
        report = IngestReport()
        # Named relative to the folders given: no server path reaches the graph or a response.
        sources = read_sources(files, self.settings.max_document_bytes, report, roots=paths)
        return self.ingest_sources(sources, progress=progress, workers=workers, report=report)

    def ingest_bytes(
        self, data: bytes, *, name: str, url: str | None = None, title: str | None = None
    ) -> IngestReport:
        """Ingest one uploaded document; a bad document raises ``DocumentError``.

        Preparing it (extraction, embedding) holds no lock: an upload waits for
        another write only while that write commits.
        """
        prepared = self.preparer.prepare(Source(name, data, url=url, title=title))
        done = self.writer.commit([prepared])
        report = IngestReport(added=done.added, replaced=done.replaced, unchanged=done.unchanged)
        report.documents[prepared.path] = prepared.document
        report.projects[prepared.document] = list(prepared.projects)
        if prepared.warnings:
            report.warnings[prepared.path] = list(prepared.warnings)
        return report

    def ingest_sources(
        self,
        sources: Iterable[Source],
        *,
        progress: Progress | None = None,
        workers: Workers | None = None,
        report: IngestReport | None = None,
    ) -> IngestReport:
        """Prepare ``sources`` (on ``workers``, inline by default) and commit them in order."""

        def lookup(iri: str) -> DocumentEntry | None:
            view = self.snapshot
            return view.document(iri) if view is not None else None

        def indexed() -> int:
            view = self.snapshot
            return view.document_count() if view is not None else 0

        return run_ingest(
            sources,
            self.preparer,
            self.writer,
            lookup=lookup,
            indexed=indexed,
            workers=workers,
            batch=self.settings.ingest_batch,
            progress=progress,
            report=report,
        )

    # -- SPARQL Update ---------------------------------------------------------------

    def apply_update(self, sparql: str, planned: bool = False) -> None:
        """Apply a SPARQL 1.1 Update through the single writer (``planned``: a text
        :meth:`QueryRunner.prepare_update` already planned and timed).

        The store applies it to the named graphs and restores the union default
        graph in the same write (all or nothing). Then the tables derived from
        the graph (names, facets, filters, related) are dropped, and documents
        whose graph the update removed leave the vectors and the lexical index
        in a new snapshot. Text changed through SPARQL is not re-embedded: the
        vectors keep the text as ingested until ``hankekg reindex``.

        Raises:
            QueryError: malformed or refused; nothing changed.
        """
        with self.writer.lock:
            self.writer.ensure_writable()
            # The change feed records the update by the graphs it touched, and the
            # subjects they held before and after; unknown graphs (or the reference
            # data's) record unknown subjects, and the derived tables are rebuilt.
            graphs = touched_graphs(sparql)
            reference = {str(self.iris.graph("reference")), str(self.iris.graph("ontology"))}
            known = graphs is not None and not graphs & reference
            names = sorted(graphs or ())
            before = stored_subjects(self.store, names) if known else None
            gone: list[str] = []
            try:
                if planned:
                    self.store.apply_plan(sparql)
                else:
                    self.store.update(sparql)
            finally:
                # Even a failed update on a server without transactions may have
                # written something: it is recorded, and derived tables follow it.
                after = stored_subjects(self.store, names) if before is not None else None
                subjects = None if before is None or after is None else before | after
                try:
                    gone = self._drop_missing_documents()
                finally:
                    self.writer.record("update", gone, names, subjects)
                    with self._derived_lock:
                        self._graph_version += 1

    def _drop_missing_documents(self) -> list[str]:
        """Take documents whose graph is gone (or changed hash) out of the index;
        returns them."""
        if self.index_version() is None:
            return []
        in_graph = self.store.documents()
        gone: list[str] = []

        def drop(index: IndexWriter) -> Change | None:
            gone.extend(
                iri for iri, entry in index.documents().items() if in_graph.get(iri) != entry.sha256
            )
            for iri in gone:
                index.remove_document(iri)
            return Change(Committed()) if gone else None

        self.writer.write(drop, kind=None)  # recorded with the update
        if gone:
            logger.info("SPARQL update removed %d documents from the index", len(gone))
        else:
            self.index.touch()  # other replicas' caches of the graph are stale
        return gone

    # -- deletion and rebuilding -----------------------------------------------------

    def delete_document(self, document: str) -> None:
        """Remove a document's graph, vectors and lexical entries, atomically.

        Raises:
            NotFound: no such document.
        """
        if not self.writer.delete(document):
            raise NotFound(f"no document {document}")

    def reindex(
        self,
        progress: Progress | None = None,
        only: set[str] | None = None,
        workers: Workers | None = None,
    ) -> int:
        """Rebuild the whole index from the document texts kept in the graph.

        Used after changing the encoder, and by recovery (which passes ``only``:
        the documents to index again, keeping the rest). Returns the number of
        documents indexed.
        """
        return rebuild_index(self.store, self.preparer, self.writer, workers, progress, only)

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
        """Keep the graph-derived tables for the next open, flush the store and release
        the index."""
        try:
            self.derived.save()
        except OSError as err:  # a read-only or full home: the next open rebuilds them
            logger.warning("derived tables not saved: %s", err)
        finally:  # whatever happened to that cache, the store is flushed
            self.store.close()
            self.index.close()


def path_for_upload(name: str) -> Path:
    """A safe display path for an uploaded file name (no directories)."""
    return Path(Path(name).name or "upload.txt")
