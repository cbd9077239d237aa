"""SPARQL Update text that keeps the default graph the union of the named graphs.

Both backends write through the requests built here, so the union rule is the
same everywhere:

* :func:`replace_graphs` drops and rewrites whole document graphs and takes a
  triple out of the union only when no remaining graph still holds it;
* :func:`plan` checks a user's SPARQL Update and appends the operations that
  restore the union after it, so the whole request is one write. When it knows
  which graphs the update deletes from, only their triples (copied aside into a
  request-private graph first) are checked against the union, not the whole
  union.

``union`` names where the union lives: ``None`` for the store's own default
graph (embedded Oxigraph), or a graph IRI on a SPARQL server, whose default
graph may not be a plain writable graph (Virtuoso's is every graph at once).
``scope`` (servers only) is the IRI prefix of hankekg's graphs, so a server
shared with other data keeps its other graphs out of the union.

A user update may write named graphs only. The default graph is derived, so an
operation aimed at it (``INSERT DATA`` without ``GRAPH``, ``CLEAR DEFAULT``,
``COPY ... TO DEFAULT``) is refused with the reason, and so are ``LOAD`` (no
outbound requests) and ``SERVICE``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from graph.errors import QueryError
from graph.store import tokens
from graph.vocab import PREFIXES

#: Prefix of the request-private graph that holds, during one update, the triples
#: of the graphs it deletes from (see :func:`plan`).
STAGING = "urn:x-hankekg:staging:"

DEFAULT_REFUSED = (
    "the default graph is the union of the named graphs and cannot be written directly: "
    "name a graph, e.g. INSERT DATA {{ GRAPH <...> {{ ... }} }} ({what})"
)


def _in_union(union: str | None, pattern: str) -> str:
    return pattern if union is None else f"GRAPH <{union}> {{ {pattern} }}"


def _other_graph(union: str | None, var: str = "?h", scope: str | None = None) -> str:
    """A filter that keeps ``var`` off the union graph and inside ``scope``."""
    tests = [] if union is None else [f"{var} != <{union}>"]
    if scope:
        tests.append(f'STRSTARTS(STR({var}), "{scope}")')
    return f"FILTER({' && '.join(tests)})" if tests else ""


def replace_graphs(
    drop: Iterable[URIRef], add: dict[URIRef, Graph], union: str | None, scope: str | None = None
) -> str:
    """One update that drops ``drop``, (re)writes ``add`` and keeps the union."""
    gone = list(dict.fromkeys([*drop, *add]))
    parts: list[str] = []
    if gone:
        values = " ".join(f"<{g}>" for g in gone)
        listed = ", ".join(f"<{g}>" for g in gone)
        # A triple leaves the union only when no graph that stays still holds it.
        parts.append(
            f"""DELETE {{ {_in_union(union, "?s ?p ?o")} }} WHERE {{ VALUES ?g {{ {values} }}
            GRAPH ?g {{ ?s ?p ?o }}
            FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h NOT IN ({listed}))
            {_other_graph(union, scope=scope)} }} }}"""
        )
        # CLEAR as well as DROP: Virtuoso keeps a graph's triples on DROP SILENT of a
        # graph it did not CREATE, and Oxigraph keeps an empty graph's name on CLEAR.
        parts += [
            op for g in gone for op in (f"CLEAR SILENT GRAPH <{g}>", f"DROP SILENT GRAPH <{g}>")
        ]
    for name, graph in add.items():
        if len(graph):
            body = graph.serialize(format="nt")
            # One operation for both copies: a blank node label is shared within one
            # operation but would name two different nodes across two. A graph with
            # blank nodes is written by INSERT ... WHERE {}, since some servers
            # (Virtuoso) refuse blank nodes in INSERT DATA.
            blocks = f"GRAPH <{name}> {{\n{body}\n}}\n{_in_union(union, chr(10) + body + chr(10))}"
            if any(isinstance(term, BNode) for triple in graph for term in triple):
                parts.append(f"INSERT {{ {blocks} }} WHERE {{}}")
            else:
                parts.append(f"INSERT DATA {{ {blocks} }}")
    return "\n;\n".join(parts)


def _prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def _graph_names(quads: object) -> set[str] | None:
    """The graph IRIs of an rdflib quads block (``None`` when one is a variable)."""
    names = list(quads or {})  # type: ignore[call-overload]
    if any(isinstance(g, Variable) for g in names):
        return None
    return {str(g) for g in names}


def _field(operation: object, key: str) -> object:
    """``operation``'s ``key``, or ``None`` when it has none.

    Never ``CompValue.get``: for a missing key it returns the key's *name* (so an
    ``INSERT``-only ``Modify`` seemed to have a ``"delete"`` clause, and a missing
    ``WITH`` became the graph ``<withClause>``).
    """
    return operation[key] if key in operation else None  # type: ignore[index,operator]


def deleted_from(operation: object) -> set[str] | None:
    """The named graphs ``operation`` may take triples out of (``None``: any graph)."""
    name = getattr(operation, "name", "")

    def get(key: str) -> Any:
        return _field(operation, key)

    if name in ("DeleteData", "DeleteWhere"):
        return _graph_names(get("quads"))
    if name == "Modify":
        clause = get("delete")
        if clause is None:
            return set()
        graphs = _graph_names(_field(clause, "quads"))
        if graphs is not None and _field(clause, "triples"):
            with_clause = get("withClause")
            if with_clause is None:
                return None  # refused by _check; never a made-up graph name
            graphs.add(str(with_clause))
        return graphs
    if name in ("Clear", "Drop"):
        target = get("graphiri")
        return None if target in ("NAMED", "ALL", None) else {str(target)}
    if name == "Copy":
        return {str(get("graph")[1])}
    if name == "Move":
        return {str(g) for g in get("graph") if g != "DEFAULT"}
    return set()


def _check(operation: object) -> tuple[bool, set[str] | None]:
    """Refuse what the union rule forbids; (deletes anything, graphs it writes or None = any).

    Raises:
        QueryError: the operation writes the default graph or loads from the web.
    """
    name = getattr(operation, "name", "")

    def get(key: str) -> Any:
        return _field(operation, key)

    if name == "Load":
        raise QueryError("LOAD is not allowed: this endpoint makes no outbound requests")
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        if get("triples"):
            raise QueryError(DEFAULT_REFUSED.format(what=f"{name} without GRAPH"))
        graphs = {str(g) for g in get("quads") or {}}
        return name != "InsertData", graphs if name == "InsertData" else set()
    if name == "Modify":
        with_clause = get("withClause")
        written: set[str] | None = set()
        deletes = False
        for key in ("delete", "insert"):
            clause = get(key)
            if clause is None:
                continue
            deletes = deletes or key == "delete"
            if _field(clause, "triples"):
                if with_clause is None:
                    raise QueryError(DEFAULT_REFUSED.format(what=f"{key.upper()} without GRAPH"))
                if key == "insert" and written is not None:
                    written.add(str(with_clause))
            for graph in _field(clause, "quads") or {}:  # type: ignore[attr-defined]
                if key != "insert":
                    continue
                if isinstance(graph, Variable):
                    written = None
                elif written is not None:
                    written.add(str(graph))
        return deletes, written
    if name in ("Clear", "Drop", "Create"):
        target = get("graphiri")
        if target == "DEFAULT":
            raise QueryError(DEFAULT_REFUSED.format(what=f"{name.upper()} DEFAULT"))
        if target == "NAMED":
            # SPARQL keeps the default graph on CLEAR/DROP NAMED; a derived one cannot be kept.
            raise QueryError(
                f"{name.upper()} NAMED would empty the default graph, which is the union of the "
                "named graphs: use DROP ALL, or name the graphs"
            )
        return name != "Create", set()
    if name in ("Add", "Move", "Copy"):
        source, target = get("graph")
        if target == "DEFAULT" or (name == "Move" and source == "DEFAULT"):
            raise QueryError(DEFAULT_REFUSED.format(what=f"{name.upper()} with DEFAULT"))
        return name != "Add", {str(target)}
    raise QueryError(f"unsupported update operation {name}")


def _dropped(operations: Sequence[CompValue]) -> list[str]:
    """The graph IRIs that ``DROP GRAPH`` operations name."""
    return [
        str(_field(op, "graphiri"))
        for op in operations
        if op.name == "Drop" and _field(op, "graphiri") not in ("ALL", "NAMED", "DEFAULT", None)
    ]


def _whole_store(operations: Sequence[CompValue], union: str, scope: str | None) -> str | None:
    """On a server whose union lives in a graph of its own: ``CLEAR``/``DROP`` ``ALL``
    as a delete of hankekg's graphs, the union included, and nothing
    else on the server (``None`` when the update has no such operation).

    Virtuoso's ``CLEAR ALL`` skips graphs not made with ``CREATE GRAPH`` (all of
    hankekg's) and would otherwise reach its system graphs.

    Raises:
        QueryError: the operation is not alone in its request, or the store has no
            scope to keep other data on the server out of it.
    """
    whole = [
        op for op in operations if op.name in ("Clear", "Drop") and _field(op, "graphiri") == "ALL"
    ]
    if not whole:
        return None
    if len(operations) > 1 or scope is None:
        raise QueryError(
            "on this graph server CLEAR/DROP ALL must be the only operation of its "
            "request, on a store with a scope (HANKEKG_BASE_IRI); name the graphs instead"
        )
    return f"""DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(?g = <{union}> || STRSTARTS(STR(?g), "{scope}")) }}"""


def plan(sparql: str, union: str | None, scope: str | None = None, base: str | None = None) -> str:
    """``sparql`` followed by the operations that restore the union after it.

    The result stands alone: ``base`` (the IRI relative IRIs resolve against, as
    SPARQL 1.1 Query §4.1.1.1 has it; ``None``: none) and hankekg's prefixes come
    first, then the user's own prologue (which overrides both), then the
    operations. An update with no operation at all (a comment, a lone
    ``PREFIX``) plans to ``""``: there is nothing to apply.

    Raises:
        QueryError: malformed, or refused (the message says why).
    """
    try:
        tree = parseUpdate(_prologue() + sparql)
        operations: list[CompValue] = (
            list(translateUpdate(tree, base=base).algebra) if "request" in tree else []
        )
    except RecursionError:
        raise QueryError("the update is too deeply nested to check") from None
    except Exception as exc:  # noqa: BLE001 - the parser raises several types
        raise QueryError(f"malformed SPARQL update: {exc}") from exc
    if not operations:
        return ""
    head = (f"BASE <{base}>\n" if base else "") + _prologue()
    try:
        split = tokens.prologue_end(sparql)
    except tokens.Untokenisable as exc:
        raise QueryError(f"malformed SPARQL update: {exc}") from exc
    # The user's prologue stays in front of every operation, ours included: a
    # PREFIX after a ';' would start a second, malformed request.
    head += sparql[:split] + "\n"
    body = sparql[split:].rstrip().rstrip(";")
    if union is not None:
        whole = _whole_store(operations, union, scope)
        if whole is not None:
            return head + whole
    deletes = False
    written: set[str] | None = set()
    touched: set[str] | None = set()
    for operation in operations:
        op_deletes, op_written = _check(operation)
        deletes = deletes or op_deletes
        if op_written is None or written is None:
            written = None
        else:
            written |= op_written
        op_touched = deleted_from(operation)
        touched = None if op_touched is None or touched is None else touched | op_touched
    # Joined with a newline first: the user's text may end in a comment.
    parts = [body]
    if union is not None:
        # Virtuoso refuses DROP GRAPH for a graph not made with CREATE GRAPH, and
        # hankekg writes its graphs without it; CREATE SILENT is a no-op elsewhere.
        parts[:0] = [f"CREATE SILENT GRAPH <{g}>" for g in _dropped(operations)]
    if deletes and touched is not None:
        # Only a triple of a graph the update deletes from can leave the union: copy
        # those graphs aside first (a request-private graph), then check just those
        # triples afterwards, instead of every triple of the union.
        stage = f"{STAGING}{uuid.uuid4().hex}"
        values = " ".join(f"<{g}>" for g in sorted(touched))
        copy = f"""INSERT {{ GRAPH <{stage}> {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }}
            GRAPH ?g {{ ?s ?p ?o }} }}"""  # noqa: S608 - SPARQL; IRIs from the parsed update
        parts.insert(0, copy)
        parts.append(
            f"""DELETE {{ {_in_union(union, "?s ?p ?o")} }} WHERE {{ GRAPH <{stage}> {{ ?s ?p ?o }}
            FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != <{stage}>)
            {_other_graph(union, scope=scope)} }} }}"""
        )
        # CLEAR as well as DROP: Virtuoso keeps a graph's triples on DROP SILENT of a
        # graph it did not CREATE, and Oxigraph keeps an empty graph's name on CLEAR.
        parts += [f"CLEAR SILENT GRAPH <{stage}>", f"DROP SILENT GRAPH <{stage}>"]
    elif deletes:
        # Whatever no named graph holds any more leaves the union.
        parts.append(
            f"""DELETE {{ {_in_union(union, "?s ?p ?o")} }} WHERE {{ {_in_union(union, "?s ?p ?o")}
            FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} {_other_graph(union, scope=scope)} }} }}"""
        )
    if written is None or written:
        values = "" if written is None else f"VALUES ?g {{ {' '.join(f'<{g}>' for g in written)} }}"
        parts.append(
            f"""INSERT {{ {_in_union(union, "?s ?p ?o")} }} WHERE {{ {values}
            GRAPH ?g {{ ?s ?p ?o }} {_other_graph(union, "?g", scope)} }}"""
        )
    return head + "\n;\n".join(parts)
