"""Turn an :class:`~graph.model.Extraction` into the document's named graph.

The graph holds the document node (with its text, so the index can be rebuilt
from the store alone), every extracted fact, and one evidence node per fact
that has a textual basis, in the reified form declared in ``ontology/``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from graph.model import Extraction, Fact
from graph.vocab import HK, PREFIXES, PROV, RDF, SCHEMA


def evidence_iri(document_iri: URIRef, fact: Fact) -> URIRef:
    """Deterministic IRI of the evidence node for ``fact``."""
    assert fact.evidence is not None
    key = f"{fact.subject} {fact.predicate} {fact.object} {fact.evidence.start} {fact.evidence.end}"
    return URIRef(f"{document_iri}#ev-{hashlib.sha1(key.encode()).hexdigest()[:12]}")  # noqa: S324


def document_graph(extraction: Extraction, ingested_at: datetime | None = None) -> Graph:
    """All triples of one document: its node, its facts and their evidence."""
    doc = extraction.document
    iri = extraction.document_iri
    g = Graph()
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    when = ingested_at or extraction.ingested_at or datetime.now(UTC)
    g.add((iri, RDF.type, PROV.Entity))
    g.add((iri, RDF.type, SCHEMA.WebPage))
    g.add((iri, HK.sha256, Literal(doc.sha256)))
    g.add((iri, HK.path, Literal(doc.path)))
    if doc.url:
        g.add((iri, SCHEMA.url, Literal(doc.url, datatype=XSD.anyURI)))
    if doc.title:
        g.add((iri, SCHEMA.name, Literal(doc.title)))
    g.add((iri, SCHEMA.inLanguage, Literal(doc.language)))
    g.add((iri, SCHEMA.encodingFormat, Literal(doc.media_type)))
    g.add((iri, PROV.generatedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))
    g.add((iri, SCHEMA.text, Literal(doc.text)))
    if extraction.project_iris:
        g.add((iri, SCHEMA.mainEntity, extraction.project_iris[0]))
    for project in extraction.project_iris:
        g.add((project, PROV.wasDerivedFrom, iri))
    for fact in extraction.facts:
        g.add((fact.subject, fact.predicate, fact.object))
        if fact.evidence is None:
            continue
        ev = evidence_iri(iri, fact)
        g.add((ev, RDF.type, HK.Evidence))
        g.add((ev, RDF.type, RDF.Statement))
        g.add((ev, RDF.subject, fact.subject))
        g.add((ev, RDF.predicate, fact.predicate))
        g.add((ev, RDF.object, fact.object))
        g.add((ev, HK.quote, Literal(fact.evidence.quote)))
        g.add((ev, HK.startOffset, Literal(fact.evidence.start, datatype=XSD.integer)))
        g.add((ev, HK.endOffset, Literal(fact.evidence.end, datatype=XSD.integer)))
        g.add((ev, HK.extractor, Literal(fact.evidence.extractor)))
        if fact.evidence.score is not None:
            # A Decimal, not a float: SHACL checks the lexical form against xsd:decimal.
            score = Decimal(str(round(fact.evidence.score, 4)))
            g.add((ev, HK.score, Literal(score, datatype=XSD.decimal)))
        g.add((ev, PROV.wasDerivedFrom, iri))
    return g
