"""Label/value page parsing: project pages that list "label, blank line, value".

Many project registers render a record as a label on its own line, a blank
line, and the value. Labels can be broken across lines with a hyphen
("Hankkeen päätoteuttaja-\\norganisaatio") or carry a qualifier on the next
line ("Vastuuhenkilö\\nKuntoutussäätiössä"); empty fields are followed directly
by the next label. ``Label: value`` on one line is understood too. Only labels
from the known-label table below count, so that ordinary short lines are never
taken for labels, and a label without a value yields no field: the next label
is never used as a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from graph.language.finnish import morphology

#: Canonical field key -> (language, label variants). Variants are matched
#: case-insensitively, ignoring hyphens, spaces and a trailing colon; the
#: prefixes "hankkeen"/"projektin"/"project" are optional on every label.
LABELS: dict[str, list[tuple[str, str]]] = {
    "name": [
        ("fi", "nimi"),
        ("fi", "hankkeen nimi"),
        ("fi", "projektin nimi"),
        ("fi", "nimi suomeksi"),
    ],
    "name_en": [
        ("en", "project name"),
        ("en", "name"),
        ("en", "title"),
        ("en", "project title"),
        ("en", "nimi englanniksi"),
        ("en", "name in english"),
        ("en", "english name"),
        ("en", "englanninkielinen nimi"),
    ],
    "name_sv": [
        ("sv", "projektets namn"),
        ("sv", "nimi ruotsiksi"),
        ("sv", "namn"),
    ],
    "acronym": [("fi", "lyhenne"), ("en", "acronym"), ("fi", "lyhytnimi"), ("en", "short name")],
    "start": [
        ("fi", "alkamisvuosi"),
        ("fi", "aloitusvuosi"),
        ("fi", "alkamispäivä"),
        ("fi", "aloituspäivä"),
        ("fi", "alkamisaika"),
        ("fi", "alkaa"),
        ("en", "start year"),
        ("en", "start date"),
        ("en", "starting year"),
        ("en", "start"),
        ("en", "started"),
        ("sv", "startår"),
    ],
    "end": [
        ("fi", "päättymisvuosi"),
        ("fi", "päättymispäivä"),
        ("fi", "päättymisaika"),
        ("fi", "loppumisvuosi"),
        ("fi", "päättyy"),
        ("en", "end year"),
        ("en", "end date"),
        ("en", "ending year"),
        ("en", "end"),
        ("en", "ends"),
        ("sv", "slutår"),
    ],
    "duration": [
        ("fi", "kesto"),
        ("fi", "toteutusaika"),
        ("fi", "hankeaika"),
        ("fi", "projektiaika"),
        ("fi", "aikataulu"),
        ("fi", "voimassaolo"),
        ("en", "duration"),
        ("en", "project period"),
        ("en", "period"),
        ("en", "timeline"),
        ("en", "schedule"),
        ("sv", "projekttid"),
        ("sv", "tidsplan"),
    ],
    "funder": [
        ("fi", "rahoittaja"),
        ("fi", "rahoittajat"),
        ("fi", "rahoitus"),
        ("fi", "rahoituslähde"),
        ("fi", "päärahoittaja"),
        ("en", "funder"),
        ("en", "funders"),
        ("en", "funding"),
        ("en", "funded by"),
        ("en", "financier"),
        ("en", "source of funding"),
        ("sv", "finansiär"),
        ("sv", "finansiering"),
    ],
    "coordinator": [
        ("fi", "päätoteuttajaorganisaatio"),
        ("fi", "päätoteuttaja"),
        ("fi", "hallinnoija"),
        ("fi", "hallinnoiva organisaatio"),
        ("fi", "hallinnoijaorganisaatio"),
        ("fi", "koordinaattori"),
        ("fi", "koordinoija"),
        ("fi", "vastuuorganisaatio"),
        ("en", "lead organisation"),
        ("en", "lead organization"),
        ("en", "lead partner"),
        ("en", "coordinator"),
        ("en", "coordinating organisation"),
        ("en", "coordinating organization"),
        ("en", "administrator"),
        ("sv", "huvudman"),
        ("sv", "koordinator"),
    ],
    "implementer": [
        ("fi", "toteuttajaorganisaatiot"),
        ("fi", "toteuttajaorganisaatio"),
        ("fi", "toteuttaja"),
        ("fi", "toteuttajat"),
        ("fi", "osatoteuttajat"),
        ("fi", "osatoteuttaja"),
        ("en", "implementer"),
        ("en", "implementers"),
        ("en", "implementing organisations"),
        ("en", "implementing organizations"),
        ("sv", "genomförare"),
    ],
    "partner": [
        ("fi", "yhteistyötahot"),
        ("fi", "yhteistyökumppanit"),
        ("fi", "yhteistyöorganisaatiot"),
        ("fi", "kumppanit"),
        ("fi", "kumppanuusorganisaatiot"),
        ("en", "partners"),
        ("en", "partner organisations"),
        ("en", "partner organizations"),
        ("en", "collaborators"),
        ("en", "cooperation partners"),
        ("sv", "samarbetspartner"),
        ("sv", "partner"),
    ],
    "steering": [
        ("fi", "ohjausryhmän jäsenet"),
        ("fi", "ohjausryhmä"),
        ("fi", "ohjausryhmässä"),
        ("en", "steering group"),
        ("en", "steering group members"),
        ("en", "steering committee"),
        ("sv", "styrgrupp"),
    ],
    "responsible": [
        ("fi", "koko hankkeen vastuuhenkilö"),
        ("fi", "vastuuhenkilö"),
        ("fi", "vastuuhenkilöt"),
        ("fi", "projektipäällikkö"),
        ("fi", "hankepäällikkö"),
        ("fi", "projektinjohtaja"),
        ("fi", "vastuullinen johtaja"),
        ("en", "responsible person"),
        ("en", "project manager"),
        ("en", "project leader"),
        ("en", "principal investigator"),
        ("sv", "ansvarsperson"),
        ("sv", "projektledare"),
    ],
    "contact": [
        ("fi", "yhteyshenkilö"),
        ("fi", "yhteyshenkilöt"),
        ("fi", "yhteyshenkilön nimi"),
        ("fi", "lisätietoja"),
        ("fi", "lisätiedot"),
        ("en", "contact person"),
        ("en", "contact"),
        ("en", "contacts"),
        ("en", "further information"),
        ("sv", "kontaktperson"),
    ],
    "persons": [
        ("fi", "henkilöstö"),
        ("fi", "tekijä"),
        ("fi", "tekijät"),
        ("fi", "kirjoittaja"),
        ("fi", "kirjoittajat"),
        ("fi", "raportin kirjoittaja"),
        ("fi", "raportin kirjoittajat"),
        ("fi", "hanketiimi"),
        ("en", "author"),
        ("en", "authors"),
        ("en", "researchers"),
        ("sv", "författare"),
        ("fi", "työntekijät"),
        ("fi", "hanketyöntekijät"),
        ("en", "staff"),
        ("en", "team"),
        ("sv", "personal"),
    ],
    "target": [
        ("fi", "kohderyhmä"),
        ("fi", "kohderyhmät"),
        ("en", "target group"),
        ("en", "target groups"),
        ("en", "beneficiaries"),
        ("sv", "målgrupp"),
    ],
    "area": [
        ("fi", "alue"),
        ("fi", "toiminta-alue"),
        ("fi", "toteutusalue"),
        ("fi", "kunnat"),
        ("fi", "paikkakunta"),
        ("fi", "paikkakunnat"),
        ("fi", "maakunta"),
        ("fi", "maakunnat"),
        ("fi", "sijainti"),
        ("en", "region"),
        ("en", "area"),
        ("en", "areas"),
        ("en", "municipalities"),
        ("en", "location"),
        ("sv", "område"),
        ("sv", "kommuner"),
    ],
    "summary": [
        ("fi", "tiivistelmä"),
        ("fi", "kuvaus"),
        ("fi", "lyhyt kuvaus"),
        ("fi", "tavoitteet"),
        ("fi", "tavoite"),
        ("fi", "sisältö ja tavoitteet"),
        ("fi", "tausta"),
        ("en", "background"),
        ("en", "summary"),
        ("en", "description"),
        ("en", "abstract"),
        ("en", "objectives"),
        ("en", "aims"),
        ("sv", "sammanfattning"),
        ("sv", "beskrivning"),
    ],
    "results": [
        ("fi", "tulokset"),
        ("fi", "tuotokset"),
        ("en", "results"),
        ("en", "outcomes"),
        ("sv", "resultat"),
    ],
    "keywords": [
        ("fi", "teemat"),
        ("fi", "asiasanat"),
        ("fi", "avainsanat"),
        ("en", "keywords"),
        ("en", "themes"),
        ("en", "topics"),
        ("sv", "nyckelord"),
    ],
    "budget": [
        ("fi", "budjetti"),
        ("fi", "kokonaisbudjetti"),
        ("fi", "kustannusarvio"),
        ("fi", "budjettiluokka"),
        ("fi", "kokonaiskustannukset"),
        ("fi", "kokonaisrahoitus"),
        ("en", "budget"),
        ("en", "total budget"),
        ("en", "budget class"),
        ("en", "total cost"),
        ("en", "total costs"),
        ("sv", "budget"),
        ("sv", "totalbudget"),
    ],
    "grant": [
        ("fi", "myönnetty avustus"),
        ("fi", "myönnetty rahoitus"),
        ("fi", "rahoitussumma"),
        ("fi", "avustuksen määrä"),
        ("fi", "avustussumma"),
        ("fi", "myönnetty summa"),
        ("fi", "esr-rahoitus"),
        ("fi", "eu-rahoitus"),
        ("fi", "julkinen rahoitus"),
        ("en", "grant"),
        ("en", "grant amount"),
        ("en", "amount granted"),
        ("en", "funding amount"),
        ("en", "eu contribution"),
        ("sv", "beviljat understöd"),
        ("sv", "beviljat belopp"),
    ],
    "status": [("fi", "tila"), ("en", "status")],
    "website": [
        ("fi", "kotisivu"),
        ("fi", "verkkosivut"),
        ("fi", "verkkosivu"),
        ("en", "website"),
        ("en", "homepage"),
        ("en", "url"),
        ("sv", "webbplats"),
    ],
    "publications": [("fi", "julkaisut"), ("en", "publications"), ("sv", "publikationer")],
    "programme": [
        ("fi", "ohjelma"),
        ("fi", "rahoitusohjelma"),
        ("fi", "kehittämisohjelma"),
        ("en", "programme"),
        ("en", "program"),
        ("en", "funding programme"),
    ],
}

#: Fields whose value is running text: a value that is not a sentence there
#: is more likely page chrome after a repeated label.
LONG_TEXT_FIELDS = frozenset({"summary", "results"})

#: Fields whose value must contain a digit (a year or a date).
DATE_FIELDS = frozenset({"start", "end", "duration"})

#: Labels the JSON loader writes for a record's keys (all known to ``LABELS``).
JSON_FIELD_LABELS: dict[str, str] = {
    "name": "Hankkeen nimi",
    "nimi": "Hankkeen nimi",
    "title": "Hankkeen nimi",
    "name_fi": "Hankkeen nimi",
    "name_en": "Project name",
    "title_en": "Project name",
    "name_sv": "Projektets namn",
    "acronym": "Lyhenne",
    "description": "Kuvaus",
    "summary": "Tiivistelmä",
    "kuvaus": "Kuvaus",
    "start": "Alkamispäivä",
    "start_date": "Alkamispäivä",
    "startdate": "Alkamispäivä",
    "alkaa": "Alkamispäivä",
    "end": "Päättymispäivä",
    "end_date": "Päättymispäivä",
    "enddate": "Päättymispäivä",
    "paattyy": "Päättymispäivä",
    "duration": "Kesto",
    "funder": "Rahoittaja",
    "funders": "Rahoittaja",
    "rahoittaja": "Rahoittaja",
    "coordinator": "Hallinnoija",
    "lead": "Hallinnoija",
    "lead_organisation": "Hallinnoija",
    "hallinnoija": "Hallinnoija",
    "implementers": "Toteuttajat",
    "implementer": "Toteuttajat",
    "organisations": "Toteuttajat",
    "organizations": "Toteuttajat",
    "toteuttajat": "Toteuttajat",
    "partners": "Yhteistyötahot",
    "yhteistyotahot": "Yhteistyötahot",
    "steering_group": "Ohjausryhmä",
    "contact": "Yhteyshenkilö",
    "contact_person": "Yhteyshenkilö",
    "contacts": "Yhteyshenkilö",
    "responsible_person": "Vastuuhenkilö",
    "manager": "Projektipäällikkö",
    "places": "Alue",
    "area": "Alue",
    "region": "Alue",
    "municipalities": "Kunnat",
    "target_group": "Kohderyhmä",
    "kohderyhma": "Kohderyhmä",
    "keywords": "Asiasanat",
    "themes": "Teemat",
    "results": "Tulokset",
    "budget": "Budjetti",
    "grant": "Myönnetty avustus",
    "grant_amount": "Myönnetty avustus",
    "url": "Kotisivu",
    "homepage": "Kotisivu",
    "website": "Kotisivu",
    "status": "Tila",
    "programme": "Ohjelma",
    "program": "Ohjelma",
}


@dataclass(frozen=True)
class Field:
    """One labelled value; ``text[start:end] == value``."""

    key: str
    label: str
    label_lang: str
    label_start: int
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


_PREFIXES = ("hankkeen", "projektin", "project", "the project", "kehittämishankkeen")
_NORM = re.compile(r"[\s\-–‐_]+")


def _norm(label: str) -> str:
    return _NORM.sub("", label.strip().rstrip(":").strip().lower())


@lru_cache(maxsize=1)
def _label_index() -> dict[str, tuple[str, str]]:
    index: dict[str, tuple[str, str]] = {}
    for key, variants in LABELS.items():
        for lang, variant in variants:
            index.setdefault(_norm(variant), (key, lang))
            for prefix in _PREFIXES:
                index.setdefault(_norm(f"{prefix} {variant}"), (key, lang))
    return index


def match_label(line: str) -> tuple[str, str] | None:
    """``(key, language)`` when ``line`` is a known label, else ``None``."""
    stripped = line.strip()
    if not stripped or len(stripped) > 60:
        return None
    return _label_index().get(_norm(stripped))


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _is_locative_qualifier(line: str) -> bool:
    """ "Kuntoutussäätiössä": a one- or two-word place qualifier of the label above."""
    words = line.split()
    if not 1 <= len(words) <= 2 or not words[-1][:1].isupper() and len(words) == 1:
        return False
    last = words[-1]
    if not re.search(r"(ssa|ssä|lla|llä)$", last):
        return False
    return any(
        a.get("SIJAMUOTO") in ("sisaolento", "ulkoolento") for a in morphology().analyses(last)
    )


#: A list item's mark: "• X", "- X", "* X", "1. X".
_BULLET = re.compile(r"^(?:[•·▪◦‣∙*–-]\s|\d{1,2}[.)]\s)")
_INLINE = re.compile(r"^(?P<label>[^:\n]{2,60}?)\s*:\s+(?P<value>\S.*)$")


def parse_fields(text: str) -> list[Field]:
    """All labelled fields of ``text``, in order; the first occurrence of a key wins
    unless it was empty.
    """
    lines = _lines(text)
    fields: list[Field] = []
    seen: set[str] = set()
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        label = _label_at(lines, i)
        if label is None:
            inline = _INLINE.match(line.text.strip())
            if inline:
                found = match_label(inline.group("label"))
                if (
                    found
                    and found[0] not in seen
                    and (found[0] not in DATE_FIELDS or re.search(r"\d", inline.group("value")))
                ):
                    value = inline.group("value").rstrip()
                    start = line.start + line.text.index(value, line.text.index(":"))
                    fields.append(
                        Field(
                            found[0],
                            inline.group("label").strip(),
                            found[1],
                            line.start,
                            value,
                            start,
                            start + len(value),
                        )
                    )
                    seen.add(found[0])
            i += 1
            continue
        key, lang, label_text, consumed = label
        j = i + consumed
        while j < n and not lines[j].text.strip():
            j += 1
        if j >= n or _label_at(lines, j) is not None:
            i = j
            continue
        # The value: this paragraph (consecutive non-blank lines); a value that
        # starts as a bulleted list ends with the list.
        bulleted = _BULLET.match(lines[j].text.strip()) is not None
        k = j
        while (
            k < n
            and lines[k].text.strip()
            and _label_at(lines, k) is None
            and (not bulleted or _BULLET.match(lines[k].text.strip()))
        ):
            k += 1
        value_start = lines[j].start + (len(lines[j].text) - len(lines[j].text.lstrip()))
        value_end = lines[k - 1].end
        value = text[value_start:value_end].rstrip()
        value_end = value_start + len(value)
        if key in LONG_TEXT_FIELDS and len(value.split()) < 6:
            value = ""
        if key in DATE_FIELDS and not re.search(r"\d", value):
            value = ""
        if value and key not in seen:
            fields.append(
                Field(key, label_text, lang, lines[i].start, value, value_start, value_end)
            )
            seen.add(key)
        i = k
    return fields


def _label_at(lines: list[_Line], i: int) -> tuple[str, str, str, int] | None:
    """A label starting at line ``i``: ``(key, lang, label text, lines used)``."""
    text = lines[i].text.strip()
    if not text:
        return None
    nxt = lines[i + 1].text.strip() if i + 1 < len(lines) else ""
    if text.endswith(("-", "‐")) and nxt:
        joined = text.rstrip("-‐") + nxt
        found = match_label(joined) or match_label(text.rstrip("-‐") + "-" + nxt)
        if found:
            return found[0], found[1], f"{text}\n{nxt}", 2
    found = match_label(text)
    if found is None:
        return None
    after = lines[i + 2].text.strip() if i + 2 < len(lines) else ""
    if nxt and not after and match_label(nxt) is None and _is_locative_qualifier(nxt):
        return found[0], found[1], f"{text}\n{nxt}", 2
    return found[0], found[1], text, 1


def fields_by_key(fields: list[Field]) -> dict[str, Field]:
    """Index fields by key (first occurrence)."""
    out: dict[str, Field] = {}
    for f in fields:
        out.setdefault(f.key, f)
    return out
