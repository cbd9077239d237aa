"""Serialising RDF for HTTP answers with every literal kept exactly as stored.

rdflib is lossy twice over: parsing normalises literals (``"01"^^xsd:integer``
becomes ``"1"``), and its Turtle writer prints ``"1"^^xsd:decimal`` as ``1.0``
and its JSON-LD writer turns integers, doubles and booleans into JSON numbers.
So Turtle, N-Triples, RDF/XML and TriG are written by pyoxigraph from the
lexical forms, and JSON-LD by rdflib's compacting converter with native types
off (every typed literal is a ``{"@value": lexical, "@type": ...}`` object).
Graphs handed in must hold un-normalised literals: build them with
:func:`graph.store.terms.exact_graph` (or ``Literal(..., normalize=False)``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rdflib import Graph
from rdflib.plugins.serializers.jsonld import Converter
from rdflib.plugins.shared.jsonld.context import Context

from graph.store.terms import write_exact

JSONLD = "application/ld+json"


def serialize(
    graph: Graph,
    media: str,
    prefixes: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> bytes:
    """``graph`` as ``media``; in TriG its triples are in the default graph.

    Raises:
        KeyError: ``media`` is neither JSON-LD nor a key of ``WRITE_FORMATS``.
    """
    if media == JSONLD:
        return _jsonld(graph, context)
    return write_exact(graph, media, prefixes)


def _jsonld(graph: Graph, context: Mapping[str, Any] | None) -> bytes:
    """Compacted JSON-LD (with ``context``) keeping every literal's lexical form."""
    ctx = Context(dict(context) if context else None)
    converter = Converter(ctx, use_native_types=False, use_rdf_type=False)
    # Converter turns native types on whenever a context is active; native JSON
    # numbers would lose "01"^^xsd:integer and "1e0"^^xsd:double.
    converter.use_native_types = False
    result: Any = converter.convert(graph)
    if ctx.active:
        if isinstance(result, list):
            result = {ctx.get_key("@graph"): result}
        result["@context"] = dict(context or {})
    return json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
