"""Places the project works in (``schema:areaServed``)."""

from __future__ import annotations

import logging
import re

from rdflib import URIRef

from graph.extract.cues import (
    CITATION_LINE,
    IMPRINT,
    NOT_PROJECT_NAMES,
    PART_OF_AFTER,
    PART_OF_BEFORE,
    PROJECT_MENTION,
)
from graph.extract.organisations import OrganisationSteps
from graph.extract.run import X_FIELD, X_GAZETTEER, OrgMention, Run
from graph.extract.text import lines
from graph.load.layout import Field
from graph.vocab import SCHEMA

logger = logging.getLogger(__name__)

#: "(Tamperetta lukuun ottamatta)", "paitsi Nokialla", "except Helsinki": a place the
#: text explicitly leaves out of the project.
_EXCLUDED_AFTER = re.compile(r"^\s*(lukuun\s+ottamatta|pois\s+lukien|poislukien)\b", re.I)
_EXCLUDED_BEFORE = re.compile(
    r"\b(paitsi|lukuun\s+ottamatta|pois\s+lukien|except(\s+for)?|excluding|utom)\s+$", re.I
)


#: A line of contact details: its places are where someone sits. English
#: "address" counts only as a noun ("Address:", "postal address"), not the verb
#: of "a programme to address child services".
_CONTACT_LINE = re.compile(
    r"@|\+?\d[\d ]{6,}|\b\d{5}\b|\bpuh\.?\b|\bPL\s*\d|\bosoite\b|\baddress\s*:|"
    r"\b(postal|street|visiting|mailing|e-?mail|web)\s+address\b",
    re.I,
)
#: "Finnish nationwide programme", "the Finnish government": an English page's
#: country-wide scope, said with the adjective.
_FINNISH_STATE = re.compile(
    r"\bFinnish\s+(national|nationwide|government|state|counties|county|municipalities|cities)\b",
    re.I,
)
#: "Example University of Applied Sciences, Finland": the country in an address.
_ADDRESS_AFTER = re.compile(r"^[ \t]*(\n|$|\(|\d)")


def _country_counts(run: Run, start: int, end: int) -> bool:
    """Whether a mention of Finland makes the country a project area.

    On a Finnish page the country goes without saying (the gold lists "Suomi"
    only for pages written for readers abroad), and at the end of an address
    line (", Finland") it only locates an organisation."""
    if run.lang == "fi":
        return False
    before = run.text[max(0, start - 2) : start]
    return not (before.endswith(",") or before.endswith(", ")) or not _ADDRESS_AFTER.match(
        run.text[end : end + 5]
    )


#: A genitive and "ja" before a name: "Porin ja [Ulvilan Vanhemmat ja Lapset ry]".
_COORDINATED_GENITIVE = re.compile(r"(?<![\w-])[A-ZÅÄÖ][\w-]*n\s+(ja|sekä)\s+$")


def _coordinated_start(text: str, start: int) -> int:
    """Where an organisation's name begins when a coordinated genitive precedes it:
    in "Helsingin ja Uudenmaan sairaanhoitopiiri" both places modify the head."""
    m = _COORDINATED_GENITIVE.search(text[max(0, start - 40) : start])
    return start - (min(start, 40) - m.start()) if m else start


def _excluded(text: str, start: int, end: int) -> bool:
    """Whether the place at ``text[start:end]`` is named as left out."""
    return bool(
        _EXCLUDED_AFTER.match(text[end : end + 30])
        or _EXCLUDED_BEFORE.search(text[max(0, start - 30) : start])
    )


