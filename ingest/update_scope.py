"""Which named graphs a SPARQL 1.1 Update can write, read from its text.

The change feed (:mod:`ingest.feed`) records an update by the graphs it
touched, so replicas patch their derived tables for the subjects of those
graphs only. The graphs come from the update's templates, ``WITH``, and the
graph management operations. Where they cannot be known from the text (a
template over the default graph without ``WITH``, a ``GRAPH ?g`` template,
``DROP ALL``, a text rdflib cannot parse), the answer is ``None`` and the
derived tables are rebuilt, which is always correct.
"""

from __future__ import annotations

from typing import Any

from rdflib import URIRef


def touched_graphs(sparql: str, base: str | None = None) -> set[str] | None:
    """Named graphs ``sparql`` may change; ``None`` when that is not known."""
    try:
        from rdflib.plugins.sparql.algebra import translateUpdate
        from rdflib.plugins.sparql.parser import parseUpdate

        update = translateUpdate(parseUpdate(sparql), base=base)
    except Exception:  # not ours to report: the store refuses it, or it ran as planned
        return None
    out: set[str] = set()
    for op in update.algebra:
        found = _op_graphs(op)
        if found is None:
            return None
        out |= found
    return out


def _op_graphs(op: Any) -> set[str] | None:
    name = op.name
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _template(op, None)
    if name == "Modify":
        with_graph = _field(op, "withClause")
        out: set[str] = set()
        for clause in (_field(op, "delete"), _field(op, "insert")):
            if clause is None:
                continue
            found = _template(clause, with_graph)
            if found is None:
                return None
            out |= found
        return out
    if name in ("Clear", "Drop", "Create", "Load"):
        return _iris([_field(op, "graphiri")])
    if name in ("Add", "Move", "Copy"):
        return _iris(list(_field(op, "graph") or []))
    return None


def _template(clause: Any, with_graph: Any) -> set[str] | None:
    """Graphs of a quad template; default-graph triples count only under ``WITH``."""
    out: set[str] = set()
    for graph in (_field(clause, "quads") or {}).keys():
        if not isinstance(graph, URIRef):
            return None  # GRAPH ?g: any graph
        out.add(str(graph))
    if _field(clause, "triples"):
        if not isinstance(with_graph, URIRef):
            return None
        out.add(str(with_graph))
    return out


def _field(value: Any, name: str) -> Any:
    """A parsed operation's field, ``None`` when absent (``CompValue.get`` does not say)."""
    return value[name] if name in value else None


def _iris(values: list[Any]) -> set[str] | None:
    """Graph IRIs of a management operation; ``ALL``, ``DEFAULT``, ``NAMED`` are unknown."""
    out: set[str] = set()
    for value in values:
        if not isinstance(value, URIRef):
            return None
        out.add(str(value))
    return out
