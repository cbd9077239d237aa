"""People of the project: responsible persons, contacts and staff."""

from __future__ import annotations

import logging
import re

from rdflib import Literal, URIRef

from graph.extract.cues import (
    CREDITS,
    ITEM_SPLIT,
    NAME_TOKEN,
    PERSON_IN_TEXT,
    ROLE_CONTACT,
    ROLE_RESPONSIBLE,
)
from graph.extract.run import X_FIELD, X_NER, Run, Steps
from graph.extract.text import CHROME_PHRASES, is_chrome_text, lines
from graph.load.layout import Field
from graph.vocab import HK, RDF, SCHEMA

logger = logging.getLogger(__name__)


#: Lower-case words that belong to a surname ("Carl af Forselles", "Ute von Weber").
_NAME_PARTICLES = frozenset("af von van de der di la".split())
#: Holders of public office named before a name ("ministeri", "kansanedustaja").
_OFFICE_HOLDER = re.compile(
    r"(\w*ministeri|kansanedustaja|europarlamentaarikko|member of parliament|\bMP|"
    r"presidentti|president|minister(?:\s+(?:of|for)(?:\s+(?:[A-Z]\w+|and|the))+)?)\s*$",
    re.I,
)
#: English titles before a name.
_EN_TITLES = frozenset(
    "minister professor prof dr mr mrs ms director coordinator manager chair chairman "
    "mayor president secretary doctor".split()
)


#: The next name of a list after a person: ", Pekka Koskinen", " & Aino Laine".
_LIST_NEXT = re.compile(
    r"\s*(?:,|&|;|\bja\b|\band\b)\s*(?P<given>[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?)"
    r"\s+(?P<surname>[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?)(?![\w-])"
)


def _items(line: str) -> list[tuple[int, str]]:
    """The list items of a field line with their offsets (split at ";", ",", "&", "ja")."""
    out: list[tuple[int, str]] = []
    pos = 0
    for m in ITEM_SPLIT.finditer(line):
        out.append((pos, line[pos : m.start()]))
        pos = m.end()
    out.append((pos, line[pos:]))
    return [(s, item) for s, item in out if item.strip()]


