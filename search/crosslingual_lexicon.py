"""The lexicon of the cross-lingual bridge: English and Swedish labels keyed by their stems.

:class:`Lexicon` reads what the product knows in three languages once, at
start: the YSO labels (fi/en/sv, with the curated domain subset marked), the
names of places and organisations through :mod:`graph.link.reference`, and the
curated glossary (``search/crosslingual_glossary.py``). Every label is stemmed
word by word (Snowball English/Swedish through the shared :class:`Analyzer`)
into a key of at most :data:`MAX_NGRAM` stems, so that the translator
(``search/crosslingual.py``) finds a query n-gram's senses with one dictionary
lookup. Building the lexicon is kept apart from choosing among its senses.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from graph.link.reference import load_reference
from search.analysis import Analyzer
from search.crosslingual_glossary import GLOSSARY_EN, GLOSSARY_SV, US_SPELLINGS

logger = logging.getLogger(__name__)

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_QUALIFIER = re.compile(r"\s*\(([^)]*)\)\s*$")
#: The longest label, in words, that the lexicon keeps.
MAX_NGRAM = 8

#: Leading words dropped from English organisation names to get the forms
#: people write ("Finland's Slot Machine Association" -> "Slot Machine Association").
_NAME_LEADS = ("the ", "finland's ", "finnish ", "national ")


def _plain(name: str) -> str:
    """A reference place name without its qualifier: "Helsinki (seutukunta)" -> "Helsinki"."""
    return re.sub(r"\s*\([^)]*\)$", "", name)


def words(text: str) -> list[str]:
    """Words of a label or name, hyphens splitting ("long-term" -> long, term)."""
    return [POSSESSIVE.sub("", m.group()) for m in WORD.finditer(text.replace("-", " "))]


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One label of the lexicon in one language."""

    ref: str  # "yso:p3320", "region:19", "organisation:kela", "glossary:..."
    kind: str  # "concept" | "place" | "organisation" | "glossary"
    iri: str | None
    label: str  # the label as written in the source language
    label_fi: str  # what the expansion adds
    subset: bool = False
    qualified: bool = False
    needs_capital: bool = False  # a Finnish name that only counts when capitalised


