"""The bilingual bridge: English and Swedish queries carried to Finnish words.

A small multilingual encoder and a Finnish BM25 index both serve English
queries over Finnish documents badly. What the product knows bridges the gap:

* the YSO lexicon (``yso_labels_2019.3.tsv``: 36k concepts with fi/en/sv
  preferred labels, CC BY 4.0, National Library of Finland);
* the names of municipalities, regions, sub-regions and wellbeing services
  counties in Finnish, Swedish and English, and the names and acronyms of
  organisations, read through :mod:`graph.link.reference` (the one parser of
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

The labels are read and stemmed into a :class:`~search.crosslingual_lexicon.Lexicon`
(``search/crosslingual_lexicon.py``); the curated glossary and word lists are
data in ``search/crosslingual_glossary.py``. This module matches queries and
chooses senses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from search.analysis import (
    ENGLISH_STOPWORDS,
    SWEDISH_STOPWORDS,
    Analyzer,
    default_analyzer,
    detect_language,
)
from search.crosslingual_glossary import GENERIC_WORDS, US_SPELLINGS
from search.crosslingual_lexicon import (
    MAX_NGRAM,
    POSSESSIVE,
    WORD,
    Lexicon,
    LexiconEntry,
    words,
)

#: Where the reference data lives in a checkout (``Settings.reference_dir``).
DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

#: Tells whether an analysed Finnish term occurs in the corpus (e.g. a
#: :class:`~search.lexical.LexicalIndex`'s ``__contains__``).
Vocabulary = Callable[[str], bool]

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
        """The ``graph.link.reference`` key of a place or organisation ("091",
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
        self._vocabulary = vocabulary
        self._analyzer = analyzer or default_analyzer()
        self._lexicon = Lexicon(
            Path(reference_dir or DEFAULT_REFERENCE_DIR), self._analyzer, glossary=glossary
        )
        self._generic = {
            lang: frozenset(self._lexicon.stem(w, lang) for w in generic)
            for lang, generic in GENERIC_WORDS.items()
        }

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
            for m in WORD.finditer(query)
            if not m.group().isdigit() or len(m.group()) == 4
        ]
        stops = ENGLISH_STOPWORDS if language == "en" else SWEDISH_STOPWORDS
        stems = [self._lexicon.stem(text, language) for text, _, _ in tokens]
        is_stop = [POSSESSIVE.sub("", t.lower()) in stops for t, _, _ in tokens]
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
        surface = POSSESSIVE.sub("", tokens[i][0])
        if is_stop[i]:
            return None
        lexicon = self._lexicon.labels[lang]
        for width in range(min(MAX_NGRAM, len(tokens) - i), 0, -1):
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
                and (width > 1 or lang != "en" or _same_word_en(surface, words(e.label)[0]))
            ]
            if not candidates:
                continue
            scored = [(self._score(e, width, vocab), e) for e in candidates]
            score, best = max(scored, key=lambda pair: (pair[0], pair[1].ref))
            if score < _MIN_SCORE:
                continue
            start, end = tokens[i][1], tokens[i + width - 1][2]
            return _concept(best, start, end, score), width
        acronym = self._lexicon.acronyms.get(surface)
        if acronym is not None:
            start, end = tokens[i][1], tokens[i][2]
            return _concept(acronym, start, end, 1.0 + _KIND_BONUS["organisation"]), 1
        return None

    def _score(self, entry: LexiconEntry, width: int, vocab: Vocabulary | None) -> float:
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
        heads = [terms[0] for w in words(label_fi) if (terms := self._fi_terms(w))]
        if not heads:
            return 0.0
        return sum(1 for t in heads if vocab(t)) / len(heads)

    def _fi_terms(self, word: str) -> tuple[str, ...]:
        return self._analyzer.word_terms(word, "fi")


def _singular_en(word: str) -> str:
    """A light English singular: "families" -> "family", "centres" -> "centre"."""
    low = POSSESSIVE.sub("", word.lower())
    low = US_SPELLINGS.get(low, low)
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


def _concept(entry: LexiconEntry, start: int, end: int, score: float) -> ConceptMatch:
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
