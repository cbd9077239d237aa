"""Text analysis shared by the lexical index and its queries.

Indexing and querying must turn words into the same terms, so both go through
:class:`Analyzer`. For Finnish the terms of a word are:

* its Voikko base forms ("Lapissa" -> ``lappi``), and for a word Voikko does not
  know, its Snowball Finnish stem, or when its tail is a known word, the tail's
  base form with the head glued back on ("opioidikorvaushoidossa" ->
  ``opioidikorvaushoito``, ``korvaushoito``, ``hoito``);
* the parts of a compound ("korvaushoitoasiakkaiden" -> ``korvaushoito``,
  ``hoito``, ``asiakas``) and of a hyphenated name ("Etelä-Pohjanmaalla" ->
  ``etelä``, ``pohjanmaa``);
* the verbs a word is derived from, as Voikko's WORDBASES give them
  ("päihdekuntoutujille" -> ``kuntoutua``), and a derivational root shared by
  a reflexive and a causative verb (``~kuntou`` for both kuntoutua and
  kuntouttaa), so that "kuntoutuja", "kuntoutus" and "kuntouttava" meet.

English and Swedish words get their Snowball stems. Stop words of all three
languages are dropped. Every word's terms are memoised, so analysing thousands
of chunks costs little more than one dictionary look-up per word.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SWEDISH

from graph.language.finnish import Morphology, morphology

#: Languages with their own analysis; anything else is detected from the text.
LANGUAGES = ("fi", "en", "sv")

#: A word: letters and digits, with inner hyphens, colons and apostrophes
#: ("KUUMA-kunnissa", "RAY:n", "Kela's").
_TOKEN = re.compile(r"[^\W_]+(?:[-:'’][^\W_]+)*")
#: "Kela's" -> "Kela"; an English possessive.
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
#: "+kuntoutu(kuntoutua)+ja(+ja)": one piece of a Voikko WORDBASES string.
_WORDBASE = re.compile(r"\+([^+(]+)(?:\(([^)]*)\))?")
#: Verb endings removed to get a derivational root: reflexive (-tua, -ua) and
#: causative (-ttaa, -taa) verbs of one stem share the root ("kuntoutua",
#: "kuntouttaa" -> "kuntou"; "työllistyä", "työllistää" -> "työllis").
_VERB_ENDING = re.compile(r"(?:ttaa|ttää|tua|tyä|taa|tää|ua|yä|ia|iä|da|dä|ta|tä|a|ä)$")
#: Roots shorter than this conflate unrelated verbs ("hoitaa" -> "hoi").
_MIN_ROOT = 5
#: Voikko classes of proper names: their parts ("Pohjan" + "maa") are no words to index.
_NAME_CLASSES = frozenset({"paikannimi", "etunimi", "sukunimi", "nimi"})
#: Prefix that keeps derivational roots apart from real base forms.
ROOT_PREFIX = "~"

#: Finnish function words, as Voikko base forms and as common surface forms
#: (the surface forms catch words Voikko reads ambiguously).
FINNISH_STOPWORDS = frozenset(
    """
    ja tai sekä eli että kun kuin jos mutta vaan sillä koska jotta vai niin nyt jo vielä
    myös kuitenkin siis sitten ennen jälkeen aina ei olla on ovat oli olivat ole ollut olleet
    olisi olisivat voida voi voidaan pitää tulla saada tehdä
    se ne tämä nämä tuo nuo joka jotka mikä mitkä kuka ken hän he minä sinä me te itse
    sen sitä siitä siihen siinä niiden niitä näiden tämän tätä tässä tästä jossa joissa
    josta joista johon joihin jonka joiden joita mitä mistä missä mihin miten miksi
    kaikki jokin joku mikään kukaan muu muut muiden eri noin mm esim ym yms jne ns tms
    osa jo yli alle kanssa mukaan kautta myötä välillä aikana vuoksi takia avulla
    hyvin vain jopa ehkä sekä kohti luona luota päin asti saakka
    """.split()
)
ENGLISH_STOPWORDS = frozenset(STOPWORDS_EN) | {"s", "also", "within", "via", "etc"}
SWEDISH_STOPWORDS = frozenset(STOPWORDS_SWEDISH)
_STOPWORDS = {"fi": FINNISH_STOPWORDS, "en": ENGLISH_STOPWORDS, "sv": SWEDISH_STOPWORDS}
_SNOWBALL = {"fi": "finnish", "en": "english", "sv": "swedish"}


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text with its character offsets (``text[start:end]``)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Span:
    """One term and the offsets of the word it came from."""

    term: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AnalyzerConfig:
    """Switches of the Finnish analysis (kept so that variants can be measured)."""

    #: Index every Voikko base form of an ambiguous word, not only the first.
    all_baseforms: bool = True
    #: Add compound parts and hyphenated parts.
    compounds: bool = True
    #: Add the verbs a word derives from (WORDBASES) and their shared roots.
    derivations: bool = True
    #: Split words Voikko does not know at their longest known tail.
    unknown_compounds: bool = True


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into words, keeping their offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


class _Stemmers:
    """Snowball stemmers behind a lock: PyStemmer objects are not thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stemmers = {lang: Stemmer.Stemmer(algo) for lang, algo in _SNOWBALL.items()}

    def stem(self, word: str, lang: str) -> str:
        with self._lock:
            return str(self._stemmers[lang].stemWord(word))