class Lexicon:
    """English and Swedish labels of concepts, places and organisations, by stem key.

    Args:
        reference_dir: folder with the YSO labels, the subset, municipalities
            and organisations.
        analyzer: stems the words of labels (and of queries, through :meth:`stem`).
        glossary: add the curated domain glossary besides YSO and the names.
    """

    def __init__(self, reference_dir: Path, analyzer: Analyzer, *, glossary: bool) -> None:
        self._dir = reference_dir
        self._analyzer = analyzer
        self._glossary = glossary
        #: language -> stem key -> the entries with that key
        self.labels: dict[str, dict[tuple[str, ...], list[LexiconEntry]]] = {"en": {}, "sv": {}}
        #: one-word organisation aliases ("Kela", "RAY"), matched with their exact case
        self.acronyms: dict[str, LexiconEntry] = {}
        self._yso_by_fi: dict[str, str] = {}
        self._load()

    def stem(self, word: str, lang: str) -> str:
        """The stem a word of a label or a query is keyed by."""
        low = POSSESSIVE.sub("", word.lower())
        low = US_SPELLINGS.get(low, low) if lang == "en" else low
        # The Analyzer's stemmer is shared and locked; stop words stem to themselves.
        terms = self._analyzer.word_terms(low, lang)
        return terms[0] if terms else low

    def _load(self) -> None:
        subset = self._read_subset()
        self._load_yso(subset)
        self._load_places()
        self._load_organisations()
        self._load_glossary()
        logger.info(
            "cross-lingual lexicon: %d English and %d Swedish keys",
            len(self.labels["en"]),
            len(self.labels["sv"]),
        )

    def _read_subset(self) -> set[str]:
        path = self._dir / "yso_subset.csv"
        if not path.is_file():
            return set()
        with path.open(encoding="utf-8", newline="") as handle:
            return {row["uri"] for row in csv.DictReader(handle)}

    def _load_yso(self, subset: set[str]) -> None:
        with (self._dir / "yso_labels_2019.3.tsv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                iri = row["uri"]
                label_fi = _QUALIFIER.sub("", row["label_fi"]).strip()
                if not label_fi:
                    continue
                self._yso_by_fi.setdefault(label_fi.lower(), iri)
                for lang in ("en", "sv"):
                    label = row.get(f"label_{lang}") or ""
                    if not label:
                        continue
                    bare = _QUALIFIER.sub("", label).strip()
                    entry = LexiconEntry(
                        ref="yso:" + iri.rsplit("/", 1)[-1],
                        kind="concept",
                        iri=iri,
                        label=label,
                        label_fi=label_fi,
                        subset=iri in subset,
                        qualified=bare != label,
                    )
                    self._add(lang, bare, entry)

    def _load_places(self) -> None:
        """Municipalities, regions, sub-regions and wellbeing services counties, read
        through :mod:`graph.link.reference` (one parser of the reference data)."""
        reference = load_reference(self._dir)
        places: list[tuple[str, str, str, str]] = [
            ("municipality:" + m.code, m.name_fi, m.name_sv, m.name_en)
            for m in reference.municipalities.values()
        ]
        for kind, prefix, english in (
            ("region", "region:", True),
            ("subregion", "subregion:", False),
            ("wellbeing_county", "wellbeing-county:", False),
        ):
            for group in reference.groups_of(kind):
                # "Helsinki (seutukunta)": the qualifier is the reference's, not a name.
                fi, sv = (_plain(group.names.get(lang, "")) for lang in ("fi", "sv"))
                en = group.names.get("en", "") if english else ""
                places.append((prefix + group.code, fi, sv, en))
        seen: set[tuple[str, str]] = set()
        for ref, fi, sv, en in places:
            if not fi or (ref, fi) in seen:
                continue
            seen.add((ref, fi))
            # Names go to both lexicons: "Helsingfors" turns up in English queries too.
            for name in dict.fromkeys(n for n in (en, sv, fi) if n):
                for lang in ("en", "sv"):
                    self._add_name(lang, name, ref, "place", fi)

    def _load_organisations(self) -> None:
        """Organisation names and acronyms, read through :mod:`graph.link.reference`."""
        for key, org in load_reference(self._dir).organisations.items():
            ref = "organisation:" + key
            # one-word aliases ("Kela", "RAY", "STEA"), matched with their exact case
            acronyms = [a for a in (*org.acronyms, *org.terms) if a and not re.search(r"[\s()]", a)]
            label_fi = " ".join(dict.fromkeys([org.names.get("fi", ""), *acronyms[:1]]))
            for name in (org.names.get("en", ""), org.names.get("sv", "")):
                if not name:
                    continue
                for lang in ("en", "sv"):
                    self._add_name(lang, name, ref, "organisation", label_fi)
                low = name.lower()
                for lead in _NAME_LEADS:
                    if low.startswith(lead) and len(name) - len(lead) > 8:
                        name = name[len(lead) :]
                        low = low[len(lead) :]
                        for lang in ("en", "sv"):
                            self._add_name(lang, name, ref, "organisation", label_fi)
            for acronym in acronyms:
                if len(acronym) >= 2:
                    self.acronyms[acronym] = LexiconEntry(
                        ref=ref,
                        kind="organisation",
                        iri=None,
                        label=acronym,
                        label_fi=label_fi,
                    )

    def _load_glossary(self) -> None:
        if not self._glossary:
            return
        for lang, glossary in (("en", GLOSSARY_EN), ("sv", GLOSSARY_SV)):
            for phrase, finnish in glossary:
                entry = LexiconEntry(
                    ref="glossary:" + phrase.replace(" ", "-"),
                    kind="glossary",
                    iri=self._yso_by_fi.get(finnish.lower()),
                    label=phrase,
                    label_fi=finnish,
                )
                self._add(lang, phrase, entry)

    def _add_name(self, lang: str, name: str, ref: str, kind: str, label_fi: str) -> None:
        entry = LexiconEntry(
            ref=ref,
            kind=kind,
            iri=None,
            label=name,
            label_fi=label_fi,
            needs_capital=name == label_fi,
        )
        self._add(lang, name, entry)

    def _add(self, lang: str, label: str, entry: LexiconEntry) -> None:
        key = tuple(self.stem(w, lang) for w in words(label))
        if not key or len(key) > MAX_NGRAM:
            return
        entries = self.labels[lang].setdefault(key, [])
        if all(e.ref != entry.ref or e.label_fi != entry.label_fi for e in entries):
            entries.append(entry)
