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

That evidence is what brings a value back when the page that won goes: when a
write drops or replaces a graph, and a project of it is left with no start date
(end date, status) in the union, the best value the remaining pages' evidence
states goes back into the graph that stated it, in the same write. So deleting
a page never leaves its project with fewer dates than the other pages give it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from graph.vocab import HK, PROV, SCHEMA

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
    across the batch and the store, after bringing back what a dropped or replaced
    page took with it; returns the store graphs it rewrote (added to ``change.graphs``)."""
    rewritten = restore_dates(store, change)
    return rewritten + [g for g in _settle(store, change) if g not in rewritten]


def _values(iris: set[Node]) -> str:
    return " ".join(f"<{i}>" for i in sorted(str(i) for i in iris))


def restore_dates(store: _Store, change: _Change) -> list[URIRef]:
    """Put back, from the evidence of the pages that remain, each start date, end date
    and status that a project of a dropped or replaced graph is left without; returns
    the store graphs it rewrote (added to ``change.graphs``)."""
    touched = [*change.drop, *(g for g in change.graphs)]
    if not touched:
        return []
    rows = store.select(
        f"""SELECT DISTINCT ?p WHERE {{
              VALUES ?g {{ {_values(set(touched))} }}
              GRAPH ?g {{ ?p <{PROV.wasDerivedFrom}> ?g }} }}"""
    )
    projects: set[Node] = {r["p"] for r in rows if isinstance(r["p"], URIRef)}
    for graph in change.graphs.values():
        projects.update(s for s in graph.subjects(PROV.wasDerivedFrom) if isinstance(s, URIRef))
    if not projects:
        return []
    skip = {*change.drop, *change.graphs}
    # what the union states after the change, and what the remaining evidence states
    direct: set[tuple[Node, Node]] = set()
    evidence: dict[tuple[Node, Node], list[tuple[URIRef, Node]]] = defaultdict(list)
    for name, graph in change.graphs.items():
        for predicate in (*_DATES, HK.status):
            direct.update((s, predicate) for s in graph.subjects(predicate))
        for ev in graph.subjects(RDF.type, HK.Evidence):
            stated = graph.value(ev, RDF.predicate)
            subject, value = graph.value(ev, RDF.subject), graph.value(ev, RDF.object)
            if stated in (*_DATES, HK.status) and stated and subject and value is not None:
                evidence[(subject, stated)].append((name, value))
    # Two queries, not one UNION: inside GRAPH ?g a union is not driven by the
    # VALUES, and its evidence branch then reads every evidence node (seconds at
    # N = 10,000); each pattern alone starts from the bound project.
    wanted = f"""VALUES ?p {{ {_values(projects)} }}
              VALUES ?pred {{ <{SCHEMA.startDate}> <{SCHEMA.endDate}> <{HK.status}> }}"""
    stated_rows = store.select(
        f"SELECT ?g ?p ?pred ?o WHERE {{ {wanted} GRAPH ?g {{ ?p ?pred ?o }} }}"
    )
    evidence_rows = store.select(
        f"""SELECT ?g ?p ?pred ?o WHERE {{ {wanted}
              GRAPH ?g {{ ?ev <{RDF.subject}> ?p ; <{RDF.predicate}> ?pred ; <{RDF.object}> ?o ;
                              a <{HK.Evidence}> }} }}"""
    )
    for rows, is_evidence in ((stated_rows, False), (evidence_rows, True)):
        for row in rows:
            g, subject, pred, value = row["g"], row["p"], row["pred"], row["o"]
            if not isinstance(g, URIRef) or g in skip or None in (subject, pred, value):
                continue
            assert subject is not None and pred is not None and value is not None  # for mypy
            if is_evidence:
                evidence[(subject, pred)].append((g, value))
            else:
                direct.add((subject, pred))
    rewritten: list[URIRef] = []
    for project in projects:
        winner_graph: URIRef | None = None
        for predicate in (SCHEMA.endDate, SCHEMA.startDate, HK.status):
            if (project, predicate) in direct:
                continue
            options = evidence.get((project, predicate), [])
            if predicate == HK.status:
                chosen = [o for o in options if o[0] == winner_graph] or sorted(
                    options, key=lambda go: str(go[1])
                )
            else:
                literals = [(g, o) for g, o in options if isinstance(o, Literal)]
                literals.sort(key=lambda go: rank(predicate, go[1]), reverse=True)
                chosen = list(literals)
            if not chosen:
                continue
            g, value = chosen[0]
            winner_graph = winner_graph or g
            if g not in change.graphs:
                change.graphs[g] = store.graph(g)
                rewritten.append(g)
            change.graphs[g].add((project, predicate, value))
    return rewritten


def _settle(store: _Store, change: _Change) -> list[URIRef]:
    """One value per project and date predicate among the triples (see the module)."""
    stated: dict[tuple[Node, URIRef], list[tuple[URIRef, Node]]] = defaultdict(list)
    for name, graph in change.graphs.items():
        for predicate in (*_DATES, HK.status):
            for s, o in graph.subject_objects(predicate):
                stated[(s, predicate)].append((name, o))
    projects = {s for s, _ in stated}
    if not projects:
        return []
    skip = {*change.drop, *change.graphs}
    values = _values(projects)
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