class Analyzer:
    """Turns text into index terms; one instance serves all threads.

    Args:
        config: which Finnish analyses to apply.
        morph: the Voikko wrapper (the process-wide one by default).
    """

    def __init__(self, config: AnalyzerConfig | None = None, morph: Morphology | None = None):
        self.config = config or AnalyzerConfig()
        self._morph = morph or morphology()
        self._stemmers = _Stemmers()
        self._word: Callable[[str, str], tuple[str, ...]] = lru_cache(maxsize=500_000)(
            self._word_terms
        )

    @property
    def version(self) -> str:
        """A fingerprint of the analysis; an index built with another is stale."""
        digest = hashlib.sha256(repr(self.config).encode()).hexdigest()[:12]
        return f"analysis-3:{digest}"

    # -- public API -------------------------------------------------------------------------

    def analyze(self, text: str, lang: str | None = None) -> list[str]:
        """Terms of ``text`` in order (a word may give several)."""
        lang = self._language(text, lang)
        terms: list[str] = []
        for token in tokenize(text):
            terms.extend(self._word(token.text, lang))
        return terms

    def analyze_spans(self, text: str, lang: str | None = None) -> list[Span]:
        """Terms of ``text`` with the offsets of the word each came from."""
        lang = self._language(text, lang)
        return [
            Span(term, token.start, token.end)
            for token in tokenize(text)
            for term in self._word(token.text, lang)
        ]

    def word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        """Terms of one word in a known language (memoised)."""
        return self._word(word, lang if lang in _SNOWBALL else "fi")

    def is_stopword(self, word: str) -> bool:
        """Whether ``word`` is a function word in any of the three languages."""
        low = word.lower()
        return any(low in stops for stops in _STOPWORDS.values())

    # -- per word ---------------------------------------------------------------------------

    def _language(self, text: str, lang: str | None) -> str:
        if lang in _SNOWBALL:
            return lang
        return detect_language(text, self._morph)

    def _word_terms(self, word: str, lang: str) -> tuple[str, ...]:
        if len(word) < 2:
            return ()
        if lang == "fi":
            terms = self._finnish(word)
        else:
            low = _POSSESSIVE.sub("", word.lower()) if lang == "en" else word.lower()
            if low in _STOPWORDS[lang] or len(low) < 2:
                return ()
            terms = [self._stemmers.stem(low, lang)]
        return tuple(dict.fromkeys(t for t in terms if t))

    def _finnish(self, word: str) -> list[str]:
        low = word.lower()
        if low in FINNISH_STOPWORDS:
            return []
        if "-" in word:
            return self._hyphenated(word)
        analyses = self._morph.analyses(word)
        if not analyses:
            return self._unknown_finnish(word)
        bases = [b.lower() for b in self._morph.baseforms(word)]
        if bases[0] in FINNISH_STOPWORDS:
            return []
        if not self.config.all_baseforms:
            bases = bases[:1]
        terms = [b for b in bases if b not in FINNISH_STOPWORDS]
        if any(a.get("CLASS") in _NAME_CLASSES for a in analyses):
            return terms
        if self.config.compounds:
            terms.extend(self._morph.compound_parts(word))
        if self.config.derivations:
            terms.extend(self._derivations(analyses))
        return terms

    def _hyphenated(self, word: str) -> list[str]:
        """ "Etelä-Pohjanmaalla" -> etelä-pohjanmaa, etelä, pohjanmaa; "RAY:n" kept whole."""
        whole = self._morph.baseforms(word)[0].lower()
        terms = [whole]
        if self.config.compounds:
            for part in word.split("-"):
                if len(part) >= 2:
                    terms.extend(self._finnish(part))
        return terms

    def _unknown_finnish(self, word: str) -> list[str]:
        low = word.lower()
        colon = self._morph.baseforms(word)[0]
        if colon != word:  # "RAY:n" -> RAY
            return [colon.lower()]
        terms = [self._stemmers.stem(low, "fi")]
        split = self._split_unknown(low) if self.config.unknown_compounds and low.isalpha() else []
        if split:
            terms.extend(split)
        elif low.isascii() and low.isalpha():
            # Untranslated English in Finnish text ("Housing First") meets English queries.
            terms.append(self._stemmers.stem(low, "en"))
        return terms

    def _split_unknown(self, low: str) -> list[str]:
        """Split at the longest tail Voikko knows: a new compound with a known head."""
        for cut in range(3, len(low) - 4):
            tail = low[cut:]
            analyses = self._morph.analyses(tail)
            if not analyses:
                continue
            base = self._morph.baseforms(tail)[0].lower()
            if base in FINNISH_STOPWORDS:
                return []
            terms = [low[:cut] + base, base]
            if self.config.compounds:
                terms.extend(self._morph.compound_parts(tail))
            if self.config.derivations:
                terms.extend(self._derivations(analyses))
            return terms
        return []

    def _derivations(self, analyses: tuple[dict[str, str], ...]) -> list[str]:
        """Verb bases from WORDBASES ("+kuntoutu(kuntoutua)+ja(+ja)") and their roots."""
        terms: list[str] = []
        for analysis in analyses[:2]:
            pieces = _WORDBASE.findall(analysis.get("WORDBASES") or "")
            derived = any(base.startswith("+") for _, base in pieces)
            for _surface, base in pieces:
                if not base or base.startswith("+") or "=" in base:
                    continue
                base = base.lower()
                if derived or len(pieces) > 1:
                    terms.append(base)
                root = self._verb_root(base)
                if root:
                    terms.append(ROOT_PREFIX + root)
            lemma = (analysis.get("BASEFORM") or "").lower()
            if analysis.get("CLASS") == "teonsana":
                root = self._verb_root(lemma)
                if root:
                    terms.append(ROOT_PREFIX + root)
        return [t for t in terms if t.lstrip(ROOT_PREFIX) not in FINNISH_STOPWORDS]

    def _verb_root(self, verb: str) -> str | None:
        """Shared root of a Finnish verb and its reflexive/causative siblings."""
        if not verb.endswith(("a", "ä")):
            return None
        if not any(a.get("CLASS") == "teonsana" for a in self._morph.analyses(verb)):
            return None  # a noun base such as "ohjelma"
        root = _VERB_ENDING.sub("", verb)
        return root if len(root) >= _MIN_ROOT else None


