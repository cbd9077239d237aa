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

The names themselves and their index live in ``graph/link/gazetteer.py``; whether a
one-word place match is really the place ("Salo" the town or the backwoods, or a
person's surname) is judged in ``graph/link/place_ambiguity.py``. This module holds
the matching: names against text, the rules for municipal organisations,
compass prefixes and elided compounds, and the place and organisation
hierarchies that search filters expand.

Two modes:

- ``strict`` (documents): names must be capitalised and acronyms upper case;
  a place name that is also a common word ("Salo", "Pello", "Lahti") is not
  taken at the start of a sentence, nor in a person's name ("Kaarina Virtanen").
- lenient (queries, and the single-mention ``link_*`` methods): case is free,
  except that a lower-case word that is also a common word is not a place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.iris import Iris, slugify
from graph.language.finnish import morphology
from graph.link.gazetteer import (
    ORG_KINDS,
    POSSESSIVE,
    Entry,
    Gazetteer,
    Link,
    Mention,
    Token,
    acronym_stem,
    fold,
    joined,
    tokenize,
)
from graph.link.place_ambiguity import PlaceAmbiguity
from graph.link.reference import Reference
from graph.vocab import HK, RDF, RDFS, SCHEMA

_PAREN_INNER = re.compile(r"\(([^)]*)\)")
#: "Full name ACRONYM" without parentheses ("… avustuskeskus STEA", "… Risti SPR:n").
_TRAILING_ACRONYM = re.compile(r"^(?P<name>.*\S)\s+(?P<acronym>[A-ZÅÄÖ][A-ZÅÄÖ0-9]{1,9}(?::\w+)?)$")
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
_MUNICIPAL_HEADS = {"kaupunki": "kaupunki", "kunta": "kunta"}
_SUBREGION_HEADS = frozenset({"seutu", "seutukunta"})
_EN_MUNICIPAL = {"city": "kaupunki", "town": "kaupunki", "municipality": "kunta"}
_SV_MUNICIPAL = {"stad": "kaupunki", "kommun": "kunta"}
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
#: Genitives coordinated before a plural municipal head: "Espoon, Vantaan ja Kauniaisten
#: kaupungit" (the last genitive and the head are matched as usual).
_COORDINATED_MUNICIPAL = re.compile(
    r"(?P<list>(?:[A-ZÅÄÖ][\wåäö-]+n,\s+)*[A-ZÅÄÖ][\wåäö-]+n)\s+(?:ja|sekä)\s+"
    r"[A-ZÅÄÖ][\wåäö-]+n\s+(?P<head>kaupungit|kaupunkien|kaupungeissa|kaupungeille|kunnat|"
    r"kuntien|kunnissa|kunnille)\b"
)
#: A region's or sub-region's genitive before a plural of municipalities: "Lapin kunnat",
#: "Kanta-Hämeen kunnilta", "Kuopion seudun kunnat". The plural names the municipalities
#: of that area together, not one organisation ("Lapin kunta" does not exist).
_REGIONAL_MUNICIPALITIES = re.compile(
    r"(?<![\w-])(?P<area>[A-ZÅÄÖ][\wåäö-]+n(?:\s+seudun)?)\s+(?P<head>kunn(?:at|ilta|ilt[aä]|ille|issa|ista|iin|ien)|"
    r"kuntien|kuntia|kuntiin)\b"
)


@dataclass
class _Candidate:
    length: int
    link: Link
    single_place: bool = False
    priority: int = 0
    sources: list[str] = field(default_factory=list)


class Linker:
    """Links place and organisation names to the reference IRIs."""

    def __init__(self, reference: Reference, iris: Iris) -> None:
        self.reference = reference
        self.iris = iris
        self._gazetteer = Gazetteer(reference, iris, morphology())
        self._ambiguity = PlaceAmbiguity(self._gazetteer)

    # ------------------------------------------------------------------ lookups

    def place(self, key: str) -> Link | None:
        """The place link for a municipality code or group key."""
        return self._gazetteer.place_links.get(key)

    def organisation(self, key: str) -> Link | None:
        """The organisation link for a reference organisation key."""
        return self._gazetteer.org_links.get(key)

    def by_iri(self, iri: URIRef | str) -> Link | None:
        """The link of a reference IRI (place or organisation), if known."""
        return self._gazetteer.links_by_iri.get(URIRef(str(iri)))

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
        swedish = None
        if m.name_sv and m.name_sv != m.name_fi:
            # "Vasa stad", "Korsholms kommun": Swedish adds the genitive -s to a kommun.
            genitive = m.name_sv if m.name_sv.endswith(("s", "x", "z")) else f"{m.name_sv}s"
            swedish = f"{m.name_sv} stad" if kind == "kaupunki" else f"{genitive} kommun"
        link = Link(
            iri=self.iris.organisation(slugify(label)),
            kind="organisation",
            key=slugify(label),
            label=label,
            member_codes=(code,),
            label_en=f"{english} of {m.name_en}",
            label_sv=swedish,
            location=self.iris.place(code),
            generated=True,
        )
        self._gazetteer.links_by_iri.setdefault(link.iri, link)
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
            (link.iri, HK.organisationType, Literal(link.org_type)),
        ]
        if link.label_en:
            triples.append((link.iri, SCHEMA.name, Literal(link.label_en, lang="en")))
        if link.label_sv:
            triples.append((link.iri, SCHEMA.name, Literal(link.label_sv, lang="sv")))
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
                if cand.link.kind in ORG_KINDS:
                    return cand.link
        return None

    def find_all(self, text: str, strict: bool = True) -> list[Mention]:
        """All known places and organisations in ``text``, left to right, not overlapping.

        ``strict=True`` for documents (capitalisation and sentence-start rules);
        ``strict=False`` for search queries typed in lower case.
        """
        tokens = tokenize(text)
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
        found = self._elided_compounds(text, self._english_directions(text, out))
        found = self._coordinated_municipalities(text, found)
        return self._regional_municipalities(text, found)

    def municipalities_of(self, key: str, genitive: str) -> Link | None:
        """The municipalities of a region or sub-region as one group ("Lapin kunnat"),
        a generated organisation that names the area's municipalities together.
        ``genitive`` is the area's name in the genitive as written ("Lapin").
        ``None`` when ``key`` is not a region or sub-region."""
        area = self.place(key)
        if area is None or area.kind not in ("region", "subregion"):
            return None
        label = f"{genitive} kunnat"
        slug = f"kunnat-{slugify(area.label)}"
        link = Link(
            iri=self.iris.organisation(slug),
            kind="organisation",
            key=slug,
            label=label,
            member_codes=area.member_codes,
            label_en=f"Municipalities of {area.label_en}" if area.label_en else None,
            label_sv=f"Kommunerna i {area.label_sv}" if area.label_sv else None,
            location=area.iri,
            generated=True,
            org_type="municipalities",
        )
        self._gazetteer.links_by_iri.setdefault(link.iri, link)
        return link

    def _regional_municipalities(self, text: str, found: list[Mention]) -> list[Mention]:
        """ "Lapin kunnat", "Kanta-Hämeen kunnilta": a region's genitive before a plural of
        municipalities names the region's municipalities as a group; the whole phrase
        replaces the hit on the region (which then is no project area of its own)."""
        extra: list[Mention] = []
        for m in _REGIONAL_MUNICIPALITIES.finditer(text):
            area = self.link_place(m.group("area"))
            if area is None or area.kind not in ("region", "subregion"):
                continue
            link = self.municipalities_of(area.key, " ".join(m.group("area").split()))
            if link is not None:
                extra.append(Mention(m.start(), m.end(), m.group(), link))
        if not extra:
            return found
        kept = [f for f in found if not any(e.start < f.end and f.start < e.end for e in extra)]
        return sorted([*kept, *extra], key=lambda x: x.start)

    def _coordinated_municipalities(self, text: str, found: list[Mention]) -> list[Mention]:
        """ "Espoon, Vantaan ja Kauniaisten kaupungit": the plural head belongs to every
        genitive before it, so each names a city (as "Kauniaisten kaupungit" does)."""
        extra: list[Mention] = []
        for m in _COORDINATED_MUNICIPAL.finditer(text):
            kind = "kaupunki" if m.group("head").lower().startswith("kaupung") else "kunta"
            for word in re.finditer(r"[A-ZÅÄÖ][\wåäö-]+", m.group("list")):
                municipality = self._gazetteer.genitive_municipality(word.group())
                if municipality is None:
                    continue
                start, end = m.start("list") + word.start(), m.start("list") + word.end()
                org = self.municipal_organisation(municipality.code, kind)
                extra.append(Mention(start, end, word.group(), org))
        if not extra:
            return found
        kept = [f for f in found if not any(e.start < f.end and f.start < e.end for e in extra)]
        return sorted([*kept, *extra], key=lambda x: x.start)

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
        """The mention, the part outside parentheses, and the part inside ("Nimi (RAY)");
        for "Nimi RAY", the name and then the trailing acronym."""
        mention = " ".join(mention.split()).strip(" .,;:")
        out = [mention]
        inner = _PAREN_INNER.findall(mention)
        if inner:
            out.append(_PAREN_INNER.sub(" ", mention).strip())
            out.extend(i.strip() for i in inner)
        trailing = _TRAILING_ACRONYM.match(out[1] if inner else mention)
        if trailing and not trailing["name"].isupper():
            out.extend((trailing["name"], trailing["acronym"]))
        return [v for v in dict.fromkeys(out) if v]

    def _whole(self, text: str) -> list[_Candidate]:
        tokens = tokenize(text)
        if not tokens:
            return []
        return [c for c in self._candidates(text, tokens, 0, False) if c.length == len(tokens)]

    def _candidates(self, text: str, tokens: list[Token], i: int, strict: bool) -> list[_Candidate]:
        """Matches starting at token ``i``, best first (longest; organisations win ties)."""
        tok = tokens[i]
        cands: list[_Candidate] = []
        keys = self._gazetteer.bases(tok.text)
        stem = acronym_stem(tok.text)
        if stem != tok.text:
            keys.add(fold(stem))
        for key in keys:
            for entry in self._gazetteer.by_first.get(key, ()):
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
            c
            for c in cands
            if not (c.single_place and self._ambiguity.rejects(text, tokens, i, strict))
        ]
        cands.sort(key=lambda c: (-c.length, c.link.kind not in ORG_KINDS, c.priority))
        unique: list[_Candidate] = []
        for c in cands:
            if all(u.link.iri != c.link.iri or u.length != c.length for u in unique):
                unique.append(c)
        return unique

    def _match_entry(
        self, text: str, tokens: list[Token], i: int, entry: Entry, strict: bool
    ) -> int:
        n = len(entry.tokens)
        # A known name of several words is recognised when wrapped across two lines
        # ("rahoittaa Sosiaali- ja\nterveysministeriö"): the words still must be the
        # name's, in its order, so a line break between two unrelated lines rarely
        # spells one.
        if not joined(text, tokens, i, n, entry.separators, wrap=True):
            return 0
        for j in range(n):
            surface = tokens[i + j].text
            want = entry.tokens[j]
            if entry.acronym:
                stem = acronym_stem(surface)
                if fold(stem) != want:
                    return 0
                if strict and not (stem.isupper() or not any(c.isalpha() for c in stem)):
                    return 0
                continue
            folded = fold(POSSESSIVE.sub("", surface).rstrip("-")) if j < n - 1 else None
            if j < n - 1:
                if folded != want and want not in self._gazetteer.bases(surface):
                    return 0
            elif want not in self._gazetteer.bases(surface):
                return 0
            if strict and entry.caps[j] and not surface[:1].isupper():
                return 0
            if (
                strict
                and j > 0
                and entry.link.is_place
                and not entry.caps[j]
                and surface[:1].isupper()
            ):
                # "Kuopion Seudun Mielenterveysseura": capitalised, the place word is
                # part of a longer name, not the area ("Kuopion seudulla").
                return 0
            if n == 1 and len(surface) <= 3 and surface.isupper():
                return 0  # "II" is a roman numeral, not Ii; real acronyms are acronym entries
        return n

    def _rule_candidates(
        self, text: str, tokens: list[Token], i: int, strict: bool
    ) -> Iterable[_Candidate]:
        tok = tokens[i]
        if strict and not tok.text[:1].isupper():
            return
        if joined(text, tokens, i, 2):
            nxt = tokens[i + 1].text
            nxt_bases = self._gazetteer.bases(nxt)
            m = self._gazetteer.genitive_municipality(tok.text)
            if m is not None:
                # "Rovaniemen kaupungin" -> the City of Rovaniemi (an organisation)
                for head, kind in _MUNICIPAL_HEADS.items():
                    if head in nxt_bases:
                        yield _Candidate(2, self.municipal_organisation(m.code, kind))
                # "Oulun seudulla" -> the Oulu sub-region (else the municipality);
                # "Kuopion Seudun Mielenterveysseura" is a name, not the area.
                if nxt_bases & _SUBREGION_HEADS and not (strict and nxt[:1].isupper()):
                    key = self._gazetteer.subregion_by_centre.get(fold(m.name_fi))
                    link = (
                        self._gazetteer.place_links[key]
                        if key
                        else self._gazetteer.place_links[m.code]
                    )
                    yield _Candidate(2, link)
            # Swedish "Helsingfors stad", "Pargas stad", "Korsholms kommun"
            sv = self._gazetteer.municipality_names.get(fold(tok.text))
            if sv is None and tok.text.endswith("s"):
                sv = self._gazetteer.municipality_names.get(fold(tok.text[:-1]))
            if sv is not None and fold(nxt) in _SV_MUNICIPAL:
                yield _Candidate(2, self.municipal_organisation(sv.code, _SV_MUNICIPAL[fold(nxt)]))
        # English "Porvoo City", "Sipoo Municipality"
        if joined(text, tokens, i, 2) and fold(tokens[i + 1].text) in _EN_MUNICIPAL:
            named = self._gazetteer.municipality_names.get(fold(tok.text))
            if named is not None:
                kind = _EN_MUNICIPAL[fold(tokens[i + 1].text)]
                yield _Candidate(2, self.municipal_organisation(named.code, kind))
        # English "City of Rovaniemi", "Municipality of Sipoo"
        en_kind = _EN_MUNICIPAL.get(fold(tok.text))
        if en_kind and joined(text, tokens, i, 3) and fold(tokens[i + 1].text) == "of":
            m = self._gazetteer.municipality_names.get(fold(POSSESSIVE.sub("", tokens[i + 2].text)))
            if m is None:
                m = next(
                    (
                        mm
                        for mm in self.reference.municipalities.values()
                        if fold(mm.name_en) == fold(tokens[i + 2].text)
                    ),
                    None,
                )
            if m is not None:
                yield _Candidate(3, self.municipal_organisation(m.code, en_kind))

    def _direction_candidates(
        self, tokens: list[Token], i: int, strict: bool
    ) -> Iterable[_Candidate]:
        """ "Itä-Helsingissä" -> Helsinki, when the prefixed name is not itself known."""
        tok = tokens[i]
        if "-" not in tok.text.strip("-") or (strict and not tok.text[:1].isupper()):
            return
        for base in self._gazetteer.bases(tok.text):
            head, _, rest = base.partition("-")
            if head not in _DIRECTIONS or not rest:
                continue
            for entry in self._gazetteer.by_first.get(rest, ()):
                if len(entry.tokens) == 1 and entry.link.kind in ("municipality", "region"):
                    yield _Candidate(1, entry.link)
                    return
