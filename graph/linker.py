"""Gazetteer linker: inflected Finnish (and English/Swedish) names to reference IRIs.

Extraction uses it to resolve place and organisation mentions in documents,
and search uses it to understand queries, so both map "Rovaniemellä",
"Kuntaliiton", "SOSTE:n" or "KUUMA-kunnissa" to the same IRIs as the reference
graph.

Matching works on tokens. A name of several tokens matches when its last token
matches the base form of a text token and the tokens before it match exactly or
by base form: in Finnish the genitive attribute stays put while the head
inflects ("Helsingin yliopiston" -> "Helsingin yliopisto"). All lookups go
through dictionaries keyed by the case-folded form, built once.

Two modes:

- ``strict`` (documents): names must be capitalised and acronyms upper case;
  a place name that is also a common word ("Salo", "Pello", "Lahti") is not
  taken at the start of a sentence, nor in a person's name ("Kaarina Virtanen").
- lenient (queries, and the single-mention ``link_*`` methods): case is free,
  except that a lower-case word that is also a common word is not a place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.finnish import Morphology, morphology
from graph.iris import Iris, slugify
from graph.reference import PLACE_KINDS, Municipality, Reference
from graph.vocab import HK, RDF, RDFS, SCHEMA

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+(?:[-:'’]\w+)*\+?-?")
_SPACE = re.compile(r"[ \t\u00a0]+")
_POSSESSIVE = re.compile(r"['’]s$")
_PAREN_INNER = re.compile(r"\(([^)]*)\)")
_LEGAL_SUFFIX = re.compile(r"\s+(ry|rf|r\.f\.|oy|ab|oyj|abp|sr)\.?$", re.IGNORECASE)

#: Voikko classes of proper nouns.
_PROPER = frozenset({"paikannimi", "nimi", "etunimi", "sukunimi"})
#: Compass prefixes of a part of a place: "Itä-Helsinki" is in Helsinki.
_DIRECTIONS = (
    "itä",
    "länsi",
    "pohjois",
    "etelä",
    "keski",
    "koillis",
    "kaakkois",
    "lounais",
    "luoteis",
    "ylä",
    "ala",
    "sisä",
)
#: Heads of organisation names: a place genitive before them names an
#: organisation ("Lapin korkeakoulukonserni"), not the place.
_ORG_HEADS = (
    "yliopisto",
    "korkeakoulu",
    "konserni",
    "opisto",
    "koulu",
    "lukio",
    "sairaanhoitopiiri",
    "kuntayhtymä",
    "seurakunta",
    "yhdistys",
    "liitto",
    "säätiö",
    "keskus",
    "virasto",
    "instituutti",
    "laitos",
    "sairaala",
    "klinikka",
    "toimisto",
    "osuuskunta",
    "yhteistoiminta-alue",
    "yhtymä",
    "järjestö",
    "kirjasto",
    "museo",
    "ry",
    "oy",
)
_MUNICIPAL_HEADS = {"kaupunki": "kaupunki", "kunta": "kunta"}
_SUBREGION_HEADS = frozenset({"seutu", "seutukunta"})
_EN_MUNICIPAL = {"city": "kaupunki", "town": "kaupunki", "municipality": "kunta"}
_SV_MUNICIPAL = {"stad": "kaupunki", "kommun": "kunta"}
_ORG_KINDS = frozenset({"organisation", "wellbeing_county"})
#: Words that join the items of a list of places.
_LIST_WORDS = frozenset({"ja", "sekä", "tai", "and", "or", "och", "eller"})
#: English direction words as the region names spell them.
_EN_DIRECTION_FORMS = {
    "central": "Central",
    "north": "North",
    "northern": "North",
    "south": "South",
    "southern": "South",
    "east": "East",
    "eastern": "Eastern",
    "west": "West",
    "western": "Western",
    "southwest": "Southwest",
    "south-west": "Southwest",
    "southeast": "South-East",
}
_EN_DIRECTION = re.compile(
    r"\b(central|north|northern|south|southern|east|eastern|west|western|southwest|"
    r"south-west|southeast)\s+([A-Z][a-zåäö]+)\b"
)


#: Coordinated compounds with the shared last part left out: "Itä- ja Pohjois-Suomessa".
_ELIDED = re.compile(
    r"(?<![\w-])[A-ZÅÄÖ][\wåäö]*-(?:\s*,\s*[A-ZÅÄÖ][\wåäö]*-)*\s+(?:ja|sekä|tai|and|och)\s+"
    r"(?P<last>[A-ZÅÄÖ][\wåäö]*)-(?P<tail>\w+)"
)
_ELIDED_PREFIX = re.compile(r"[A-ZÅÄÖ][\wåäö]*-")


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
    location: URIRef | None = None
    """For a municipal organisation ("Rovaniemen kaupunki"): its municipality."""
    generated: bool = False
    """True when the entity is not in the reference graph: add ``Linker.describe(link)``."""

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
class _Token:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Entry:
    tokens: tuple[str, ...]
    """The name's tokens, case-folded."""
    caps: tuple[bool, ...]
    """Whether each name token starts with a capital."""
    acronym: bool
    link: Link


