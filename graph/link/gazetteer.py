"""The gazetteer: every reference name of a place or organisation, indexed by token.

:class:`~graph.link.linker.Linker` matches text against it. This module holds what
the names are and how they are looked up: the :class:`Link` a name resolves to,
the tokeniser that names and texts share, and :class:`Gazetteer`, which reads
the municipalities, groups and organisations of a :class:`Reference` once into
dictionaries keyed by the case-folded form of a name's first token, so that a
lookup is one dictionary access. It is kept apart from the matching rules
(``graph/link/linker.py``) and the place-or-word judgement (``graph/link/place_ambiguity.py``)
so that what is known and how text is read can change independently.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from rdflib import URIRef

from graph.iris import Iris
from graph.language.finnish import Morphology
from graph.link.reference import PLACE_KINDS, Municipality, Reference

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"\w+(?:[-:'’]\w+)*\+?-?")
_SPACE = re.compile(r"[ \t\u00a0]+")
#: Spaces with at most one line break among them: a name wrapped at the end of a
#: line of running text ("Sosiaali- ja\nterveysministeriö"), never across a blank line.
_WRAP = re.compile(r"[ \t\u00a0]*(?:\r?\n[ \t\u00a0]*)?")
POSSESSIVE = re.compile(r"['’]s$")
_LEGAL_SUFFIX = re.compile(r"\s+(ry|rf|r\.f\.|oy|ab|oyj|abp|sr)\.?$", re.IGNORECASE)
#: Kinds of link that are organisations (a wellbeing county is a place too).
ORG_KINDS = frozenset({"organisation", "wellbeing_county"})


@dataclass(frozen=True)
class Link:
    """A resolved reference entity."""

    iri: URIRef
    kind: str
    """``municipality``, ``region``, ``subregion``, ``wellbeing_county``, ``group`` or
    ``organisation``."""
    key: str
    """Place key (code or group key) or organisation key."""
    label: str
    """Finnish name."""
    member_codes: tuple[str, ...] = ()
    """Municipality codes the place covers (a municipality: its own code)."""
    label_en: str | None = None
    label_sv: str | None = None
    """Swedish name, where it differs ("Vasa stad" for Vaasan kaupunki)."""
    location: URIRef | None = None
    """For a municipal organisation ("Rovaniemen kaupunki"): its municipality."""
    generated: bool = False
    """True when the entity is not in the reference graph: add ``Linker.describe(link)``."""
    org_type: str = "municipality"
    """``hk:organisationType`` of a generated organisation: ``municipality`` for a city or
    municipal government, ``municipalities`` for the municipalities of an area together."""

    @property
    def is_place(self) -> bool:
        """Whether the link is a place (a wellbeing county is both place and organisation)."""
        return self.kind in PLACE_KINDS


@dataclass(frozen=True)
class Mention:
    """A gazetteer hit in a text: ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    link: Link


@dataclass(frozen=True)
class Token:
    """A word of a text, at ``text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Entry:
    """One name of a reference entity, as the gazetteer indexes it."""

    tokens: tuple[str, ...]
    """The name's tokens, case-folded."""
    caps: tuple[bool, ...]
    """Whether each name token starts with a capital."""
    acronym: bool
    link: Link
    separators: tuple[str, ...] = ()
    """What stands between each pair of neighbouring tokens besides spaces: "," in
    "Elinkeino-, liikenne- ja ympäristökeskus", "-" in "Keski-Uudenmaan sote
    -kuntayhtymä"; empty when only spaces separate all of them."""


def fold(text: str) -> str:
    """The case-folded form every lookup key is written in."""
    return text.casefold()


def _is_acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and " " not in name


def acronym_stem(surface: str) -> str:
    """ "RAY:n" -> "RAY", "KUUMA-kunnissa" -> "KUUMA", "ESR+" -> "ESR+"."""
    return re.split(r"[:\-]", surface, maxsplit=1)[0]


