"""Deterministic IRI minting under ``HANKEKG_BASE_IRI``.

The same input always gives the same IRI, and reference entities get the same
IRI whichever document mentions them.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import URIRef

_TRANSLIT = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "a", "Ö": "o", "Å": "a"})
_NON_SLUG = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80


#: An absolute IRI: a scheme, then no character that N-Triples forbids inside ``<...>``.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*$")


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI that can be written as ``<text>`` in SPARQL."""
    return bool(_IRI.match(text))


def slugify(text: str) -> str:
    """ASCII slug of ``text``.

    "Työikäisten kuntoutus (Rovaniemi)" -> "tyoikaisten-kuntoutus-rovaniemi".
    """
    text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-") or "x"


class Iris:
    """Mints the product's IRIs under one base."""

    KINDS = (
        "project",
        "organisation",
        "person",
        "place",
        "document",
        "theme",
        "event",
        "work",
        "grant",
        "amount",
    )

    def __init__(self, base: str) -> None:
        self.base = base if base.endswith("/") else base + "/"

    def _mint(self, kind: str, key: str) -> URIRef:
        return URIRef(f"{self.base}id/{kind}/{key}")

    def project(self, name: str) -> URIRef:
        """A project, by its (primary) name."""
        return self._mint("project", slugify(name))

    def organisation(self, key_or_name: str) -> URIRef:
        """An organisation, by its reference key or its name."""
        return self._mint("organisation", slugify(key_or_name))

    def person(self, name: str) -> URIRef:
        """A person, by name."""
        return self._mint("person", slugify(name))

    def place(self, code: str) -> URIRef:
        """A place: a municipality code ("698") or a group key ("kuuma", "region-19")."""
        return self._mint("place", code)

    def document(self, sha256: str) -> URIRef:
        """A source document, by the first 16 hex digits of its content hash."""
        return self._mint("document", sha256[:16])

    def theme(self, key: str) -> URIRef:
        """One of our own theme groups above the YSO concepts."""
        return self._mint("theme", slugify(key))

    def event(self, project_slug: str, key: str) -> URIRef:
        """An event of a project (a training session, a pilot)."""
        return self._mint("event", f"{project_slug}-{slugify(key)}")

    def grant(self, key: str) -> URIRef:
        """A grant to a project (``schema:MonetaryGrant``), by project slug and amount."""
        return self._mint("grant", slugify(key))

    def amount(self, key: str) -> URIRef:
        """A sum of money (``schema:MonetaryAmount``): a grant's amount or a budget."""
        return self._mint("amount", slugify(key))

    def work(self, title: str) -> URIRef:
        """A publication about a project."""
        return self._mint("work", slugify(title))

    def graph(self, name: str) -> URIRef:
        """A named graph that is not a document's ("reference", "ontology")."""
        return URIRef(f"{self.base}graph/{name}")

    def local_id(self, iri: str, kind: str) -> str | None:
        """The ``{id}`` part of an IRI of ``kind`` minted here, else ``None``."""
        prefix = f"{self.base}id/{kind}/"
        return iri[len(prefix) :] if iri.startswith(prefix) else None
