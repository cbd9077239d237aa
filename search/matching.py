"""The matched set: which ranked projects the evidence says answer a query.

Ranking orders every candidate; this module draws the line under the ones that
match, the way Elasticsearch's ``minimum_should_match``, a kNN similarity floor
and Weaviate's autocut do. Two kinds of evidence are gathered per group
(project, or document in evaluation):

* **coverage**: the query is split into *units*, one per content word, and a
  word the cross-lingual bridge read as a concept ("loneliness" -> yksinäisyys)
  is one unit whose Finnish label's terms count for it too. A unit is met in a
  group when its base form occurs in one of the group's chunks (a compound part
  alone counts half). Coverage is the IDF-weighted share of units met, so a
  rare word weighs more than "project".
* **similarity**: the group's best dense cosine among the dense candidates.
* **lexical strength**: the group's best BM25 score among the lexical candidates.

:class:`MatchRule` combines them with the fused ranking score; its thresholds
are fitted by ``hankekg calibrate`` (:mod:`search.calibrate`) and stored per
encoder fingerprint (:mod:`search.calibration`). Coverage judges the query as a
whole (does the top of the list say its words at all?); whether a coverage
share also gates each group was measured and left out: it fitted the
development set slightly better and held-out queries worse.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from search.analysis import Analyzer, default_analyzer
from search.crosslingual import Translation
from search.index import IndexView

#: Bridge concept kinds that name places.
_PLACE_KINDS = frozenset({"place"})
#: What a unit met only through a compound part counts for.
PART_CREDIT = 0.5


@dataclass(frozen=True)
class Unit:
    """One content word of the query (or a bridged concept), with its terms."""

    text: str
    heads: tuple[str, ...]
    """Base forms: a group containing one meets the unit."""
    parts: tuple[str, ...] = ()
    """Compound parts: a group containing only these meets the unit at half credit."""
    place: bool = False
    """The word names a place: it says where, not what, so it does not count as coverage
    (query understanding already boosts the projects there)."""
    phrase: tuple[str, ...] = ()
    """A concept's covered query words, in order (highlighted only together)."""
    label: str = ""
    """A concept's Finnish label ("" for a plain query word)."""