def tokenize(text: str) -> list[Token]:
    """The words of ``text`` as the gazetteer's names are split."""
    return [Token(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(text)]


def joined(
    text: str,
    tokens: list[Token],
    i: int,
    n: int,
    separators: tuple[str, ...] = (),
    *,
    wrap: bool = False,
) -> bool:
    """Whether tokens i..i+n-1 exist and are separated by spaces, plus the marks
    ``separators`` (a name's :attr:`Entry.separators`) puts between them. With
    ``wrap``, one line break may stand for a space (a name wrapped across two lines
    of running text)."""
    if i + n > len(tokens):
        return False
    for j in range(i, i + n - 1):
        gap = text[tokens[j].end : tokens[j + 1].start]
        mark = separators[j - i] if separators else ""
        if not mark:
            if (_WRAP if wrap else _SPACE).fullmatch(gap) is None or not gap:
                return False
        elif _SPACE.sub("", gap) != mark or "\n" in gap:
            return False
    return True


class Gazetteer:
    """The reference names of places and organisations, keyed by their first token.

    Args:
        reference: the municipalities, groups and organisations to index.
        iris: mints the IRIs the links carry.
        morph: Finnish morphology, for the base forms a word is looked up by.
    """

    def __init__(self, reference: Reference, iris: Iris, morph: Morphology) -> None:
        self.reference = reference
        self.iris = iris
        self.morph = morph
        #: case-folded first token of a name -> the names that start with it
        self.by_first: dict[str, list[Entry]] = {}
        self.links_by_iri: dict[URIRef, Link] = {}
        self.place_links: dict[str, Link] = {}
        self.org_links: dict[str, Link] = {}
        #: case-folded base name of a municipality (fi, sv) -> municipality
        self.municipality_names: dict[str, Municipality] = {}
        #: case-folded municipality fi name -> sub-region key with that plain name
        self.subregion_by_centre: dict[str, str] = {}
        self._build()

    def _build(self) -> None:
        ref, iris = self.reference, self.iris
        for m in ref.municipalities.values():
            link = Link(
                iri=iris.place(m.code),
                kind="municipality",
                key=m.code,
                label=m.name_fi,
                member_codes=(m.code,),
                label_en=m.name_en,
            )
            self.place_links[m.code] = link
            names = [m.name_fi, m.name_sv, m.name_en]
            if m.name_fi.endswith(" Tl"):
                names.append(m.name_fi + ".")
            for name in names:
                self._add(name, link)
            for name in (m.name_fi, m.name_sv):
                if " " not in name:
                    self.municipality_names.setdefault(fold(name), m)
        for group in sorted(ref.groups.values(), key=lambda g: PLACE_KINDS.index(g.kind)):
            link = Link(
                iri=iris.place(group.key),
                kind=group.kind,
                key=group.key,
                label=group.label,
                member_codes=group.members,
                label_en=group.names.get("en"),
            )
            self.place_links[group.key] = link
            names = [*group.names.values(), *group.aliases]
            if group.kind == "wellbeing_county" and len(group.members) == 1:
                # "Helsingin kaupunki" organises Helsinki's services: the
                # municipal-organisation rule handles that name.
                continue
            for name in names:
                self._add(name, link)
            if group.kind == "subregion":
                # the first Finnish alt label is the plain name ("Pori")
                for alt in group.alt_labels.get("fi", ())[:1]:
                    self.subregion_by_centre.setdefault(fold(alt), group.key)
                    self._add(f"{alt} region", link)
        for org in ref.organisations.values():
            link = Link(
                iri=iris.organisation(org.key),
                kind="organisation",
                key=org.key,
                label=org.label,
                label_en=org.names.get("en"),
            )
            self.org_links[org.key] = link
            org_names: list[str] = []
            for name in (*org.names.values(), *org.acronyms, *org.terms):
                org_names.append(name)
                stripped = _LEGAL_SUFFIX.sub("", name)
                org_names.append(stripped)
                if stripped.lower().startswith("the "):
                    org_names.append(stripped[4:])
            # Finnish writes the ministries in lower case in running text
            # ("sosiaali- ja terveysministeriön rahoittama").
            caseless = org.type == "ministry"
            for name in dict.fromkeys(org_names):
                self._add(name, link, caseless=caseless)
        for links in (self.place_links, self.org_links):
            for link in links.values():
                self.links_by_iri[link.iri] = link

    def _add(self, name: str, link: Link, caseless: bool = False) -> None:
        """Index one name of ``link``; a ``caseless`` name matches in lower case too."""
        name = name.strip()
        found = list(TOKEN.finditer(name))
        tokens = tuple(t.group(0) for t in found)
        if not tokens:
            return
        gaps = (name[a.end() : b.start()] for a, b in zip(found, found[1:], strict=False))
        separators = tuple(_SPACE.sub("", gap) for gap in gaps)
        folded = tuple(fold(POSSESSIVE.sub("", t)).rstrip("-") or t for t in tokens)
        entry = Entry(
            tokens=folded,
            caps=tuple(t[:1].isupper() and not caseless for t in tokens),
            acronym=len(tokens) == 1 and _is_acronym(tokens[0]),
            link=link,
            separators=separators if any(separators) else (),
        )
        bucket = self.by_first.setdefault(folded[0], [])
        for other in bucket:
            if other.tokens == folded and other.acronym == entry.acronym:
                same_domain = (other.link.kind in ORG_KINDS) == (link.kind in ORG_KINDS)
                if other.link.iri != link.iri and same_domain:
                    # first added wins: municipalities before regions before groups
                    logger.debug("name %r: keeping %s over %s", name, other.link.key, link.key)
                    return
                if other.link.iri == link.iri:
                    return
        bucket.append(entry)

    def bases(self, surface: str) -> set[str]:
        """The case-folded forms a text word is looked up by: itself and its base forms."""
        word = POSSESSIVE.sub("", surface).rstrip("-")
        forms = {fold(word)}
        forms.update(fold(b) for b in self.morph.baseforms(word))
        return forms

    def place_word(self, surface: str) -> bool:
        """Whether a single word names a municipality or region on its own."""
        return any(
            len(e.tokens) == 1 and e.link.is_place
            for key in self.bases(surface)
            for e in self.by_first.get(key, ())
        )

    def genitive_municipality(self, surface: str) -> Municipality | None:
        """The municipality a word names in the genitive ("Rovaniemen"), if any."""
        for analysis in self.morph.analyses(surface):
            if analysis.get("SIJAMUOTO") != "omanto":
                continue
            m = self.municipality_names.get(fold(analysis.get("BASEFORM", "")))
            if m is not None:
                return m
        return None