class PersonSteps(Steps):
    """Person extraction."""

    def _persons(
        self,
        run: Run,
        subject: URIRef,
        fields: list[Field],
        ents: list[tuple[int, int, str, str]],
        predicate: URIRef | None = None,
    ) -> None:
        done: set[URIRef] = set()
        field_ranges: list[tuple[int, int]] = []
        for f in fields:
            if f.key not in ("responsible", "contact", "persons"):
                continue
            field_ranges.append((f.start, f.end))
            pred = predicate or {
                "responsible": HK.responsiblePerson,
                "contact": HK.contactPerson,
            }.get(f.key, HK.person)
            for line_start, line in lines(f.value):
                if not line.strip():
                    continue
                # "Laine Aino; Koskinen Pekka": one person per list item; the
                # first item may be any name-like words, later ones need a known
                # first name or surname (so that "X, Pohjois-Savon Kylät" is not one).
                for n, (item_start, item) in enumerate(_items(line)):
                    for m in PERSON_IN_TEXT.finditer(item):
                        trimmed = self._trim_person(m.group())
                        if trimmed is None:
                            continue
                        name = trimmed[1]
                        if not self._valid_person(name, strict=False):
                            continue
                        if n and not self._has_name_word(name):
                            continue
                        s = f.start + line_start + item_start + m.start() + trimmed[0]
                        self._add_person(run, subject, pred, name, s, s + len(name), X_FIELD, done)
                        break
        for ent_start, _, label, ent_surface in ents:
            if label != "PER" and label != "PERSON":
                continue
            if any(a <= ent_start < b for a, b in field_ranges):
                continue
            trimmed = self._trim_person(ent_surface)
            if trimmed is None:
                continue
            for offset, part in self._split_persons(trimmed[1]):
                start = ent_start + trimmed[0] + offset
                self._ner_person(run, subject, part, start, predicate, done)
        self._listed_persons(run, subject, predicate, done)

    def _listed_persons(
        self, run: Run, subject: URIRef, predicate: URIRef | None, done: set[URIRef]
    ) -> None:
        """ "Aino Laine & Eero Kivi & Liisa Mäki", "Matti Virtanen, Pekka
        Koskinen": names listed right after a person found are persons too, when
        each has a known first name (NER often cuts such lists short)."""
        found = {
            str(f.object) for f in run.facts if f.subject in done and f.predicate == SCHEMA.name
        }
        queue = [
            m.end()
            for name in found
            for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", run.text)
        ]
        seen: set[int] = set()
        while queue:
            end = queue.pop()
            if end in seen:
                continue
            seen.add(end)
            m = _LIST_NEXT.match(run.text, end)
            if m is None:
                continue
            given, surname = m.group("given"), m.group("surname")
            if not self._first_name(given):
                continue
            surface = f"{given} {surname}"
            self._ner_person(run, subject, surface, m.start("given"), predicate, done)
            if self.iris.person(self._given_first(self._person_base(surface))) in done:
                queue.append(m.end("surname"))

    def _ner_person(
        self,
        run: Run,
        subject: URIRef,
        surface: str,
        start: int,
        predicate: URIRef | None,
        done: set[URIRef],
    ) -> None:
        end = start + len(surface)
        if any(w[:1].islower() and w not in _NAME_PARTICLES for w in surface.split()):
            # "Vasa, Korsholm och Närpes": a lower-case word joins names, it is not one.
            return
        name = self._person_base(surface)
        if not self._valid_person(name, strict=True):
            return
        before = run.text[max(0, start - 40) : start]
        if CREDITS.search(before):
            return
        if _OFFICE_HOLDER.search(run.text[max(0, start - 90) : start]):
            # "sanoo perhe- ja peruspalveluministeri X": quoted, not the project's staff.
            self._add_person(run, run.doc_iri, SCHEMA.mentions, name, start, end, X_NER, done)
            return
        pred = predicate or (
            HK.responsiblePerson
            if ROLE_RESPONSIBLE.search(before)
            else HK.contactPerson
            if ROLE_CONTACT.search(before)
            else HK.person
        )
        self._add_person(run, subject, pred, name, start, end, X_NER, done)

    def _add_person(
        self,
        run: Run,
        subject: URIRef,
        pred: URIRef,
        name: str,
        start: int,
        end: int,
        extractor: str,
        done: set[URIRef],
    ) -> None:
        name = self._given_first(name)
        iri = self.iris.person(name)
        if iri in done:
            return
        done.add(iri)
        ev = run.evidence(start, end, extractor)
        run.add(subject, pred, iri, ev)
        run.add(iri, RDF.type, SCHEMA.Person)
        run.add(iri, SCHEMA.name, Literal(name), ev)
        if pred != SCHEMA.mentions:
            run.add(run.doc_iri, SCHEMA.mentions, iri, ev)

    def _split_persons(self, surface: str) -> list[tuple[int, str]]:
        """ "Hanna Falk Marjo Kurki" (two names in one NER span) -> two names."""
        words = list(re.finditer(r"\S+", surface))
        if len(words) == 4 and self._first_name(words[2].group()):
            return [
                (0, surface[: words[1].end()]),
                (words[2].start(), surface[words[2].start() :]),
            ]
        return [(0, surface)]

    def _has_name_word(self, name: str) -> bool:
        """Whether a word of ``name`` is a known first name or surname."""
        return any(
            a.get("CLASS") in ("etunimi", "sukunimi")
            for w in name.split()
            for a in self.morph.analyses(w)
        )

    def _given_first(self, name: str) -> str:
        """ "Mäkinen Anna-Kaisa" -> "Anna-Kaisa Mäkinen": registers and
        catalogues write the surname first; one person gets one name."""
        words = name.split()
        if len(words) != 2:
            return name
        first = {a.get("CLASS") for a in self.morph.analyses(words[0])}
        last = {a.get("CLASS") for a in self.morph.analyses(words[1])}
        if (
            "etunimi" in last
            and "etunimi" not in first
            and ("sukunimi" in first or not first)
            and "sukunimi" not in last
        ):
            return f"{words[1]} {words[0]}"
        return name

    def _first_name(self, word: str) -> bool:
        return any(a.get("CLASS") == "etunimi" for a in self.morph.analyses(word))

    def _trim_person(self, surface: str) -> tuple[int, str] | None:
        """The name inside an NER span: its first line, without leading titles or
        trailing common words ("Projektipäällikkö Tuulikki X" -> "Tuulikki X")."""
        line = surface.split("\n")[0]
        words = list(re.finditer(r"\S+", line))
        # English titles ("Minister Lindström", "Professor X Y") are not names.
        while words and words[0].group().rstrip(".").lower() in _EN_TITLES:
            words.pop(0)

        def ordinary(word: str) -> list[dict[str, str]]:
            analyses = list(self.morph.analyses(word))
            classes = {a.get("CLASS") for a in analyses}
            if classes & {"etunimi", "sukunimi", "nimi", "paikannimi"}:
                return []
            return analyses

        # A title before a first name ("Projektipäällikkö Tuulikki ...").
        while len(words) > 2 and ordinary(words[0].group()) and self._first_name(words[1].group()):
            words.pop(0)
        # A common word after the name that is not in the nominative
        # ("Marja-Liisa Yhteyshenkilön"); surnames are often common nouns
        # ("Lehtoranta"), so nominative ones stay.
        while len(words) > 1:
            analyses = ordinary(words[-1].group())
            if not analyses or any(a.get("SIJAMUOTO") == "nimento" for a in analyses):
                break
            words.pop()
        if not words:
            return None
        return words[0].start(), line[words[0].start() : words[-1].end()]

    def _person_base(self, surface: str) -> str:
        words = surface.split()
        out: list[str] = []
        for w in words:
            base = w
            analyses = [
                a for a in self.morph.analyses(w) if a.get("CLASS") in ("etunimi", "sukunimi")
            ]
            # "Marianne" is also read as Maria + a possessive suffix: a name that
            # can be nominative stays as written.
            if analyses and not any(a.get("SIJAMUOTO") == "nimento" for a in analyses):
                base = analyses[0].get("BASEFORM") or w
            out.append(base[:1].upper() + base[1:])
        return " ".join(out)

    def _valid_person(self, name: str, *, strict: bool) -> bool:
        words = name.split()
        if not 2 <= len(words) <= 4 or not all(NAME_TOKEN.match(w) for w in words):
            return False
        if is_chrome_text(name) or any(w.lower() in CHROME_PHRASES for w in words):
            return False
        if self.linker.link_organisation(name) is not None:
            return False
        if self.linker.link_place(name) is not None and not strict:
            return False
        # Every word an ordinary noun or verb ("Koko Hankkeen") is not a name.
        ordinary = 0
        for w in words:
            classes = {a.get("CLASS") for a in self.morph.analyses(w)}
            if classes and not classes & {"etunimi", "sukunimi", "nimi", "paikannimi"}:
                ordinary += 1
        return ordinary < len(words) if strict else ordinary == 0 or (ordinary < len(words))
