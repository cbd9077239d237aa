"""Fitting the match rule: ``hankekg calibrate``.

The rule (:class:`search.matching.MatchRule`) has five thresholds. They are
fitted, never typed in: every judged query is run once through the product's
searcher (hybrid, bridge, boosts; ranked per document, since relevance is
judged per document) and its evidence kept; then every combination of
thresholds on a grid is scored on that evidence, offline. The score is the mean
over queries of the answer's set F1 against the judged relevant documents, where
an off-topic query (no relevant document) scores 1 when answered with nothing
and 0 otherwise. The chosen point is the best after averaging each grid point
with its neighbours, so a threshold sits inside a plateau rather than on the
edge of one that a handful of queries happened to draw.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING

import numpy as np

from search.matching import GATE_DEPTH, MatchRule, Ranked, coverage, query_units, select

if TYPE_CHECKING:
    from api.engine import Engine
    from search.hybrid import HybridSearcher

#: The repository's off-topic queries (no relevant document in any corpus of the domain).
OFFTOPIC = Path(__file__).resolve().parent.parent / "data" / "eval" / "offtopic.jsonl"

RATIOS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
LEXICALS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: the lexical arm is off
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1)
COVERAGE_GATES = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01)  # 1.01: only the floor gates
FLOORS = 41


@dataclass(frozen=True)
class Judged:
    """A query with its judged relevant documents (none for an off-topic query)."""

    id: str
    text: str
    relevant: frozenset[str]
    lang: str | None = None


@dataclass
class Observation:
    """One query's ranked documents with the evidence the rule reads."""

    query: Judged
    ranked: list[Ranked]
    coverage: dict[str, float] = field(default_factory=dict)
    topic_cosine: float | None = None

    def select(self, rule: MatchRule) -> list[str]:
        """The documents ``rule`` answers with."""
        return select(self.ranked, lambda keys: self.coverage, rule, self.topic_cosine)


def read_judged(path: Path) -> list[Judged]:
    """Queries in the dev-eval ``queries.jsonl`` format (``relevant`` may be absent)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            wanted = frozenset(d for d, grade in dict(raw.get("relevant", {})).items() if grade > 0)
            out.append(Judged(raw["id"], raw["query"], wanted, raw.get("lang")))
    return out


def set_scores(answer: Sequence[str], relevant: Iterable[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``answer`` as a set.

    An empty answer to a query with nothing relevant is perfect (1, 1, 1); an
    empty answer to any other query scores 0.
    """
    wanted = set(relevant)
    got = set(answer)
    if not wanted:
        return (0.0, 0.0, 0.0) if got else (1.0, 1.0, 1.0)
    hit = len(got & wanted)
    if not hit:
        return 0.0, 0.0, 0.0
    p, r = hit / len(got), hit / len(wanted)
    return p, r, 2 * p * r / (p + r)


def observe(
    engine: Engine,
    searcher: HybridSearcher,
    queries: Iterable[Judged],
    name_of: Callable[[str], str],
) -> list[Observation]:
    """Run each query as the product does and keep every ranked document's evidence.

    Args:
        name_of: document IRI -> the name judgements use (a file stem).
    """
    from search.understanding import boosts, interpret

    observations = []
    for query in queries:
        translation = engine.translate(query.text, query.lang)
        named = interpret(query.text, engine.linker, translation)
        result = searcher.search(
            query.text,
            k=searcher.snapshot.document_count(),
            group_by="document",
            expansion=translation.expansion or None,
            boosts=boosts(engine.store, named, engine.linker),
        )
        places = [p.surface for p in named.places]
        units = query_units(query.text, translation, places)
        keys = [hit.key for hit in result.hits[:GATE_DEPTH]]
        covered = coverage(searcher.snapshot, units, keys, by_document=True)
        observations.append(
            Observation(
                query,
                [Ranked(name_of(h.key), h.score, h.dense, h.lexical) for h in result.hits],
                {name_of(k): v for k, v in covered.items()},
                searcher.topic_cosine(query.text, translation, places),
            )
        )
    return observations


@dataclass
class Fit:
    """The fitted rule and how it scores on what it was fitted on."""

    rule: MatchRule
    objective: float
    f1: float
    """Mean set F1 over the judged (on-topic) queries."""
    empty: float
    """Share of off-topic queries answered with nothing."""
    queries: int
    offtopic: int


