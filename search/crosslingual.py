"""The bilingual bridge: English and Swedish queries carried to Finnish words.

A small multilingual encoder and a Finnish BM25 index both serve English
queries over Finnish documents badly. What the product knows bridges the gap:

* the YSO lexicon (``yso_labels_2019.3.tsv``: 36k concepts with fi/en/sv
  preferred labels, CC BY 4.0, National Library of Finland);
* the names of municipalities, regions, sub-regions and wellbeing services
  counties in Finnish, Swedish and English, and the names and acronyms of
  organisations, read through :mod:`graph.reference` (the one parser of
  ``municipalities.csv`` and ``organisations.csv``);
* a short glossary of domain phrases that YSO names differently or not at all
  ("social assistance" is toimeentulotuki, "child welfare" is lastensuojelu in
  Finnish usage, not YSO's lastenhuolto).

:class:`QueryTranslator` stems query n-grams and labels alike (Snowball
English/Swedish), takes the longest label match first, and picks one sense per
span: places and organisations before concepts, the curated domain subset
(``yso_subset.csv``) and Finnish labels the corpus actually uses before the
rest, unqualified labels before qualified ones ("trials (law)"). Single generic
words ("support", "services", "abuse") are never translated alone. The result
lists every matched concept with its span, and gives a Finnish expansion to add
to the dense and the lexical query.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from graph.reference import load_reference
from search.analysis import (
    ENGLISH_STOPWORDS,
    SWEDISH_STOPWORDS,
    Analyzer,
    default_analyzer,
    detect_language,
)

logger = logging.getLogger(__name__)


def _plain(name: str) -> str:
    """A reference place name without its qualifier: "Helsinki (seutukunta)" -> "Helsinki"."""
    return re.sub(r"\s*\([^)]*\)$", "", name)


#: Where the reference data lives in a checkout (``Settings.reference_dir``).
DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

#: Tells whether an analysed Finnish term occurs in the corpus (e.g. a
#: :class:`~search.lexical.LexicalIndex`'s ``__contains__``).
Vocabulary = Callable[[str], bool]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_QUALIFIER = re.compile(r"\s*\(([^)]*)\)\s*$")
#: US spellings folded to the British ones YSO uses, before stemming.
_SPELLING = {
    "center": "centre",
    "centers": "centres",
    "program": "programme",
    "programs": "programmes",
    "organization": "organisation",
    "organizations": "organisations",
    "behavior": "behaviour",
    "labor": "labour",
    "randomized": "randomised",
    "counseling": "counselling",
    "aging": "ageing",
}
_MAX_NGRAM = 8

#: Words too generic to translate on their own (as stems of English or
#: Swedish); inside a longer label they still count. "abuse" alone is YSO's
#: hyväksikäyttö and "trial" its oikeudenkäynti: wrong senses here.
_GENERIC = {
    "en": frozenset(
        """
        abuse trial trials support services service development developing project projects
        people person persons work working model models use using need needs activity activities
        programme programmes study studies report reports help new group groups problem problems
        finland finnish data result results way ways time area areas year years approach level
        case cases form forms part parts number type types quality process system systems change
        role base practice practices place places country countries public local national
        """.split()
    ),
    "sv": frozenset("stöd tjänster projekt utveckling arbete personer människor modell".split()),
}

#: Domain phrases YSO names differently or not at all, as (English phrase,
#: Finnish expansion). Finnish social and health policy terms in their usual
#: Finnish form; an expansion naming a YSO label also gets its IRI.
_GLOSSARY_EN: tuple[tuple[str, str], ...] = (
    ("substitution treatment", "korvaushoito"),
    ("substitution therapy", "korvaushoito"),
    ("opioid substitution treatment", "opioidikorvaushoito korvaushoito"),
    ("opioid substitution therapy", "opioidikorvaushoito korvaushoito"),
    ("opioid replacement therapy", "opioidikorvaushoito korvaushoito"),
    ("maintenance treatment", "korvaushoito"),
    ("social assistance", "toimeentulotuki"),
    ("basic social assistance", "perustoimeentulotuki toimeentulotuki"),
    ("assessment", "arviointi"),
    ("work ability assessment", "työkyvyn arviointi"),
    ("service needs assessment", "palvelutarpeen arviointi"),
    ("substance abuse", "päihteet päihdeongelmat"),
    ("substance misuse", "päihteet päihdeongelmat"),
    ("substance abuse services", "päihdepalvelut"),
    ("alcohol abuse", "alkoholiongelmat"),
    ("drug abuse", "huumeiden käyttö"),
    ("rehabilitee", "kuntoutujat"),
    ("rehabilitees", "kuntoutujat"),
    ("mental health rehabilitees", "mielenterveyskuntoutujat"),
    ("mental health rehabilitee", "mielenterveyskuntoutujat"),
    ("mental health patients", "mielenterveyskuntoutujat mielenterveyspotilaat"),
    ("carer", "omaishoitajat"),
    ("carers", "omaishoitajat"),
    ("informal carers", "omaishoitajat"),
    ("family carers", "omaishoitajat"),
    ("informal caregivers", "omaishoitajat"),
    ("caregivers", "omaishoitajat"),
    ("informal care", "omaishoito"),
    ("child welfare", "lastensuojelu"),
    ("child welfare services", "lastensuojelu"),
    ("older people", "ikääntyneet vanhukset"),
    ("elderly people", "ikääntyneet vanhukset"),
    ("older persons", "ikääntyneet vanhukset"),
    ("older adults", "ikääntyneet"),
    ("elderly care", "vanhustenhuolto vanhuspalvelut"),
    ("elderly services", "vanhuspalvelut"),
    ("immigrant", "maahanmuuttajat"),
    ("immigrants", "maahanmuuttajat"),
    ("integration of immigrants", "maahanmuuttajien kotoutuminen"),
    ("integration services", "kotouttaminen kotoutuminen"),
    ("quota refugees", "kiintiöpakolaiset pakolaiset"),
    ("homelessness", "asunnottomuus"),
    ("homeless people", "asunnottomat"),
    ("homeless", "asunnottomat"),
    ("housing first", "asunto ensin"),
    ("people with disabilities", "vammaiset"),
    ("persons with disabilities", "vammaiset"),
    ("disability services", "vammaispalvelut"),
    ("severely disabled", "vaikeavammaiset"),
    ("intellectual disability", "kehitysvammaisuus"),
    ("intellectual disabilities", "kehitysvammaiset"),
    ("intellectually disabled", "kehitysvammaiset"),
    ("personal assistance", "henkilökohtainen apu"),
    ("long term unemployed", "pitkäaikaistyöttömät"),
    ("unemployed", "työttömät"),
    ("rehabilitative work activity", "kuntouttava työtoiminta"),
    ("rehabilitative work", "kuntouttava työtoiminta"),
    ("work activity", "työtoiminta"),
    ("partial work ability", "osatyökykyiset osatyökyky"),
    ("partially able to work", "osatyökykyiset"),
    ("intermediate labour market", "välityömarkkinat"),
    ("social enterprise", "sosiaalinen yritys"),
    ("social enterprises", "sosiaaliset yritykset"),
    ("work trial", "työkokeilu"),
    ("youth workshop", "nuorten työpaja"),
    ("youth workshops", "nuorten työpajat"),
    ("young people at risk", "syrjäytymisvaarassa olevat nuoret"),
    ("risk of exclusion", "syrjäytymisvaara syrjäytyminen"),
    ("one stop guidance centre", "Ohjaamo"),
    ("one stop guidance centres", "Ohjaamo"),
    ("low threshold", "matala kynnys"),
    ("home help", "kotiapu kotipalvelut"),
    ("service voucher", "palveluseteli"),
    ("service vouchers", "palveluseteli"),
    ("supported housing", "tuettu asuminen"),
    ("sheltered housing", "palveluasuminen"),
    ("assisted living", "palveluasuminen"),
    ("institutional care", "laitoshoito"),
    ("foster care", "sijaishuolto perhehoito"),
    ("substitute care", "sijaishuolto"),
    ("domestic violence", "lähisuhdeväkivalta perheväkivalta"),
    ("ngo", "järjestöt"),
    ("ngos", "järjestöt"),
    ("civil society organisations", "järjestöt"),
    ("state grants", "valtionavustukset"),
    ("government grants", "valtionavustukset"),
    ("grants", "avustukset"),
    ("grant", "avustukset"),
    ("funding", "rahoitus"),
    ("pilot", "kokeilu"),
    ("pilot project", "kokeiluhanke kokeilu"),
    ("experiment", "kokeilu"),
    ("randomised trial", "satunnaistettu tutkimus"),
    ("randomised controlled trial", "satunnaistettu kontrolloitu tutkimus"),
    ("development project", "kehittämishanke"),
    ("development projects", "kehittämishankkeet"),
    ("geriatric rehabilitation", "geriatrinen kuntoutus"),
    ("family centre", "perhekeskukset"),
    ("wellbeing services county", "hyvinvointialue"),
    ("ministry of the environment", "ympäristöministeriö"),
    ("ministry of education and culture", "opetus- ja kulttuuriministeriö"),
    ("ministry of justice", "oikeusministeriö"),
    ("ministry of the interior", "sisäministeriö"),
    ("ministry of finance", "valtiovarainministeriö"),
    ("housing finance and development centre", "Asumisen rahoitus- ja kehittämiskeskus ARA"),
    ("deaconess institute", "Diakonissalaitos"),
    ("parishes", "seurakunnat"),
    ("parish", "seurakunnat"),
    ("early childhood education", "varhaiskasvatus"),
    ("youth guarantee", "nuorisotakuu"),
    ("outreach work", "etsivä työ"),
    ("drop in centre", "matalan kynnyksen palvelupiste"),
    ("day activities", "päivätoiminta"),
    ("respite care", "lyhytaikaishoito intervallihoito"),
    ("sheltered work", "suojatyö"),
    ("supported employment", "tuettu työllistyminen"),
    ("job coaching", "työhönvalmennus"),
    ("job coach", "työhönvalmentaja"),
    ("maternity clinic", "äitiysneuvola"),
    ("child health clinic", "lastenneuvola"),
    ("school health care", "kouluterveydenhuolto"),
    ("problem gambling", "rahapeliongelmat"),
    ("gambling", "rahapelaaminen"),
    ("social isolation", "yksinäisyys"),
    ("memory disorders", "muistisairaudet"),
    ("people with memory disorders", "muistisairaat"),
    ("dementia", "muistisairaudet dementia"),
    ("end of life care", "saattohoito"),
    ("long term care", "pitkäaikaishoito"),
    ("service housing", "palveluasuminen"),
    ("asylum seekers", "turvapaikanhakijat"),
    ("unaccompanied minors", "ilman huoltajaa tulleet alaikäiset"),
    ("debt counselling", "velkaneuvonta"),
    ("over indebtedness", "ylivelkaantuminen"),
    ("school dropouts", "koulupudokkaat"),
    (
        "not in education employment or training",
        "koulutuksen ja työelämän ulkopuolella olevat nuoret",
    ),
    ("social work", "sosiaalityö"),
    ("wellbeing", "hyvinvointi"),
    ("well being", "hyvinvointi"),
)
_GLOSSARY_SV: tuple[tuple[str, str], ...] = (
    ("missbruk", "päihteet päihdeongelmat"),
    ("missbrukarvård", "päihdehuolto"),
    ("utkomststöd", "toimeentulotuki"),
    ("närståendevård", "omaishoito"),
    ("barnskydd", "lastensuojelu"),
    ("hemlöshet", "asunnottomuus"),
    ("invandrare", "maahanmuuttajat"),
)
#: Leading words dropped from English organisation names to get the forms
#: people write ("Finland's Slot Machine Association" -> "Slot Machine Association").
_NAME_LEADS = ("the ", "finland's ", "finnish ", "national ")

#: Sense-choice weights (see :meth:`QueryTranslator._score`).
_KIND_BONUS = {"place": 2.0, "organisation": 2.0, "glossary": 1.5, "concept": 0.0}
_SUBSET_BONUS = 1.0
_VOCAB_BONUS = 0.7
_QUALIFIED_PENALTY = 0.4
#: A label none of whose words the corpus uses helps no lexical match.
_UNKNOWN_PENALTY = 0.5
#: A name shared by a municipality and its sub-region means the municipality.
_PLACE_RANK = {"municipality": 0.3, "region": 0.2, "subregion": 0.1}
#: Matches scoring below this are dropped (a qualified, out-of-domain sense of
#: a single word that the corpus does not use).
_MIN_SCORE = 0.5


@dataclass(frozen=True, slots=True)
class _Entry:
    """One label of the lexicon in one language."""

    ref: str  # "yso:p3320", "region:19", "organisation:kela", "glossary:..."
    kind: str  # "concept" | "place" | "organisation" | "glossary"
    iri: str | None
    label: str  # the label as written in the source language
    label_fi: str  # what the expansion adds
    subset: bool = False
    qualified: bool = False
    needs_capital: bool = False  # a Finnish name that only counts when capitalised


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    """A query span mapped to a concept, place or organisation."""

    ref: str
    kind: str
    iri: str | None
    label: str
    label_fi: str
    start: int
    end: int
    score: float

    @property
    def key(self) -> str | None:
        """The ``graph.reference`` key of a place or organisation ("091",
        "region-19", "subregion-191", "wellbeing-21", "kela"), else None."""
        kind, _, code = self.ref.partition(":")
        return {
            "municipality": code,
            "region": f"region-{code}",
            "subregion": f"subregion-{code}",
            "wellbeing-county": f"wellbeing-{code}",
            "organisation": code,
        }.get(kind)


@dataclass(frozen=True, slots=True)
class Translation:
    """What the bridge made of one query."""

    query: str
    #: The query language, as declared or (when ``detected``) guessed.
    lang: str
    detected: bool
    concepts: list[ConceptMatch] = field(default_factory=list)

    @property
    def expansion(self) -> str:
        """Finnish words to add to the query ("" for a Finnish query)."""
        return " ".join(dict.fromkeys(c.label_fi for c in self.concepts))

    @property
    def labels_fi(self) -> list[str]:
        """The distinct Finnish labels, in query order."""
        return list(dict.fromkeys(c.label_fi for c in self.concepts))


class QueryTranslator:
    """Maps English and Swedish queries to Finnish labels.

    Args:
        reference_dir: folder with the YSO labels, the subset, municipalities
            and organisations (``Settings.reference_dir``).
        vocabulary: default corpus vocabulary for sense choice (see
            :data:`Vocabulary`); :meth:`translate` may pass another.
        analyzer: analyses Finnish labels for the vocabulary check.
        glossary: use the curated domain glossary besides YSO and the names
            (off only to measure what YSO and the names do alone).
    """

    def __init__(
        self,
        reference_dir: Path | None = None,
        vocabulary: Vocabulary | None = None,
        analyzer: Analyzer | None = None,
        *,
        glossary: bool = True,
    ) -> None:
        self._glossary = glossary
        self._dir = Path(reference_dir or DEFAULT_REFERENCE_DIR)
        self._vocabulary = vocabulary
        self._analyzer = analyzer or default_analyzer()
        self._lexicon: dict[str, dict[tuple[str, ...], list[_Entry]]] = {"en": {}, "sv": {}}
        self._acronyms: dict[str, _Entry] = {}
        self._yso_by_fi: dict[str, str] = {}
        self._generic = {
            lang: frozenset(self._stem(w, lang) for w in words) for lang, words in _GENERIC.items()
        }
        self._load()

    # -- loading ----------------------------------------------------------------------------

    def _load(self) -> None:
        subset = self._read_subset()
        self._load_yso(subset)
        self._load_places()
        self._load_organisations()
        self._load_glossary()
        logger.info(
            "cross-lingual lexicon: %d English and %d Swedish keys",
            len(self._lexicon["en"]),
            len(self._lexicon["sv"]),
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
                    entry = _Entry(
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
        through :mod:`graph.reference` (one parser of the reference data)."""
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
        """Organisation names and acronyms, read through :mod:`graph.reference`."""
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
                    self._acronyms[acronym] = _Entry(
                        ref=ref,
                        kind="organisation",
                        iri=None,
                        label=acronym,
                        label_fi=label_fi,
                    )

    def _load_glossary(self) -> None:
        if not self._glossary:
            return
        for lang, glossary in (("en", _GLOSSARY_EN), ("sv", _GLOSSARY_SV)):
            for phrase, finnish in glossary:
                entry = _Entry(
                    ref="glossary:" + phrase.replace(" ", "-"),
                    kind="glossary",
                    iri=self._yso_by_fi.get(finnish.lower()),
                    label=phrase,
                    label_fi=finnish,
                )
                self._add(lang, phrase, entry)

    def _add_name(self, lang: str, name: str, ref: str, kind: str, label_fi: str) -> None:
        entry = _Entry(
            ref=ref,
            kind=kind,
            iri=None,
            label=name,
            label_fi=label_fi,
            needs_capital=name == label_fi,
        )
        self._add(lang, name, entry)

    def _add(self, lang: str, label: str, entry: _Entry) -> None:
        key = tuple(self._stem(w, lang) for w in _words(label))
        if not key or len(key) > _MAX_NGRAM:
            return
        entries = self._lexicon[lang].setdefault(key, [])
        if all(e.ref != entry.ref or e.label_fi != entry.label_fi for e in entries):
            entries.append(entry)

    def _stem(self, word: str, lang: str) -> str:
        low = _POSSESSIVE.sub("", word.lower())
        low = _SPELLING.get(low, low) if lang == "en" else low
        # The Analyzer's stemmer is shared and locked; stop words stem to themselves.
        terms = self._analyzer.word_terms(low, lang)
        return terms[0] if terms else low

    # -- translating ------------------------------------------------------------------------

    def translate(
        self, query: str, lang: str | None = None, *, vocabulary: Vocabulary | None = None
    ) -> Translation:
        """Map the concepts, places and organisations of ``query`` to Finnish.

        Args:
            query: the user's query.
            lang: "en", "sv" or "fi"; detected when None. A Finnish query
                comes back without concepts.
            vocabulary: which analysed Finnish terms the corpus holds; helps to
                choose between senses (defaults to the constructor's).
        """
        detected = lang not in ("fi", "en", "sv")
        language = detect_language(query) if detected else str(lang)
        if language == "fi":
            return Translation(query, language, detected)
        vocab = vocabulary or self._vocabulary
        tokens = [
            (m.group(), m.start(), m.end())
            for m in _WORD.finditer(query)
            if not m.group().isdigit() or len(m.group()) == 4
        ]
        stops = ENGLISH_STOPWORDS if language == "en" else SWEDISH_STOPWORDS
        stems = [self._stem(text, language) for text, _, _ in tokens]
        is_stop = [_POSSESSIVE.sub("", t.lower()) in stops for t, _, _ in tokens]
        concepts: list[ConceptMatch] = []
        i = 0
        while i < len(tokens):
            match = self._match_at(tokens, stems, is_stop, i, language, vocab)
            if match is None:
                i += 1
                continue
            concept, width = match
            concepts.append(concept)
            i += width
        return Translation(query, language, detected, concepts)

    def _match_at(
        self,
        tokens: list[tuple[str, int, int]],
        stems: list[str],
        is_stop: list[bool],
        i: int,
        lang: str,
        vocab: Vocabulary | None,
    ) -> tuple[ConceptMatch, int] | None:
        surface = _POSSESSIVE.sub("", tokens[i][0])
        if is_stop[i]:
            return None
        lexicon = self._lexicon[lang]
        for width in range(min(_MAX_NGRAM, len(tokens) - i), 0, -1):
            if is_stop[i + width - 1]:
                continue
            key = tuple(stems[i : i + width])
            if width == 1 and (key[0] in self._generic[lang] or len(key[0]) < 3):
                break
            entries = lexicon.get(key)
            if not entries:
                continue
            capitalised = surface[:1].isupper()
            candidates = [
                e
                for e in entries
                if (capitalised or not e.needs_capital)
                # One word matched by stem alone is too loose ("long" is not "longing").
                and (width > 1 or lang != "en" or _same_word_en(surface, _words(e.label)[0]))
            ]
            if not candidates:
                continue
            scored = [(self._score(e, width, vocab), e) for e in candidates]
            score, best = max(scored, key=lambda pair: (pair[0], pair[1].ref))
            if score < _MIN_SCORE:
                continue
            start, end = tokens[i][1], tokens[i + width - 1][2]
            return _concept(best, start, end, score), width
        acronym = self._acronyms.get(surface)
        if acronym is not None:
            start, end = tokens[i][1], tokens[i][2]
            return _concept(acronym, start, end, 1.0 + _KIND_BONUS["organisation"]), 1
        return None

    def _score(self, entry: _Entry, width: int, vocab: Vocabulary | None) -> float:
        """Longer matches, names, curated concepts and words the corpus uses win."""
        score = float(width) + _KIND_BONUS[entry.kind]
        score += _PLACE_RANK.get(entry.ref.split(":", 1)[0], 0.0)
        if entry.subset:
            score += _SUBSET_BONUS
        if entry.qualified:
            score -= _QUALIFIED_PENALTY
        if vocab is not None:
            known = self._known_fraction(entry.label_fi, vocab)
            score += _VOCAB_BONUS * known if known else -_UNKNOWN_PENALTY
        return score

    def _known_fraction(self, label_fi: str, vocab: Vocabulary) -> float:
        heads = [terms[0] for w in _words(label_fi) if (terms := self._fi_terms(w))]
        if not heads:
            return 0.0
        return sum(1 for t in heads if vocab(t)) / len(heads)

    def _fi_terms(self, word: str) -> tuple[str, ...]:
        return self._analyzer.word_terms(word, "fi")


