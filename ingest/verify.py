"""``hankekg verify``: do the graph, the vectors and the lexical index agree?

The graph is the source of truth. The committed index must hold the same
documents with the same content hashes, and exactly one chunk, one vector and
one lexical entry for each chunk id the index's documents name. An index that
cannot be read at all (a failed checksum, a truncated file) is a disagreement
too, and so is a graph store whose files fail to read (every quad is read) or
that lost documents the index holds. Every finding is one line; an empty list
means agreement. Nothing is repaired here: ``hankekg reindex`` rebuilds the index from the graph.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.errors import HankeKGError
from graph.store import GraphStore
from search.index import DocumentEntry, Index, IndexView, Snapshot


def verify(store: GraphStore, index: Index) -> list[str]:
    """Every disagreement between the graph and the committed index, one line each."""
    try:
        graph = store.documents()
        problems = _read_all(store)
    except (OSError, RuntimeError) as exc:
        return [f"graph: the store cannot be read ({_first_line(exc)})"]
    if problems:
        return problems
    try:
        view = index.view()
    except (HankeKGError, OSError, ValueError) as exc:
        return [f"index: the committed index cannot be read ({exc})"]
    if view is None:
        return [f"index: empty, but the graph holds {len(graph)} documents"] if graph else []
    documents = view.documents()
    problems = _documents(graph, documents)
    problems += _chunks(view, documents)
    return problems


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _read_all(store: GraphStore) -> list[str]:
    """Read every quad of every named graph, so a damaged file of the store (a
    truncated or corrupt table that opening did not touch) is found here, not by
    a later query."""
    scan = getattr(store, "scan", None)  # the embedded store; a server checks its own files
    if scan is None:
        return []
    try:
        scan()
    except (OSError, RuntimeError) as exc:
        return [f"graph: the store cannot be read in full ({_first_line(exc)})"]
    return []


def _documents(graph: dict[str, str], documents: Mapping[str, DocumentEntry]) -> list[str]:
    index = {iri: entry.sha256 for iri, entry in documents.items()}
    problems = [f"graph only: {iri}" for iri in sorted(graph.keys() - index.keys())]
    problems += [f"index only: {iri}" for iri in sorted(index.keys() - graph.keys())]
    problems += [
        f"content differs: {iri} (graph sha256 {graph[iri][:12]}, index {index[iri][:12]})"
        for iri in sorted(graph.keys() & index.keys())
        if graph[iri] != index[iri]
    ]
    return problems


def _chunks(view: IndexView, documents: Mapping[str, DocumentEntry]) -> list[str]:
    named = {cid for entry in documents.values() for cid in entry.chunk_ids}
    problems: list[str] = []
    found = view.get_chunks(named)
    if missing := named - found.keys():
        problems.append(f"chunks: {len(missing)} chunk(s) the documents name are missing")
    if view.vector_count() != len(named):
        problems.append(
            f"vectors: {view.vector_count()} vectors for {len(named)} chunks the documents name"
        )
    if isinstance(view, Snapshot):
        problems += _local_ids(view, named)
    return problems


def _local_ids(snapshot: Snapshot, named: set[int]) -> list[str]:
    """The embedded engine's files, id by id: ``chunks.jsonl``, FAISS and the term
    postings of every segment (less the snapshot's tombstones)."""
    problems: list[str] = []
    for name, ids in snapshot.stored_ids().items():
        if missing := named - ids:
            problems.append(f"{name}: {len(missing)} chunk(s) of the documents missing")
        if extra := ids - named:
            problems.append(f"{name}: {len(extra)} chunk(s) no document owns")
    return problems
