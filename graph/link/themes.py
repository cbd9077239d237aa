"""YSO theme matching: which domain concepts a project text is about.

Finnish text is matched on Voikko base forms, so inflection does not matter
("vertaistuen" → vertaistuki), and on compound parts ("korvaushoitoasiakkaiden"
→ korvaushoito). Three further rules generalise beyond exact forms:

- derivational families share a stem once a derivational ending is removed
  ("kokemusasiantuntemus" ~ "kokemusasiantuntija", "monialainen" ~
  "monialaisuus");
- hyphen coordination is expanded with the head of the next compound
  ("toiminta- ja työkyvyn" → toimintakyky + työkyky, "mielenterveys- ja
  päihdealan" → mielenterveysala + päihdeala);
- a field word stands for the work done in it ("päihdeala" ~ "päihdetyö").

Very generic concepts (cooperation, development, customers...) only count
when the text keeps coming back to them or the title names them, and never
through a compound part, so that they do not tag every page. English labels
are matched too, on lower-cased words with a light plural rule.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from rdflib import URIRef

from graph.language.finnish import Morphology, morphology

#: Labels too general to tag a page on a passing mention.
GENERIC_LABELS = frozenset(
    {
        "yhteistyö",
        "kehittäminen",
        "projektit",
        "asiakkaat",
        "arviointi",
        "kunnat",
        "rahoitus",
        "avustukset",
        "ohjaus",
        "neuvonta",
        "asuminen",
        "toimeentulo",
        "toimintamallit",
        "hyvät käytännöt",
        "julkiset palvelut",
        "palvelujärjestelmät",
        "vaikuttavuus",
        "hyvinvointi",
        "nuoret",
        "päihteet",
        "väkivalta",
        "seutukunnat",
        "osallisuus",
        "asiakastyö",
        # named on most pages of the domain in passing (training of staff, families'
        # children): a subject only when the page keeps returning to it
        "koulutus",
        "lapset",
    }
)
#: A field ("-ala") is matched to the work done in it ("-työ").
HEAD_EQUIVALENTS = {"ala": "työ"}
#: Derivational endings removed to compare word families (longest first).
DERIVATIONAL = ("isuus", "inen", "minen", "emus", "ija", "ijä", "uus", "yys", "us", "ys")
MIN_STEM = 6
GENERIC_MIN_COUNT = 3

_TOKEN = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]+(?:-[A-Za-zÅÄÖåäöÉéÜü]+)*-?")
_COORD = frozenset({"ja", "tai", "sekä", "and", "or", "eli"})


@dataclass(frozen=True)
class ThemeConcept:
    """A YSO concept with its labels."""

    iri: str
    label_fi: str
    label_en: str
    alt_fi: tuple[str, ...] = ()
    group: str = ""
    #: Further English and Swedish labels (``theme_synonyms.csv``).
    alt_en: tuple[str, ...] = ()
    alt_sv: tuple[str, ...] = ()
    #: Whether the concept is outside the reference subset (known only by its synonyms),
    #: so that a page's graph describes it where the page names it.
    extra: bool = False

    @property
    def generic(self) -> bool:
        """Whether the concept needs repeated mentions to count."""
        return _clean_label(self.label_fi) in GENERIC_LABELS


@dataclass(frozen=True)
class ThemeMatch:
    """A concept found in a text, with a score in 0..1 and where it was found."""

    iri: URIRef
    label: str
    score: float
    count: int
    spans: tuple[tuple[int, int], ...]
    rule: str = "lemma"


@dataclass
class _Token:
    start: int
    end: int
    text: str
    lemmas: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)


def _clean_label(label: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*", "", label).strip().lower()


def _en_norm(word: str) -> str:
    word = word.lower().strip("-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def derivational_stem(lemma: str) -> str | None:
    """The stem of ``lemma`` without a derivational ending, if long enough."""
    for suffix in DERIVATIONAL:
        if lemma.endswith(suffix) and len(lemma) - len(suffix) >= MIN_STEM:
            return lemma[: -len(suffix)]
    return None


#: Our further labels of YSO concepts, beside ``yso_subset.csv``.
SYNONYMS_FILE = "theme_synonyms.csv"


def read_synonyms(path: Path) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """``theme_synonyms.csv`` (uri, label_fi, lang, synonyms separated by ";") as
    IRI -> (Finnish preferred label, language -> further labels); empty when absent.

    These are the names pages use for a concept that YSO 2019.3's preferred labels do
    not give ("ikäihmiset" for ikääntyneet, "children" for lapset): the altLabels the
    reference lacks (see data/reference/SOURCES.md)."""
    out: dict[str, tuple[str, dict[str, list[str]]]] = {}
    if not path.is_file():
        return out
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            _, by_lang = out.setdefault(row["uri"], (row["label_fi"], {}))
            labels = by_lang.setdefault(row["lang"], [])
            labels.extend(x.strip() for x in row["synonyms"].split(";") if x.strip())
    return out


class ThemeMatcher:
    """Matches a fixed set of concepts against texts; build once, use many times."""

    def __init__(self, concepts: Iterable[ThemeConcept], morph: Morphology | None = None) -> None:
        self._morph = morph or morphology()
        self.concepts = {c.iri: c for c in concepts}
        self._single: dict[str, list[str]] = {}
        self._stems: dict[str, list[str]] = {}
        self._multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._en_single: dict[str, list[str]] = {}
        self._en_multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._sv_single: dict[str, list[str]] = {}
        for concept in self.concepts.values():
            for label in (concept.label_fi, *concept.alt_fi):
                self._index_fi(_clean_label(label), concept.iri)
            for label in (concept.label_en, *concept.alt_en):
                self._index_foreign(label, concept.iri, self._en_single)
            for label in concept.alt_sv:
                self._index_foreign(label, concept.iri, self._sv_single)

    def _index_foreign(self, label: str, iri: str, single: dict[str, list[str]]) -> None:
        """An English or Swedish label: one word goes to ``single`` (it counts only on a
        page of its language), several to the phrases that count on every page."""
        words = tuple(_en_norm(w) for w in _clean_label(label).split())
        if len(words) == 1:
            single.setdefault(words[0], []).append(iri)
        elif words:
            self._en_multi.setdefault(words[0], []).append((words, iri))

    @classmethod
    def from_csv(cls, path: Path, morph: Morphology | None = None) -> ThemeMatcher:
        """Load ``yso_subset.csv`` (uri, prefLabel_fi/en, altLabels_fi, local_theme) and
        the ``theme_synonyms.csv`` beside it, if there is one (:func:`read_synonyms`)."""
        path = Path(path)
        synonyms = read_synonyms(path.with_name(SYNONYMS_FILE))
        concepts: list[ThemeConcept] = []
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                alts = tuple(a.strip() for a in (row.get("altLabels_fi") or "").split(";") if a)
                more = synonyms.pop(row["uri"], ("", {}))[1]
                concepts.append(
                    ThemeConcept(
                        iri=row["uri"],
                        label_fi=row["prefLabel_fi"],
                        label_en=row.get("prefLabel_en") or "",
                        alt_fi=alts + tuple(more.get("fi", ())),
                        group=row.get("local_theme") or "",
                        alt_en=tuple(more.get("en", ())),
                        alt_sv=tuple(more.get("sv", ())),
                    )
                )
        for iri, (label_fi, more) in synonyms.items():
            concepts.append(
                ThemeConcept(
                    iri=iri,
                    label_fi=label_fi,
                    label_en="",
                    alt_fi=tuple(more.get("fi", ())),
                    alt_en=tuple(more.get("en", ())),
                    alt_sv=tuple(more.get("sv", ())),
                    extra=True,
                )
            )
        return cls(concepts, morph)

    def _lemma(self, word: str) -> str:
        return self._morph.baseforms(word)[0].lower()

    def _index_fi(self, label: str, iri: str) -> None:
        words = label.split()
        if not words:
            return
        if len(words) == 1:
            lemma = self._lemma(words[0])
            for key in {lemma, label}:
                self._single.setdefault(key, []).append(iri)
            stem = derivational_stem(lemma)
            if stem:
                self._stems.setdefault(stem, []).append(iri)
            return
        lemmas = tuple(w if w.endswith("-") else self._lemma(w) for w in words)
        self._multi.setdefault(lemmas[0], []).append((lemmas, iri))

    # -- tokens ------------------------------------------------------------

    def _tokens(self, text: str) -> list[_Token]:
        tokens: list[_Token] = []
        for m in _TOKEN.finditer(text):
            word = m.group()
            tok = _Token(m.start(), m.end(), word)
            if not word.endswith("-"):
                tok.lemmas = {b.lower() for b in self._morph.baseforms(word)}
                tok.lemmas.add(word.lower())
                tok.parts = set(self._morph.compound_parts(word))
            else:
                tok.lemmas = {word.lower()}
            tokens.append(tok)
        return tokens

    def _expansions(self, tokens: Sequence[_Token], i: int) -> list[tuple[str, int]]:
        """ "toiminta-" + "ja" + "työkyvyn" -> [("toimintakyky", end of "työkyvyn")]."""
        tok = tokens[i]
        if not tok.text.endswith("-") or len(tok.text) < 3:
            return []
        j = i + 1
        # "päihde-, mielenterveys- ja sosiaalialan": skip further hyphen words.
        while j < len(tokens) and (tokens[j].text.endswith("-") or tokens[j].text in _COORD):
            j += 1
        if j >= len(tokens) or j - i > 6:
            return []
        head = tokens[j]
        prefix = tok.text[:-1].lower()
        out: list[tuple[str, int]] = []
        for lemma in head.lemmas:
            for part in head.parts:
                if lemma.endswith(part) and part != lemma and len(part) >= 2:
                    out.append((prefix + part, head.end))
        return out

    # -- matching ----------------------------------------------------------

    def _lemma_hits(
        self, lemmas: Iterable[str], parts: Iterable[str]
    ) -> list[tuple[str, float, str]]:
        hits: list[tuple[str, float, str]] = []
        lemmas = list(lemmas)
        for lemma in lemmas:
            for iri in self._single.get(lemma, ()):
                hits.append((iri, 1.0, "lemma"))
            for head, equiv in HEAD_EQUIVALENTS.items():
                if lemma.endswith(head) and len(lemma) > len(head) + 3:
                    for iri in self._single.get(lemma[: -len(head)] + equiv, ()):
                        hits.append((iri, 0.7, "field-head"))
            stem = derivational_stem(lemma)
            if stem:
                for iri in self._stems.get(stem, ()):
                    hits.append((iri, 0.8, "derivation"))
        for part in parts:
            if len(part) < 6:
                continue
            for iri in self._single.get(part, ()):
                if not self.concepts[iri].generic:
                    hits.append((iri, 0.8, "compound-part"))
            for head, equiv in HEAD_EQUIVALENTS.items():
                if part.endswith(head) and len(part) > len(head) + 3:
                    for iri in self._single.get(part[: -len(head)] + equiv, ()):
                        if not self.concepts[iri].generic:
                            hits.append((iri, 0.6, "field-head"))
        return hits

    def match(
        self,
        text: str,
        *,
        title_end: int = 0,
        exclude: Sequence[tuple[int, int]] = (),
        language: str = "fi",
        min_score: float = 0.25,
    ) -> list[ThemeMatch]:
        """Concepts ``text`` is about, best first.

        Args:
            text: the document text.
            title_end: offset where the title (if it is at the start) ends;
                a match inside it weighs more.
            exclude: spans (site chrome) not to match in.
            language: the document's language; single English words only
                count in English text (Finnish pages quote English titles).
            min_score: drop matches scoring below this.
        """
        # sorted starts and a bisect per token: a scan of every span per token was
        # quadratic in the text's length (300 kB: 30 million comparisons, 13 s)
        spans = sorted(exclude)
        starts = [s for s, _ in spans]
        reach = list(accumulate((e for _, e in spans), max))
        tokens = [
            t
            for t in self._tokens(text)
            if not ((i := bisect_right(starts, t.start)) and t.start < reach[i - 1])
        ]
        found: dict[str, list[tuple[int, int, float, str]]] = {}

        def add(iri: str, start: int, end: int, weight: float, rule: str) -> None:
            found.setdefault(iri, []).append((start, end, weight, rule))

        for i, tok in enumerate(tokens):
            # A compound that is a concept itself is that concept, not also its parts
            # ("mielenterveyskuntoutujat" is no page on "kuntoutujat" as well).
            whole = any(lemma in self._single for lemma in tok.lemmas)
            for iri, weight, rule in self._lemma_hits(tok.lemmas, () if whole else tok.parts):
                add(iri, tok.start, tok.end, weight, rule)
            for expanded, end in self._expansions(tokens, i):
                parts = self._morph.compound_parts(expanded)
                for iri, weight, _rule in self._lemma_hits({expanded}, parts):
                    add(iri, tok.start, end, weight * 0.95, "coordination")
            for lemma in tok.lemmas:
                for words, iri in self._multi.get(lemma, ()):
                    if self._seq_match(tokens, i, words, fi=True):
                        add(iri, tok.start, tokens[i + len(words) - 1].end, 1.0, "phrase")
            en = _en_norm(tok.text)
            if language == "en":
                for iri in self._en_single.get(en, ()):
                    add(iri, tok.start, tok.end, 0.9, "english")
            elif language == "sv":
                for iri in self._sv_single.get(en, ()):
                    add(iri, tok.start, tok.end, 0.9, "swedish")
            for words, iri in self._en_multi.get(en, ()):
                if self._seq_match(tokens, i, words, fi=False):
                    add(iri, tok.start, tokens[i + len(words) - 1].end, 1.0, "english-phrase")
        return self._score(found, len(text), title_end, min_score)

    @staticmethod
    def _seq_match(tokens: Sequence[_Token], i: int, words: tuple[str, ...], *, fi: bool) -> bool:
        if i + len(words) > len(tokens):
            return False
        for k, word in enumerate(words):
            tok = tokens[i + k]
            if k and tok.start - tokens[i + k - 1].end > 2:
                return False
            if fi:
                if word not in tok.lemmas:
                    return False
            elif _en_norm(tok.text) != word:
                return False
        return True

    def _score(
        self,
        found: dict[str, list[tuple[int, int, float, str]]],
        length: int,
        title_end: int,
        min_score: float,
    ) -> list[ThemeMatch]:
        out: list[ThemeMatch] = []
        for iri, hits in found.items():
            concept = self.concepts[iri]
            spans = sorted({(s, e) for s, e, _, _ in hits})
            best = max(w for _, _, w, _ in hits)
            count = len(spans)
            in_title = any(s < title_end for s, _ in spans)
            if concept.generic and count < GENERIC_MIN_COUNT and not in_title:
                continue
            early = spans[0][0] < max(300, length // 5)
            score = (
                0.4 + 0.12 * min(count - 1, 4) + (0.2 if in_title else 0) + (0.1 if early else 0)
            )
            score = round(min(1.0, score) * best, 3)
            if score < min_score:
                continue
            rule = max(hits, key=lambda h: h[2])[3]
            out.append(ThemeMatch(URIRef(iri), concept.label_fi, score, count, tuple(spans), rule))
        out.sort(key=lambda m: (-m.score, m.label))
        return out