def detect_language(text: str, morph: Morphology | None = None) -> str:
    """Guess "fi", "en" or "sv" for a query or a text.

    Counts stop words of each language and, for Finnish, the words Voikko
    recognises; "å" and Swedish stop words tip the balance to Swedish. Finnish
    wins ties, because most documents and names here are Finnish.
    """
    morph = morph or morphology()
    words = [t.text for t in tokenize(text)]
    if not words:
        return "fi"
    score = {"fi": 0.0, "en": 0.0, "sv": 0.0}
    for word in words:
        low = _POSSESSIVE.sub("", word.lower())
        in_en = low in ENGLISH_STOPWORDS
        in_sv = low in SWEDISH_STOPWORDS
        in_fi = low in FINNISH_STOPWORDS
        if in_en:
            score["en"] += 1.5
        if in_sv:
            score["sv"] += 1.5
        if in_fi:
            score["fi"] += 1.5
        if "å" in low:
            score["sv"] += 1.0
        if not (in_en or in_sv or in_fi):
            if morph.known(word):
                score["fi"] += 1.0
            elif low.isascii():
                # An unknown plain-ASCII word is more likely English than Finnish.
                score["en"] += 0.6
                score["sv"] += 0.2
    best = max(score.values())
    for lang in ("fi", "en", "sv"):
        if score[lang] == best:
            return lang
    return "fi"  # pragma: no cover - max() always matches one


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The process-wide :class:`Analyzer` with the default configuration."""
    return Analyzer()


def analyze(text: str, lang: str | None = None) -> list[str]:
    """Index terms of ``text`` (``lang`` "fi"/"en"/"sv"; detected when None)."""
    return default_analyzer().analyze(text, lang)


def analyze_query(query: str, lang: str | None = None) -> list[str]:
    """Terms of a query: the same analysis as :func:`analyze`, duplicates removed."""
    return list(dict.fromkeys(default_analyzer().analyze(query, lang)))


def analyze_spans(text: str, lang: str | None = None) -> list[Span]:
    """Terms of ``text`` with the offsets of their words, for highlighting."""
    return default_analyzer().analyze_spans(text, lang)
