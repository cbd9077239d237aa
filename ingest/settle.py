"""One start date, one end date and one status per project across documents.

Each document's named graph states what that document says, and the default
graph is their union; two pages about one project can therefore give it two
start dates ("2016-08-01" on one, "2016" on the other), which breaks the
project shape (``schema:startDate`` at most once). Before a batch is written,
:func:`settle_dates` looks at every value the batch and the store give each of
its projects and keeps one:

* the most precise date wins (a day over a month over a year); among equally
  precise ones the earliest start and the latest end (the widest period the
  pages state);
* ``hk:status`` follows the graph whose end date (else start date) won.

The other values leave the graphs that stated them, those graphs are rewritten
in the same write, and their evidence (``hk:Evidence`` with ``rdf:object`` the
value and the quoted text) stays: what a page said is still there to read.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from graph.vocab import HK, SCHEMA

_PRECISION = {XSD.date: 3, XSD.gYearMonth: 2, XSD.gYear: 1}
_DATES = (SCHEMA.startDate, SCHEMA.endDate)


class _Store(Protocol):
    def select(self, sparql: str) -> list[dict[str, Node | None]]: ...  # noqa: D102
    def graph(self, name: URIRef) -> Graph: ...  # noqa: D102


class _Change(Protocol):
    drop: list[URIRef]
    graphs: dict[URIRef, Graph]


def rank(predicate: URIRef, value: Literal) -> tuple[int, str]:
    """Sort key of a date value: higher wins (precision, then earliest start or latest end)."""
    precision = _PRECISION.get(value.datatype or XSD.string, 0)
    text = str(value)
    if predicate == SCHEMA.startDate:
        # Earliest start wins among equals: invert the order of the text.
        return precision, "".join(chr(0x10FFFF - ord(c)) for c in text)
    return precision, text


def settle_dates(store: _Store, change: _Change) -> list[URIRef]:
    """Keep one start date, end date and status per project of ``change.graphs``,
    across the batch and the store; returns the store graphs it rewrote (added to
    ``change.graphs``)."""
    stated: dict[tuple[Node, URIRef], list[tuple[URIRef, Node]]] = defaultdict(list)
    for name, graph in change.graphs.items():
        for predicate in (*_DATES, HK.status):
            for s, o in graph.subject_objects(predicate):
                stated[(s, predicate)].append((name, o))
    projects = {s for s, _ in stated}
    if not projects:
        return []
    skip = {*change.drop, *change.graphs}
    values = " ".join(f"<{p}>" for p in sorted(str(p) for p in projects))
    rows = store.select(
        f"""SELECT ?g ?p ?pred ?o WHERE {{
              VALUES ?p {{ {values} }}
              VALUES ?pred {{ <{SCHEMA.startDate}> <{SCHEMA.endDate}> <{HK.status}> }}
              GRAPH ?g {{ ?p ?pred ?o }} }}"""
    )
    for row in rows:
        g, subject, pred, value = row["g"], row["p"], row["pred"], row["o"]
        if not isinstance(g, URIRef) or g in skip or not isinstance(pred, URIRef):
            continue
        if subject is not None and value is not None:
            stated[(subject, pred)].append((g, value))
    losers: list[tuple[URIRef, Node, URIRef, Node]] = []
    for project in projects:
        winner_graph: URIRef | None = None
        for predicate in (SCHEMA.endDate, SCHEMA.startDate):
            options = [
                (g, o) for g, o in stated.get((project, predicate), []) if isinstance(o, Literal)
            ]
            if len({o for _, o in options}) < 2:
                if options and winner_graph is None:
                    winner_graph = options[0][0]
                continue
            best = max(options, key=lambda go: rank(predicate, go[1]))
            winner_graph = winner_graph or best[0]
            losers.extend((g, project, predicate, o) for g, o in options if o != best[1])
        statuses = stated.get((project, HK.status), [])
        if len({o for _, o in statuses}) > 1:
            keep = next((o for g, o in statuses if g == winner_graph), None)
            keep = keep if keep is not None else min((o for _, o in statuses), key=str)
            losers.extend((g, project, HK.status, o) for g, o in statuses if o != keep)
    rewritten: list[URIRef] = []
    for g, s, p, o in losers:
        if g not in change.graphs:
            change.graphs[g] = store.graph(g)
            rewritten.append(g)
        change.graphs[g].remove((s, p, o))
    return rewritten
