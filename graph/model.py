"""Plain data classes passed between loading, extraction and triple building.

Extraction produces :class:`Fact` objects: one RDF triple each, with the span
of text that supports it. ``graph/build.py`` turns them into triples plus
evidence nodes; ``hankekg extract --json`` prints them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rdflib import Literal, URIRef


@dataclass(frozen=True)
class Document:
    """A loaded document: decoded, reduced to main text, with its metadata."""

    path: str
    """Path or URL the document came from."""
    text: str
    """The stored text; every evidence offset points into it."""
    sha256: str
    """Hash of the original bytes; the document's identity."""
    media_type: str
    """``text/plain``, ``text/markdown``, ``text/html`` or ``application/json``."""
    title: str | None = None
    url: str | None = None
    language: str = "fi"
    encoding: str = "utf-8"
    fields: dict[str, str] = field(default_factory=dict)
    """Structured fields from a JSON record, if any (name -> value)."""
    warnings: tuple[str, ...] = ()
    """What the loader dropped or changed (a URL that is not http(s)), for the ingest report."""


@dataclass(frozen=True)
class Evidence:
    """Where in the stored text a fact comes from, and what produced it."""

    start: int
    end: int
    quote: str
    extractor: str
    """E.g. ``rule:label-value``, ``ner+gazetteer``, ``theme-matcher``."""
    score: float | None = None


@dataclass(frozen=True)
class Fact:
    """One triple and its evidence (``None`` for structural triples)."""

    subject: URIRef
    predicate: URIRef
    object: URIRef | Literal
    evidence: Evidence | None = None


@dataclass
class Extraction:
    """Everything extracted from one document."""

    document: Document
    document_iri: URIRef
    project_iris: list[URIRef] = field(default_factory=list)
    """Projects the document describes; the first is the main one."""
    facts: list[Fact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ingested_at: datetime | None = None