@dataclass
class _Candidate:
    length: int
    link: Link
    single_place: bool = False
    priority: int = 0
    sources: list[str] = field(default_factory=list)


def _fold(text: str) -> str:
    return text.casefold()


def _is_acronym(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and " " not in name


def _acronym_stem(surface: str) -> str:
    """ "RAY:n" -> "RAY", "KUUMA-kunnissa" -> "KUUMA", "ESR+" -> "ESR+"."""
    return re.split(r"[:\-]", surface, maxsplit=1)[0]


class Linker:
    """Links place and organisation names to the reference IRIs."""

    def __init__(self, reference: Reference, iris: Iris) -> None:
        self.reference = reference
        self.iris = iris
        self._morph: Morphology = morphology()
        self._by_first: dict[str, list[_Entry]] = {}
        self._links_by_iri: dict[URIRef, Link] = {}
        self._place_links: dict[str, Link] = {}
        self._org_links: dict[str, Link] = {}
        #: case-folded base name of a municipality (fi, sv) -> municipality
        self._municipality_names: dict[str, Municipality] = {}
        #: case-folded municipality fi name -> sub-region key with that plain name
        self._subregion_by_centre: dict[str, str] = {}
        self._build()

    # ------------------------------------------------------------------ index

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
            self._place_links[m.code] = link
            names = [m.name_fi, m.name_sv, m.name_en]
            if m.name_fi.endswith(" Tl"):
                names.append(m.name_fi + ".")
            for name in names:
                self._add(name, link)
            for name in (m.name_fi, m.name_sv):
                if " " not in name:
                    self._municipality_names.setdefault(_fold(name), m)
        for group in sorted(ref.groups.values(), key=lambda g: PLACE_KINDS.index(g.kind)):
            link = Link(
                iri=iris.place(group.key),
                kind=group.kind,
                key=group.key,
                label=group.label,
                member_codes=group.members,
                label_en=group.names.get("en"),
            )
            self._place_links[group.key] = link
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
                    self._subregion_by_centre.setdefault(_fold(alt), group.key)
                    self._add(f"{alt} region", link)
        for org in ref.organisations.values():
            link = Link(
                iri=iris.organisation(org.key),
                kind="organisation",
                key=org.key,
                label=org.label,
                label_en=org.names.get("en"),
            )
            self._org_links[org.key] = link
            org_names: list[str] = []
            for name in (*org.names.values(), *org.acronyms, *org.terms):
                org_names.append(name)
                stripped = _LEGAL_SUFFIX.sub("", name)
                org_names.append(stripped)
                if stripped.lower().startswith("the "):
                    org_names.append(stripped[4:])
            for name in dict.fromkeys(org_names):
                self._add(name, link)
        for links in (self._place_links, self._org_links):
            for link in links.values():
                self._links_by_iri[link.iri] = link

    def _add(self, name: str, link: Link) -> None:
        name = name.strip()
        tokens = tuple(t.group(0) for t in _TOKEN.finditer(name))
        if not tokens:
            return
        folded = tuple(_fold(_POSSESSIVE.sub("", t)).rstrip("-") or t for t in tokens)
        entry = _Entry(
            tokens=folded,
            caps=tuple(t[:1].isupper() for t in tokens),
            acronym=len(tokens) == 1 and _is_acronym(tokens[0]),
            link=link,
        )
        bucket = self._by_first.setdefault(folded[0], [])
        for other in bucket:
            if other.tokens == folded and other.acronym == entry.acronym:
                same_domain = (other.link.kind in _ORG_KINDS) == (link.kind in _ORG_KINDS)
                if other.link.iri != link.iri and same_domain:
                    # first added wins: municipalities before regions before groups
                    logger.debug("name %r: keeping %s over %s", name, other.link.key, link.key)
                    return
                if other.link.iri == link.iri:
                    return
        bucket.append(entry)

    # ------------------------------------------------------------------ lookups

    def place(self, key: str) -> Link | None:
        """The place link for a municipality code or group key."""
        return self._place_links.get(key)

    def organisation(self, key: str) -> Link | None:
        """The organisation link for a reference organisation key."""
        return self._org_links.get(key)

    def by_iri(self, iri: URIRef | str) -> Link | None:
        """The link of a reference IRI (place or organisation), if known."""
        return self._links_by_iri.get(URIRef(str(iri)))

    def municipal_organisation(self, code: str, kind: str = "kaupunki") -> Link:
        """The city or municipal government of a municipality, as an organisation.

        ``kind`` is ``kaupunki`` (city) or ``kunta`` (municipality), as the text
        names it. The IRI is minted from the Finnish name ("Rovaniemen kaupunki"
        -> ``id/organisation/rovaniemen-kaupunki``); it is not in the reference
        graph, so add :meth:`describe` when the link is used.
        """
        m = self.reference.municipalities[code]
        if m.name_fi.endswith((" kunta", " kaupunki")):
            label = m.name_fi
        else:
            label = f"{m.genitive_fi} {kind}"
        english = "City" if kind == "kaupunki" else "Municipality"
        link = Link(
            iri=self.iris.organisation(slugify(label)),
            kind="organisation",
            key=slugify(label),
            label=label,
            member_codes=(code,),
            label_en=f"{english} of {m.name_en}",
            location=self.iris.place(code),
            generated=True,
        )
        self._links_by_iri.setdefault(link.iri, link)
        return link

    def describe(self, link: Link) -> list[tuple[URIRef, URIRef, Node]]:
        """Triples that describe a generated link (empty for reference entities)."""
        if not link.generated:
            return []
        triples: list[tuple[URIRef, URIRef, Node]] = [
            (link.iri, RDF.type, SCHEMA.Organization),
            (link.iri, RDF.type, SCHEMA.GovernmentOrganization),
            (link.iri, SCHEMA.name, Literal(link.label, lang="fi")),
            (link.iri, RDFS.label, Literal(link.label, lang="fi")),
            (link.iri, HK.organisationType, Literal("municipality")),
        ]
        if link.label_en:
            triples.append((link.iri, SCHEMA.name, Literal(link.label_en, lang="en")))
        if link.location is not None:
            triples.append((link.iri, SCHEMA.location, link.location))
        return triples

    # ------------------------------------------------------------------ public API

    def link_place(self, mention: str) -> Link | None:
        """The place a whole mention names ("Rovaniemellä", "Oulun seudulla", "Lapland")."""
        for text in self._variants(mention):
            for cand in self._whole(text):
                if cand.link.is_place:
                    return cand.link
                if cand.link.location is not None:
                    # "Rovaniemen kaupungissa" as a place: the municipality
                    return self.by_iri(cand.link.location)
        return None

    def link_organisation(self, mention: str) -> Link | None:
        """The reference organisation a whole mention names, else ``None``.

        Handles inflection ("Kuntaliiton", "SOSTE:n", "Helsingin yliopiston"),
        "Name (ACRONYM)" and municipal organisations ("Rovaniemen kaupungin").
        A wellbeing services county comes back with kind ``wellbeing_county``:
        its IRI is both the area and the authority.
        """
        for text in self._variants(mention):
            for cand in self._whole(text):
                if cand.link.kind in _ORG_KINDS:
                    return cand.link
        return None

    def find_all(self, text: str, strict: bool = True) -> list[Mention]:
        """All known places and organisations in ``text``, left to right, not overlapping.

        ``strict=True`` for documents (capitalisation and sentence-start rules);
        ``strict=False`` for search queries typed in lower case.
        """
        tokens = self._tokens(text)
        out: list[Mention] = []
        i = 0
        while i < len(tokens):
            cands = self._candidates(text, tokens, i, strict)
            if not cands:
                i += 1
                continue
            best = cands[0]
            start, end = tokens[i].start, tokens[i + best.length - 1].end
            out.append(Mention(start, end, text[start:end], best.link))
            i += best.length
        return self._elided_compounds(text, self._english_directions(text, out))

    def _elided_compounds(self, text: str, found: list[Mention]) -> list[Mention]:
        """ "Itä- ja Pohjois-Suomessa", "Pohjois-, Etelä- ja Keski-Pohjanmaalla": Finnish drops
        the shared last part of coordinated compounds; each prefix gets it back from
        the last one ("Itä-" + "Suomessa") and links as the place it then names."""
        extra: list[Mention] = []
        for m in _ELIDED.finditer(text):
            tail = m.group("tail")
            for prefix in _ELIDED_PREFIX.finditer(m.group(0), 0, m.start("last") - m.start()):
                start, end = m.start() + prefix.start(), m.start() + prefix.end()
                if any(f.start < end and start < f.end for f in found):
                    continue
                link = self.link_place(prefix.group() + tail)
                if link is not None and link.is_place:
                    extra.append(Mention(start, end, text[start:end], link))
        if not extra:
            return found
        return sorted([*found, *extra], key=lambda x: x.start)

    def _english_directions(self, text: str, found: list[Mention]) -> list[Mention]:
        """ "central Finland", "northern Ostrobothnia": English regions written with a
        lower-case direction word, which the name lists spell "Central Finland",
        "North Ostrobothnia"; the whole phrase replaces a hit on its last word."""
        extra: list[Mention] = []
        for m in _EN_DIRECTION.finditer(text):
            canonical = _EN_DIRECTION_FORMS[m.group(1).lower()]
            link = self.link_place(f"{canonical} {m.group(2)}")
            if link is None or not link.is_place:
                continue
            extra.append(Mention(m.start(), m.end(), m.group(), link))
        if not extra:
            return found
        kept = [f for f in found if not any(e.start < f.end and f.start < e.end for e in extra)]
        return sorted([*kept, *extra], key=lambda x: x.start)

    def related_organisations(self, key: str) -> set[str]:
        """Keys of an organisation's predecessors and successors, transitively (not itself)."""
        orgs = self.reference.organisations
        out: set[str] = set()
        for attr in ("predecessors", "successors"):
            todo = [key]
            while todo:
                current = orgs.get(todo.pop())
                if current is None:
                    continue
                for nxt in getattr(current, attr):
                    if nxt not in out and nxt != key:
                        out.add(nxt)
                        todo.append(nxt)
        return out

    def organisation_family(self, iri: URIRef | str) -> set[URIRef]:
        """An organisation IRI with its predecessors and successors, transitively."""
        iri = URIRef(str(iri))
        link = self.by_iri(iri)
        if link is None or link.kind != "organisation" or link.generated:
            return {iri}
        return {iri} | {
            self.reference.entity_iri(k, self.iris) for k in self.related_organisations(link.key)
        }

    def expand_place(self, iri: URIRef | str) -> set[URIRef]:
        """A place with everything inside it: member municipalities and the groups
        whose members all lie within it (a region -> its sub-regions, KUUMA ...)."""
        iri = URIRef(str(iri))
        link = self.by_iri(iri)
        if link is None or not link.is_place or link.kind == "municipality":
            return {iri}
        members = set(link.member_codes)
        out = {iri} | {self.iris.place(code) for code in members}
        for group in self.reference.groups.values():
            # an area with no fixed members ("Itä-Suomi") is inside nothing
            if group.key != link.key and group.members and set(group.members) <= members:
                out.add(self.iris.place(group.key))
        return out

    # ------------------------------------------------------------------ matching

    def _variants(self, mention: str) -> list[str]:
        """The mention, the part outside parentheses, and the part inside ("Nimi (RAY)")."""
        mention = " ".join(mention.split()).strip(" .,;:")
        out = [mention]
        inner = _PAREN_INNER.findall(mention)
        if inner:
            out.append(_PAREN_INNER.sub(" ", mention).strip())
            out.extend(i.strip() for i in inner)
        return [v for v in dict.fromkeys(out) if v]

    def _whole(self, text: str) -> list[_Candidate]:
        tokens = self._tokens(text)
        if not tokens:
            return []
        return [c for c in self._candidates(text, tokens, 0, False) if c.length == len(tokens)]

    @staticmethod
    def _tokens(text: str) -> list[_Token]:
        return [_Token(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]

    def _bases(self, surface: str) -> set[str]:
        word = _POSSESSIVE.sub("", surface).rstrip("-")
        forms = {_fold(word)}
        forms.update(_fold(b) for b in self._morph.baseforms(word))
        return forms

    def _candidates(
        self, text: str, tokens: list[_Token], i: int, strict: bool
    ) -> list[_Candidate]:
        """Matches starting at token ``i``, best first (longest; organisations win ties)."""
        tok = tokens[i]
        cands: list[_Candidate] = []
        keys = self._bases(tok.text)
        stem = _acronym_stem(tok.text)
        if stem != tok.text:
            keys.add(_fold(stem))
        for key in keys:
            for entry in self._by_first.get(key, ()):
                length = self._match_entry(text, tokens, i, entry, strict)
                if length:
                    cands.append(
                        _Candidate(
                            length, entry.link, single_place=length == 1 and entry.link.is_place
                        )
                    )
        cands.extend(self._rule_candidates(text, tokens, i, strict))
        if not cands:
            cands.extend(self._direction_candidates(tokens, i, strict))
        cands = [
            c for c in cands if not (c.single_place and self._reject_place(text, tokens, i, strict))
        ]
        cands.sort(key=lambda c: (-c.length, c.link.kind not in _ORG_KINDS, c.priority))
        unique: list[_Candidate] = []
        for c in cands:
            if all(u.link.iri != c.link.iri or u.length != c.length for u in unique):
                unique.append(c)
        return unique

    def _joined(self, text: str, tokens: list[_Token], i: int, n: int) -> bool:
        """Whether tokens i..i+n-1 exist and are separated by plain spaces only."""
        if i + n > len(tokens):
            return False
        return all(
            _SPACE.fullmatch(text[tokens[j].end : tokens[j + 1].start]) is not None
            for j in range(i, i + n - 1)
        )

    def _match_entry(
        self, text: str, tokens: list[_Token], i: int, entry: _Entry, strict: bool
    ) -> int:
        n = len(entry.tokens)
        if not self._joined(text, tokens, i, n):
            return 0
        for j in range(n):
            surface = tokens[i + j].text
            want = entry.tokens[j]
            if entry.acronym:
                stem = _acronym_stem(surface)
                if _fold(stem) != want:
                    return 0
                if strict and not (stem.isupper() or not any(c.isalpha() for c in stem)):
                    return 0
                continue
            folded = _fold(_POSSESSIVE.sub("", surface).rstrip("-")) if j < n - 1 else None
            if j < n - 1:
                if folded != want and want not in self._bases(surface):
                    return 0
            elif want not in self._bases(surface):
                return 0
            if strict and entry.caps[j] and not surface[:1].isupper():
                return 0
            if n == 1 and len(surface) <= 3 and surface.isupper():
                return 0  # "II" is a roman numeral, not Ii; real acronyms are acronym entries
        return n

    def _genitive_municipality(self, surface: str) -> Municipality | None:
        for analysis in self._morph.analyses(surface):
            if analysis.get("SIJAMUOTO") != "omanto":
                continue
            m = self._municipality_names.get(_fold(analysis.get("BASEFORM", "")))
            if m is not None:
                return m
        return None

    def _rule_candidates(
        self, text: str, tokens: list[_Token], i: int, strict: bool
    ) -> Iterable[_Candidate]:
        tok = tokens[i]
        if strict and not tok.text[:1].isupper():
            return
        if self._joined(text, tokens, i, 2):
            nxt = tokens[i + 1].text
            nxt_bases = self._bases(nxt)
            m = self._genitive_municipality(tok.text)
            if m is not None:
                # "Rovaniemen kaupungin" -> the City of Rovaniemi (an organisation)
                for head, kind in _MUNICIPAL_HEADS.items():
                    if head in nxt_bases:
                        yield _Candidate(2, self.municipal_organisation(m.code, kind))
                # "Oulun seudulla" -> the Oulu sub-region (else the municipality)
                if nxt_bases & _SUBREGION_HEADS:
                    key = self._subregion_by_centre.get(_fold(m.name_fi))
                    link = self._place_links[key] if key else self._place_links[m.code]
                    yield _Candidate(2, link)
            # Swedish "Helsingfors stad", "Pargas stad"
            sv = self._municipality_names.get(_fold(tok.text))
            if sv is not None and _fold(nxt) in _SV_MUNICIPAL:
                yield _Candidate(2, self.municipal_organisation(sv.code, _SV_MUNICIPAL[_fold(nxt)]))
        # English "City of Rovaniemi", "Municipality of Sipoo"
        en_kind = _EN_MUNICIPAL.get(_fold(tok.text))
        if en_kind and self._joined(text, tokens, i, 3) and _fold(tokens[i + 1].text) == "of":
            m = self._municipality_names.get(_fold(_POSSESSIVE.sub("", tokens[i + 2].text)))
            if m is None:
                m = next(
                    (
                        mm
                        for mm in self.reference.municipalities.values()
                        if _fold(mm.name_en) == _fold(tokens[i + 2].text)
                    ),
                    None,
                )
            if m is not None:
                yield _Candidate(3, self.municipal_organisation(m.code, en_kind))

    def _direction_candidates(
        self, tokens: list[_Token], i: int, strict: bool
    ) -> Iterable[_Candidate]:
        """ "Itä-Helsingissä" -> Helsinki, when the prefixed name is not itself known."""
        tok = tokens[i]
        if "-" not in tok.text.strip("-") or (strict and not tok.text[:1].isupper()):
            return
        for base in self._bases(tok.text):
            head, _, rest = base.partition("-")
            if head not in _DIRECTIONS or not rest:
                continue
            for entry in self._by_first.get(rest, ()):
                if len(entry.tokens) == 1 and entry.link.kind in ("municipality", "region"):
                    yield _Candidate(1, entry.link)
                    return

    # ------------------------------------------------------------------ ambiguity

    def _common_word(self, surface: str) -> bool:
        """Whether ``surface`` also reads as a simple common word ("Salo", "Pellossa")."""
        for analysis in self._morph.analyses(_fold(surface)):
            if analysis.get("CLASS") in _PROPER:
                continue
            parts = re.findall(r"\+[^+]+", analysis.get("WORDBASES", ""))
            if len(parts) <= 1:
                return True
        return False

    def _classes(self, surface: str) -> set[str]:
        return {a.get("CLASS", "") for a in self._morph.analyses(surface)}

    def _reject_place(self, text: str, tokens: list[_Token], i: int, strict: bool) -> bool:
        """Whether a one-token place match at ``i`` is better read as something else."""
        tok = tokens[i]
        # a place genitive before an organisation head: "Lapin korkeakoulukonsernin"
        if self._joined(text, tokens, i, 2) and any(
            a.get("SIJAMUOTO") == "omanto" for a in self._morph.analyses(tok.text)
        ):
            nxt = self._bases(tokens[i + 1].text)
            if any(b.endswith(_ORG_HEADS) for b in nxt):
                return True
        common = self._common_word(tok.text)
        if not strict:
            return common and not tok.text[:1].isupper()
        if (
            common
            and self._sentence_initial(text, tok)
            and not self._coordinated_place(text, tokens, i)
        ):
            return True
        # part of a person's name: "Kaarina Virtanen", "Matti Kokkola", "Aino
        # Kankaanpää" (a place name in the nominative after a first name that is
        # not itself a place is a surname, whether or not Voikko lists it as one)
        classes = self._classes(tok.text)
        if i > 0 and self._joined(text, tokens, i - 1, 2):
            prev = tokens[i - 1].text
            if (
                prev[:1].isupper()
                and "etunimi" in self._classes(prev)
                and (
                    "sukunimi" in classes
                    or (
                        self._nominative(tok.text)
                        and not self._place_word(prev)
                        and not self._sentence_initial(text, tokens[i - 1])
                    )
                )
            ):
                return True
        if "etunimi" in classes and self._joined(text, tokens, i, 2):
            after = tokens[i + 1].text
            if after[:1].isupper() and "sukunimi" in self._classes(after):
                return True
        return False

    def _nominative(self, surface: str) -> bool:
        return any(a.get("SIJAMUOTO") == "nimento" for a in self._morph.analyses(surface))

    def _place_word(self, surface: str) -> bool:
        """Whether a single word names a municipality or region on its own."""
        return any(
            len(e.tokens) == 1 and e.link.is_place
            for key in self._bases(surface)
            for e in self._by_first.get(key, ())
        )

    def _coordinated_place(self, text: str, tokens: list[_Token], i: int) -> bool:
        """ "Salossa ja Porissa", "Salo, Lieto": a sentence-initial name that is also
        a common word reads as a place when a place in the same case follows it in a
        list ("ja", "sekä", "and", "och" or a comma)."""
        if i + 1 >= len(tokens):
            return False
        gap = text[tokens[i].end : tokens[i + 1].start].strip()
        if gap == "" and tokens[i + 1].text in _LIST_WORDS:
            nxt = i + 2
        elif gap == ",":
            nxt = i + 1
        else:
            return False
        if nxt >= len(tokens) or not tokens[nxt].text[:1].isupper():
            return False
        if not self._place_word(tokens[nxt].text):
            return False
        cases = {a.get("SIJAMUOTO") for a in self._morph.analyses(tokens[i].text)}
        return bool(cases & {a.get("SIJAMUOTO") for a in self._morph.analyses(tokens[nxt].text)})

    @staticmethod
    def _sentence_initial(text: str, tok: _Token) -> bool:
        before = text[: tok.start].rstrip(" \t\u00a0")
        line_start = text.rfind("\n", 0, tok.start) + 1
        line_end = text.find("\n", tok.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if line.strip(" \t\u00a0.,;:!?()-*•") == tok.text:
            return False  # a value on its own line ("Kunta\nSalo") is a name
        return not before or before.endswith(
            ("\n", ".", "!", "?", "•", "*", "#", "|", "–", "—", "-", ">", '"', "”", "»")
        )
