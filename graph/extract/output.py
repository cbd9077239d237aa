"""Views of an extraction: JSON for the CLI and object iteration."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.model import Extraction

logger = logging.getLogger(__name__)


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """A JSON-friendly view of an extraction (for ``hankekg extract --json``)."""

    def term(node: Node) -> Any:
        if isinstance(node, Literal):
            out: dict[str, Any] = {"value": str(node)}
            if node.language:
                out["lang"] = node.language
            if node.datatype:
                out["datatype"] = str(node.datatype)
            return out
        return str(node)

    return {
        "document": extraction.document.path,
        "document_iri": str(extraction.document_iri),
        "projects": [str(p) for p in extraction.project_iris],
        "warnings": list(extraction.warnings),
        "facts": [
            {
                "subject": str(f.subject),
                "predicate": str(f.predicate),
                "object": term(f.object),
                "evidence": None
                if f.evidence is None
                else {
                    "start": f.evidence.start,
                    "end": f.evidence.end,
                    "quote": f.evidence.quote,
                    "extractor": f.evidence.extractor,
                    "score": f.evidence.score,
                },
            }
            for f in extraction.facts
        ],
    }


def iter_objects(
    extraction: Extraction, predicate: URIRef, subject: URIRef | None = None
) -> Iterable[Node]:
    """Objects of ``predicate`` in ``extraction`` (of ``subject`` when given)."""
    for f in extraction.facts:
        if f.predicate == predicate and (subject is None or f.subject == subject):
            yield f.object
