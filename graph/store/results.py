"""SPARQL result serialisers with a row limit: JSON, XML, CSV and TSV.

Neither pyoxigraph nor a remote server can be told to stop serialising after
``n`` rows, so the endpoint writes the four W3C result formats itself from the
rows it has read. Terms are given in the SPARQL 1.1 JSON results form
(``{"type": "uri" | "bnode" | "literal" | "triple", "value": ...}``), which
every backend can produce. This module imports only the standard library
because it also runs inside the query worker processes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from graph.csv_safe import neutralise

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
FORMATS = (JSON, XML, CSV, TSV)

Term = dict[str, Any]
"""One RDF term in the SPARQL JSON results form."""

Row = Sequence[Term | None]
"""One solution: a term (or ``None`` when unbound) per variable, in order."""


def _xml_term(term: Term) -> str:
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<uri>{escape(value)}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(value)}</bnode>"
    if kind in ("literal", "typed-literal"):
        if term.get("xml:lang"):
            return f"<literal xml:lang={quoteattr(term['xml:lang'])}>{escape(value)}</literal>"
        if term.get("datatype") and term["datatype"] != XSD_STRING:
            return f"<literal datatype={quoteattr(term['datatype'])}>{escape(value)}</literal>"
        return f"<literal>{escape(value)}</literal>"
    if kind == "triple":
        return (
            f"<triple><subject>{_xml_term(value['subject'])}</subject>"
            f"<predicate>{_xml_term(value['predicate'])}</predicate>"
            f"<object>{_xml_term(value['object'])}</object></triple>"
        )
    raise TypeError(f"unexpected term {term!r}")


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    if term["type"] == "triple":
        return ntriples_term(term)
    return str(term["value"])


def _escape_literal(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def ntriples_term(term: Term) -> str:
    """The N-Triples form of ``term``."""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    if kind == "triple":
        parts = (ntriples_term(value[k]) for k in ("subject", "predicate", "object"))
        return "<< " + " ".join(parts) + " >>"
    out = f'"{_escape_literal(value)}"'
    if term.get("xml:lang"):
        return f"{out}@{term['xml:lang']}"
    if term.get("datatype") and term["datatype"] != XSD_STRING:
        return f"{out}^^<{term['datatype']}>"
    return out


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    # The N-Triples form is what the TSV format asks for; tabs would break the
    # table, so they are escaped as in Turtle.
    return ntriples_term(term).replace("\t", "\\t")


def select_bytes(media: str, variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    """Serialise SELECT ``rows`` over ``variables`` as ``media``."""
    if media == JSON:
        bindings = [
            {v: t for v, t in zip(variables, row, strict=True) if t is not None} for row in rows
        ]
        body = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    if media == XML:
        parts = [
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
            "<head>",
            *(f"<variable name={quoteattr(v)}/>" for v in variables),
            "</head><results>",
        ]
        for row in rows:
            parts.append("<result>")
            parts.extend(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if media == CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        # spreadsheet-safe cells: a literal "=HYPERLINK(...)" must not become a formula
        writer.writerows([neutralise(_csv_term(t)) for t in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
    if media == TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines.extend("\t".join(_tsv_term(t) for t in row) for row in rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"unsupported result format {media}")


def ask_bytes(media: str, value: bool) -> bytes:
    """Serialise an ASK answer as ``media``."""
    if media == JSON:
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if media == XML:
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    # CSV/TSV define no boolean form; this one-column table is what other stores send.
    separator = "\r\n" if media == CSV else "\n"
    return f"_askResult{separator}{'true' if value else 'false'}{separator}".encode()
