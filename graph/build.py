"""Turn an :class:`~graph.model.Extraction` into the document's named graph.

The graph holds the document node (with its text, so the index can be rebuilt
from the store alone), every extracted fact, and one evidence node per fact
that has a textual basis, in the reified form declared in ``ontology/``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.term import Node

from graph.model import Extraction, Fact
from graph.vocab import HK, PREFIXES, PROV, RDF, SCHEMA


def evidence_iri(document_iri: URIRef, fact: Fact) -> URIRef:
    """Deterministic IRI of the evidence node for ``fact``."""
    assert fact.evidence is not None
    key = f"{fact.subject} {fact.predicate} {fact.object} {fact.evidence.start} {fact.evidence.end}"
    return URIRef(f"{document_iri}#ev-{hashlib.sha1(key.encode()).hexdigest()[:12]}")  # noqa: S324


def document_graph(extraction: Extraction, ingested_at: datetime | None = None) -> Graph:
    """All triples of one document: its node, its facts and their evidence."""
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    for triple in document_triples(extraction, ingested_at):
        g.add(triple)
    return g


def document_ntriples(extraction: Extraction, ingested_at: datetime | None = None) -> str:
    """:func:`document_graph` as N-Triples text (one triple a line, duplicates
    dropped), without building an rdflib graph: the bulk path's form."""
    rows = dict.fromkeys(_nt_row(t) for t in document_triples(extraction, ingested_at))
    return "".join(rows)


def document_triples(
    extraction: Extraction, ingested_at: datetime | None = None
) -> Iterator[tuple[Node, Node, Node]]:
    """The triples of :func:`document_graph`, in order (a fact and its evidence
    may repeat one; a graph keeps it once)."""
    doc = extraction.document
    iri = extraction.document_iri
    when = ingested_at or extraction.ingested_at or datetime.now(UTC)
    yield (iri, RDF.type, PROV.Entity)
    yield (iri, RDF.type, SCHEMA.WebPage)
    yield (iri, HK.sha256, Literal(doc.sha256))
    yield (iri, HK.path, Literal(doc.path))
    if doc.url:
        yield (iri, SCHEMA.url, Literal(doc.url, datatype=XSD.anyURI))
    if doc.title:
        yield (iri, SCHEMA.name, Literal(doc.title))
    yield (iri, SCHEMA.inLanguage, Literal(doc.language))
    yield (iri, SCHEMA.encodingFormat, Literal(doc.media_type))
    yield (iri, PROV.generatedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime))
    yield (iri, SCHEMA.text, Literal(doc.text))
    if extraction.project_iris:
        yield (iri, SCHEMA.mainEntity, extraction.project_iris[0])
    for project in extraction.project_iris:
        yield (project, PROV.wasDerivedFrom, iri)
    for fact in extraction.facts:
        yield (fact.subject, fact.predicate, fact.object)
        if fact.evidence is None:
            continue
        ev = evidence_iri(iri, fact)
        yield (ev, RDF.type, HK.Evidence)
        yield (ev, RDF.type, RDF.Statement)
        yield (ev, RDF.subject, fact.subject)
        yield (ev, RDF.predicate, fact.predicate)
        yield (ev, RDF.object, fact.object)
        yield (ev, HK.quote, Literal(fact.evidence.quote))
        yield (ev, HK.startOffset, Literal(fact.evidence.start, datatype=XSD.integer))
        yield (ev, HK.endOffset, Literal(fact.evidence.end, datatype=XSD.integer))
        yield (ev, HK.extractor, Literal(fact.evidence.extractor))
        if fact.evidence.score is not None:
            # A Decimal, not a float: SHACL checks the lexical form against xsd:decimal.
            score = Decimal(str(round(fact.evidence.score, 4)))
            yield (ev, HK.score, Literal(score, datatype=XSD.decimal))
        yield (ev, PROV.wasDerivedFrom, iri)