def fit(observations: Sequence[Observation]) -> Fit:
    """Grid-search the rule over ``observations`` (see the module docstring)."""
    bests = [
        o.topic_cosine
        if o.topic_cosine is not None
        else max((r.cosine or 0.0 for r in o.ranked), default=0.0)
        for o in observations
    ]
    floors = np.linspace(min(bests) - 0.01, max(bests) + 0.01, FLOORS)
    shapes = list(itertools.product(RATIOS, LEXICALS, MARGINS))
    gates = list(itertools.product(COVERAGE_GATES, floors))
    # score[q, s]: the query's F1 when answered with shape s; answered[q, g]: gate g lets it in.
    score = np.zeros((len(observations), len(shapes)))
    answered = np.zeros((len(observations), len(gates)), dtype=bool)
    for qi, obs in enumerate(observations):
        for si, (ratio, lexical, margin) in enumerate(shapes):
            rule = MatchRule(ratio=ratio, lexical=lexical, margin=margin, floor=-1.0)
            score[qi, si] = set_scores(obs.select(rule), obs.query.relevant)[2]
        gate_cov = max((obs.coverage.get(r.key, 0.0) for r in obs.ranked[:GATE_DEPTH]), default=0.0)
        for gi, (cover, floor) in enumerate(gates):
            answered[qi, gi] = MatchRule(floor=floor, coverage_gate=cover).answered(
                bests[qi], gate_cov
            )
    offtopic = np.array([not o.query.relevant for o in observations])
    # An unanswered query scores 1 if off-topic, else 0.
    empty_score = offtopic.astype(float)
    total = answered.T.astype(float) @ score + (~answered).T.astype(float) @ empty_score[:, None]
    objective = total / len(observations)  # [gate, shape]
    grid = objective.reshape(
        len(COVERAGE_GATES), len(floors), len(RATIOS), len(LEXICALS), len(MARGINS)
    )
    smooth = _neighbour_mean(grid)
    at = np.unravel_index(int(np.argmax(smooth)), smooth.shape)
    rule = MatchRule(
        ratio=float(RATIOS[at[2]]),
        lexical=float(LEXICALS[at[3]]),
        margin=float(MARGINS[at[4]]),
        floor=round(float(floors[at[1]]), 4),
        coverage_gate=float(COVERAGE_GATES[at[0]]),
    )
    return summarise(rule, observations, float(grid[at]))


def summarise(rule: MatchRule, observations: Sequence[Observation], objective: float) -> Fit:
    """How ``rule`` does on ``observations``."""
    on = [o for o in observations if o.query.relevant]
    off = [o for o in observations if not o.query.relevant]
    f1 = mean(set_scores(o.select(rule), o.query.relevant)[2] for o in on) if on else 0.0
    empty = mean(not o.select(rule) for o in off) if off else 0.0
    return Fit(rule, round(objective, 4), round(f1, 4), round(empty, 4), len(on), len(off))


def _neighbour_mean(grid: np.ndarray) -> np.ndarray:
    """Each point averaged with its neighbours along every axis (edges reuse themselves)."""
    out = grid.copy()
    for axis in range(grid.ndim):
        if grid.shape[axis] < 3:
            continue
        padded = np.concatenate(
            [np.take(grid, [0], axis), grid, np.take(grid, [-1], axis)], axis=axis
        )
        n = grid.shape[axis]
        out = out + np.take(padded, range(0, n), axis) + np.take(padded, range(2, n + 2), axis)
    return out


def best_cut(observations: Sequence[Observation], depths: Iterable[int] = range(1, 11)) -> dict:
    """The fixed depth whose top-k, as a set, scores the best mean F1 (judged queries only)."""
    on = [o for o in observations if o.query.relevant]
    best: dict[str, float] = {}
    for depth in depths:
        rows = [set_scores([r.key for r in o.ranked[:depth]], o.query.relevant) for o in on]
        f1 = mean(r[2] for r in rows)
        if not best or f1 > best["f1"]:
            best = {
                "k": depth,
                "precision": round(mean(r[0] for r in rows), 4),
                "recall": round(mean(r[1] for r in rows), 4),
                "f1": round(f1, 4),
            }
    return best


def set_report(rule: MatchRule, observations: Sequence[Observation]) -> dict[str, Mapping]:
    """Set P/R/F1 of the matched answer, the best fixed cut, and off-topic empties."""
    on = [o for o in observations if o.query.relevant]
    off = [o for o in observations if not o.query.relevant]
    rows = [set_scores(o.select(rule), o.query.relevant) for o in on]
    sizes = sorted(len(o.select(rule)) for o in on)
    return {
        "matched": {
            "precision": round(mean(r[0] for r in rows), 4) if rows else 0.0,
            "recall": round(mean(r[1] for r in rows), 4) if rows else 0.0,
            "f1": round(mean(r[2] for r in rows), 4) if rows else 0.0,
            "median_size": float(sizes[len(sizes) // 2]) if sizes else 0.0,
            "queries": len(on),
        },
        "best_cut": best_cut(observations) if on else {},
        "offtopic": {
            "empty": round(mean(not o.select(rule) for o in off), 4) if off else 0.0,
            "queries": len(off),
        },
    }


def cross_validated(observations: Sequence[Observation], folds: int = 5) -> dict[str, float]:
    """Set F1 and off-topic empties of rules fitted without the queries they answer.

    Queries are dealt into ``folds`` by their position (a fixed deal, so the
    estimate is reproducible); each fold is answered by the rule fitted on the
    others. This is the honest estimate for unseen queries: the in-sample figure
    of :func:`fit` flatters the rule.
    """
    f1s: list[float] = []
    empties: list[bool] = []
    for fold in range(folds):
        held = [o for i, o in enumerate(observations) if i % folds == fold]
        train = [o for i, o in enumerate(observations) if i % folds != fold]
        if not held or not train:
            continue
        rule = fit(train).rule
        for obs in held:
            answer = obs.select(rule)
            if obs.query.relevant:
                f1s.append(set_scores(answer, obs.query.relevant)[2])
            else:
                empties.append(not answer)
    return {
        "f1": round(mean(f1s), 4) if f1s else 0.0,
        "offtopic_empty": round(mean(empties), 4) if empties else 0.0,
        "folds": folds,
    }
