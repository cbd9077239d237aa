"""Rebuild the search index from the graph alone: ``hankekg reindex``.

Every document's graph keeps its text, language, title and main project, so
the index can always be rebuilt from the store, whatever state the index files
are in: nothing of the old index is read. The documents are chunked exactly as
ingest chunks them (:func:`ingest.prepare.chunk_pieces`), embedded on the same
executors as ingest (outside the write lock), and committed by the single
writer as one new index.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

from graph.model import Document
from graph.store import GraphStore
from graph.vocab import HK, PROV, SCHEMA
from ingest.commit import Change, Committed, Writer, add_prepared
from ingest.executors import InlineWorkers, Workers
from ingest.prepare import Prepared, Preparer, embed_task
from search.index import IndexWriter

Progress = Callable[[str, int], None]


@dataclasses.dataclass(frozen=True)
class StoredDocument:
    """A document as its graph keeps it."""

    iri: str
    document: Document
    projects: list[str]
    """Project IRIs, the main one first (it owns the chunks)."""
    names: list[str]
    """The main project's names."""


def stored_documents(store: GraphStore, only: set[str] | None = None) -> list[StoredDocument]:
    """Every document in the graph (or those in ``only``), ordered by path so that a
    rebuild allocates chunk ids in a stable order."""
    rows = store.select(
        f"""SELECT ?d ?sha ?path ?text ?lang ?title WHERE {{ GRAPH ?d {{
          ?d a <{PROV.Entity}> ; <{HK.sha256}> ?sha ; <{HK.path}> ?path ;
             <{SCHEMA.text}> ?text ; <{SCHEMA.inLanguage}> ?lang .
          OPTIONAL {{ ?d <{SCHEMA.name}> ?title }} }} }} ORDER BY ?path ?d"""
    )
    out: list[StoredDocument] = []
    for row in rows:
        iri = str(row["d"])
        if only is not None and iri not in only:
            continue
        projects = [
            str(r["p"])
            for r in store.select(
                f"SELECT ?p ?main WHERE {{ GRAPH <{iri}> {{ "
                f"?p a <{HK.Project}> ; <{PROV.wasDerivedFrom}> <{iri}> . "
                f"OPTIONAL {{ <{iri}> <{SCHEMA.mainEntity}> ?main }} }} }} "
                "ORDER BY DESC(?p = ?main) ?p"
            )
        ]
        names = (
            [
                str(r["n"])
                for r in store.select(
                    f"SELECT DISTINCT ?n WHERE {{ GRAPH <{iri}> {{ "
                    f"<{projects[0]}> <{SCHEMA.name}> ?n }} }}"
                )
            ]
            if projects
            else []
        )
        title = row["title"]
        document = Document(
            path=str(row["path"]),
            text=str(row["text"]),
            sha256=str(row["sha"]),
            media_type="text/plain",
            title=str(title) if title is not None else None,
            language=str(row["lang"]),
        )
        out.append(StoredDocument(iri, document, projects, names))
    return out


def rebuild_index(
    store: GraphStore,
    preparer: Preparer,
    writer: Writer,
    workers: Workers | None = None,
    progress: Progress | None = None,
    only: set[str] | None = None,
) -> int:
    """Re-index the graph's documents (all, replacing the index; or ``only`` these,
    keeping the rest) and commit; returns the number of documents indexed."""
    documents = stored_documents(store, only)
    pool = workers or InlineWorkers()
    tick = progress or (lambda _stage, _n: None)
    window: deque[tuple[StoredDocument, Future[Prepared]]] = deque()
    # As in ingest: a window by where prepare runs (a cluster may still be growing).
    depth = 1 if isinstance(pool, InlineWorkers) else max(8, 4 * pool.size)
    ready: list[tuple[StoredDocument, Prepared]] = []

    def settle() -> None:
        stored, future = window.popleft()
        ready.append((stored, dataclasses.replace(future.result(), document=stored.iri)))
        tick("prepared", 1)

    for stored in documents:
        if isinstance(pool, InlineWorkers):
            future = pool.submit(preparer.embed, stored.document, stored.names)
        else:
            future = pool.submit(embed_task, preparer, stored.document, stored.names)
        window.append((stored, future))
        while len(window) >= depth:
            settle()
    while window:
        settle()

    def fill(index: IndexWriter) -> Change:
        for stored, prepared in ready:
            index.remove_document(stored.iri)
            add_prepared(index, prepared, stored.projects)
        return Change(Committed())

    writer.write(fill, fresh=only is None)
    tick("committed", len(documents))
    return len(documents)