@dataclass(frozen=True)
class MatchRule:
    """When a ranked group is in the matched set.

    First the query: it is answered at all when its best dense similarity
    reaches ``floor``, or when one of the top three groups meets at least
    ``coverage_gate`` of its weighted words (minimum-should-match); an
    off-topic query, whose best page is neither near in meaning nor says its
    words, answers with nothing. Then each group: it matches when its fused score
    is at least ``ratio`` times the top score (the list ends at the first large
    drop, as autocut does), or when its BM25 score is at least ``lexical``
    times the best BM25 score and its similarity is within ``margin`` of the
    best (a page that says the query's words nearly as strongly as the best
    one, and is about the same thing). The floor is absolute because it judges
    the query; the rest is relative to the query's best because BM25 scores
    and an encoder's cosines shift from query to query.
    """

    ratio: float = 0.9
    lexical: float = 0.6
    margin: float = 0.05
    floor: float = 0.85
    coverage_gate: float = 0.8

    def answered(self, best_cosine: float, top_coverage: float) -> bool:
        """Whether the query has any match at all."""
        return best_cosine >= self.floor or top_coverage >= self.coverage_gate

    def matches(self, group: Ranked, top: Ranked, best_cosine: float, best_lexical: float) -> bool:
        """Whether ``group`` matches, ``top`` being the first ranked group."""
        if group.score >= self.ratio * top.score:
            return True
        return (
            group.cosine is not None
            and group.lexical is not None
            and group.lexical >= self.lexical * best_lexical
            and best_cosine - group.cosine <= self.margin
        )

    def as_dict(self) -> dict[str, float]:
        """The thresholds, for storage."""
        return {
            "ratio": self.ratio,
            "lexical": self.lexical,
            "margin": self.margin,
            "floor": self.floor,
            "coverage_gate": self.coverage_gate,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, float]) -> MatchRule:
        """Read :meth:`as_dict`'s form (unknown keys are ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{k: float(v) for k, v in raw.items() if k in names})


#: Used for an encoder nobody calibrated: it keeps the top group and those
#: scoring close to it, and declines only queries nothing is near.
CONSERVATIVE = MatchRule(ratio=0.7, lexical=0.5, margin=0.05, floor=0.0, coverage_gate=0.0)

#: Groups whose coverage the query's gate reads.
GATE_DEPTH = 3


@dataclass(frozen=True)
class Ranked:
    """One ranked group, as the rule sees it."""

    key: str
    score: float
    """Fused (RRF) score, boosts included."""
    cosine: float | None
    """Best dense cosine of its chunks (``None``: none among the dense candidates)."""
    lexical: float | None = None
    """Best BM25 score of its chunks (``None``: none among the lexical candidates)."""


def select(
    ranked: list[Ranked],
    coverage_of: Callable[[list[str]], Mapping[str, float]],
    rule: MatchRule,
    topic_cosine: float | None = None,
) -> list[str]:
    """The keys of ``ranked`` (best first) that ``rule`` matches, in rank order.

    Args:
        coverage_of: coverage of the given keys (asked for the top groups only,
            and only when the rule's gate reads it, since each lookup costs
            index reads).
        topic_cosine: the best cosine of the query without its place names
            (:func:`topic_query`), which the gate reads instead of the whole
            query's: a page in Kainuu is near "metsänhoito Kainuussa" because
            of Kainuu alone.
    """
    if not ranked:
        return []
    best = max((r.cosine for r in ranked if r.cosine is not None), default=0.0)
    best_lexical = max((r.lexical for r in ranked if r.lexical is not None), default=0.0)
    judged = best if topic_cosine is None else topic_cosine
    gate = 0.0
    if judged < rule.floor:
        covered = coverage_of([r.key for r in ranked[:GATE_DEPTH]])
        gate = max(covered.values(), default=0.0)
    if not rule.answered(judged, gate):
        return []
    return [r.key for r in ranked if rule.matches(r, ranked[0], best, best_lexical)]


def topic_query(
    query: str, translation: Translation | None = None, places: Iterable[str] = ()
) -> str | None:
    """The query without the place names it contains, with the bridge's non-place
    Finnish labels, for the gate's similarity; ``None`` when it names no place, or
    nothing but places (then the whole query is the topic)."""
    words = [w for surface in places for w in surface.split()]
    concepts = translation.concepts if translation is not None else []
    place_spans = [(c.start, c.end) for c in concepts if c.kind in _PLACE_KINDS]
    if not words and not place_spans:
        return None
    text = query
    for start, end in sorted(place_spans, reverse=True):
        text = text[:start] + " " + text[end:]
    for word in words:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text, flags=re.IGNORECASE)
    labels = [c.label_fi for c in concepts if c.kind not in _PLACE_KINDS]
    topic = " ".join([*text.split(), *dict.fromkeys(labels)])
    return topic if default_analyzer().analyze(topic) else None


def query_units(
    query: str,
    translation: Translation | None = None,
    places: Iterable[str] = (),
    lang: str | None = None,
) -> list[Unit]:
    """The query's content words as units; bridged concepts absorb the words they cover.

    A concept's Finnish label joins the unit of the query span it was read from,
    so "older people" is met by "ikääntyneet" as well as by "older".

    Args:
        places: the query's words that query understanding read as places.
        lang: the query's language when there is no translation (detected if None).
    """
    place_words = {w.lower() for surface in places for w in surface.split()}
    analyzer = default_analyzer()
    lang = translation.lang if translation is not None else lang
    words: dict[tuple[int, int], list[str]] = {}
    for span in analyzer.analyze_spans(query, lang):
        words.setdefault((span.start, span.end), []).append(span.term)
    units: list[Unit] = []
    taken: set[tuple[int, int]] = set()
    for concept in translation.concepts if translation is not None else []:
        covered = [w for w in words if w[0] >= concept.start and w[1] <= concept.end]
        label = analyzer.analyze(concept.label_fi, "fi")
        # The label's own words are heads (a base form met is the concept met);
        # its compound parts and the covered words' parts are only parts.
        heads = [words[w][0] for w in covered if w not in taken]
        heads += [_head(analyzer, word) for word in concept.label_fi.split()]
        parts = [t for w in covered for t in words[w][1:]] + label
        taken.update(covered)
        heads = [h for h in dict.fromkeys(heads) if h]
        if heads:
            place = concept.kind in _PLACE_KINDS
            phrase = tuple(words[w][0] for w in sorted(covered))
            rest = _rest(parts, heads)
            units.append(
                Unit(concept.label_fi, tuple(heads), rest, place, phrase, concept.label_fi)
            )
    for (start, end), terms in words.items():
        if (start, end) not in taken:
            word = query[start:end]
            place = word.lower() in place_words
            units.append(Unit(word, (terms[0],), _rest(terms[1:], terms[:1]), place))
    return _merge(units)


def _head(analyzer: Analyzer, word: str) -> str:
    terms = analyzer.analyze(word, "fi")
    return terms[0] if terms else ""


def _rest(parts: Iterable[str], heads: Iterable[str]) -> tuple[str, ...]:
    seen = set(heads)
    return tuple(p for p in dict.fromkeys(parts) if p not in seen)


def _merge(units: list[Unit]) -> list[Unit]:
    """Drop a unit whose heads another unit already has (a repeated word)."""
    out: list[Unit] = []
    seen: set[tuple[str, ...]] = set()
    for unit in units:
        if unit.heads not in seen:
            seen.add(unit.heads)
            out.append(unit)
    return out


def coverage(
    view: IndexView,
    units: list[Unit],
    keys: Iterable[str],
    key_of: Mapping[int, str] | None = None,
    *,
    by_document: bool = False,
    allowed: set[int] | None = None,
) -> dict[str, float]:
    """IDF-weighted share of ``units`` met by each group in ``keys``.

    Args:
        key_of: chunk id -> group key for chunks already fetched (others are looked up).
        by_document: group by document rather than by project.
        allowed: the filters' chunks (the same lookup the ranking used).
    """
    wanted = set(keys)
    # Places say where, not what; but a query of places only ("Rovaniemi") is about them.
    units = [u for u in units if not u.place] or units
    if not units or not wanted:
        return dict.fromkeys(wanted, 0.0)
    total = max(view.vector_count(), 1)
    known: dict[int, str] = dict(key_of or {})
    if not by_document:
        # Every chunk of the wanted projects, from the view's cached grouping, so a common
        # word's thousands of hits elsewhere are never fetched.
        by_key = view.chunks_by_key()
        known.update({cid: key for key in wanted for cid in by_key.get(key, ())})
    credit: dict[str, float] = dict.fromkeys(wanted, 0.0)
    weights: list[float] = []
    # Grouped by project, only the wanted projects' chunks are listed; a common word's
    # hundreds of thousands of other chunks are only counted (for its weight).
    among = None if by_document else known.keys()
    for unit in units:
        heads = _known_terms(view, unit.heads)
        parts = _known_terms(view, unit.parts)
        head_hits = view.chunks_with(heads, allowed, among) if heads else set()
        part_hits = view.chunks_with(parts, allowed, among) if parts else set()
        if among is None:
            df = len(head_hits | part_hits)
        else:
            df = view.count_with(heads + parts, allowed) if heads or parts else 0
        # An unknown word is as rare as a word can be: a query of unknown words covers nothing.
        weight = math.log((total - df + 0.5) / (df + 0.5) + 1.0)
        weights.append(weight)
        head_keys = _keys(view, head_hits, known, by_document) & wanted
        part_keys = _keys(view, part_hits, known, by_document) & wanted
        for key in head_keys:
            credit[key] += weight
        for key in part_keys - head_keys:
            credit[key] += PART_CREDIT * weight
    norm = sum(weights) or 1.0
    return {key: value / norm for key, value in credit.items()}


def _known_terms(view: IndexView, terms: Iterable[str]) -> list[str]:
    return [t for t in dict.fromkeys(terms) if view.has_term(t)]


def _keys(view: IndexView, ids: set[int], known: dict[int, str], by_document: bool) -> set[str]:
    if not by_document:  # the hits were asked among the wanted projects' chunks only
        return {known[i] for i in ids if i in known}
    missing = [i for i in ids if i not in known]
    if missing:
        for cid, chunk in view.get_chunks(missing).items():
            known[cid] = chunk.document if by_document else chunk.key
    return {known[i] for i in ids if i in known}