class PlaceSteps(OrganisationSteps):
    """Areas served."""

    def _places(
        self,
        run: Run,
        subject: URIRef,
        fmap: dict[str, Field],
        sentences: list[tuple[int, int]],
        orgs: list[OrgMention],
        predicate: URIRef = SCHEMA.areaServed,
        assigned: dict[str, set[URIRef]] | None = None,
    ) -> None:
        text = run.text
        assigned = assigned or {}
        # A municipality that runs the project or takes part in it as a partner
        # is a project area (the gold convention: "sites, partners or areas").
        working = (
            assigned.get("coordinator", set())
            | assigned.get("implementer", set())
            | assigned.get("partner", set())
        )
        bystanders = (
            assigned.get("funder", set()) | assigned.get("steeringGroupMember", set())
        ) - working
        done: set[URIRef] = set()

        def add(iri: URIRef, start: int, end: int, extractor: str) -> None:
            if iri in done:
                return
            done.add(iri)
            ev = run.evidence(start, end, extractor)
            run.add(subject, predicate, iri, ev)
            if predicate != SCHEMA.mentions:
                run.add(run.doc_iri, SCHEMA.mentions, iri, ev)

        area = fmap.get("area")
        area_range = (area.start, area.end) if area else (-1, -1)
        if area is not None:
            for s, e in self._field_items(run, area):
                link = self.linker.link_place(text[s:e])
                if link is not None and link.is_place:
                    add(link.iri, s, e, X_FIELD)
                else:
                    for m in self.linker.find_all(text[s:e]):
                        if m.link.is_place:
                            add(m.link.iri, s + m.start, s + m.end, X_FIELD)
        own = [
            str(f.object) for f in run.facts if f.subject == subject and f.predicate == SCHEMA.name
        ]
        skip = self._place_skip_ranges(run, fmap, sentences, own)
        # A place inside an organisation's name ("Keski-Suomen ELY-keskus",
        # "Oulun Diakonissalaitoksen Säätiö") is not where the project works.
        named = [
            (_coordinated_start(text, o.start), o.end)
            for o in orgs
            if not (o.link is not None and getattr(o.link, "is_place", False))
        ]
        for m in run.mentions(self.linker):
            if run.in_chrome(m.start, m.end) or area_range[0] <= m.start < area_range[1]:
                continue
            link = m.link
            location = getattr(link, "location", None)
            if location is not None and link.iri in working:
                # "Toteuttaja: Rovaniemen kaupunki": the home municipality of a
                # municipal implementer or partner is a project area, even inside
                # a role field.
                add(location, m.start, m.end, X_GAZETTEER)
                continue
            if any(a <= m.start < b for a, b in skip):
                continue
            if link.is_place and any(
                a <= m.start and m.end <= b and (a, b) != (m.start, m.end) for a, b in named
            ):
                continue
            after = re.sub(r"<[^>]*>", "", text[m.end : m.end + 40])
            if (
                link.is_place
                and m.surface.casefold() == link.label.casefold()
                and IMPRINT.match(after)
            ):
                continue  # "Helsinki 2004", "LAhti 2017": a publisher's imprint
            if link.is_place and _excluded(text, m.start, m.end):
                continue
            if link.kind == "country" and not _country_counts(run, m.start, m.end):
                continue
            if link.is_place:
                add(link.iri, m.start, m.end, X_GAZETTEER)
            elif getattr(link, "location", None) is not None and link.iri not in bystanders:
                # "Rovaniemen kaupungin": a city working in the project serves its area.
                add(link.location, m.start, m.end, X_GAZETTEER)
        if run.lang != "fi":
            country = self.linker.link_place("Finland")
            for match in _FINNISH_STATE.finditer(text):
                if country is not None and not run.in_chrome(match.start(), match.end()):
                    if not any(a <= match.start() < b for a, b in skip):
                        add(country.iri, match.start(), match.start() + 7, X_GAZETTEER)

    def _place_skip_ranges(
        self,
        run: Run,
        fmap: dict[str, Field],
        sentences: list[tuple[int, int]],
        own_names: list[str] = [],  # noqa: B006 - read only
    ) -> list[tuple[int, int]]:
        """Where a place is not the project's area: contact details and sentences
        about another project (a sentence that names the project itself stays)."""
        text = run.text
        own_words = {w.casefold() for n in own_names for w in re.findall(r"[\w+&.]+", n)}
        out: list[tuple[int, int]] = []
        for key in (
            "contact",
            "responsible",
            "persons",
            "website",
            "publications",
            "funder",
            "coordinator",
            "implementer",
            "partner",
            "steering",
        ):
            f = fmap.get(key)
            if f is not None:
                out.append((f.start, f.end))
        for line_start, line in lines(text):
            if _CONTACT_LINE.search(line) or CITATION_LINE.search(line):
                out.append((line_start, line_start + len(line)))
        for start, end in sentences:
            sentence = text[start:end]
            for m in PROJECT_MENTION.finditer(sentence):
                if PART_OF_AFTER.match(sentence[m.end() :]) or PART_OF_BEFORE.search(
                    sentence[: m.start()]
                ):
                    continue
                name = m.group("name")
                if name.lower() in NOT_PROJECT_NAMES or name.casefold() in own_words:
                    continue
                out.append((start, end))
                break
        return out