def _words(text: str) -> list[str]:
    """Words of a label or name, hyphens splitting ("long-term" -> long, term)."""
    return [_POSSESSIVE.sub("", m.group()) for m in _WORD.finditer(text.replace("-", " "))]


def _singular_en(word: str) -> str:
    """A light English singular: "families" -> "family", "centres" -> "centre"."""
    low = _POSSESSIVE.sub("", word.lower())
    low = _SPELLING.get(low, low)
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "y"
    if low.endswith(("sses", "xes", "ches", "shes")):
        return low[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")) and len(low) > 3:
        return low[:-1]
    return low


def _same_word_en(a: str, b: str) -> bool:
    """Whether two English words differ at most by number ("children" is a
    label of its own in YSO, so irregular plurals need no rule)."""
    return _singular_en(a) == _singular_en(b)


def _concept(entry: _Entry, start: int, end: int, score: float) -> ConceptMatch:
    return ConceptMatch(
        ref=entry.ref,
        kind=entry.kind,
        iri=entry.iri,
        label=entry.label,
        label_fi=entry.label_fi,
        start=start,
        end=end,
        score=round(score, 3),
    )


@lru_cache(maxsize=4)
def query_translator(reference_dir: Path | None = None) -> QueryTranslator:
    """A shared :class:`QueryTranslator` per reference folder (loads in about a second)."""
    return QueryTranslator(reference_dir)


def translate(query: str, lang: str | None = None) -> Translation:
    """Translate with the shared translator over the bundled reference data."""
    return query_translator().translate(query, lang)
