"""Retrieval evaluation: nDCG@10, Recall@10 and MRR per mode and query language.

The format is the one in DESIGN.md: a corpus folder of documents and a
``queries.jsonl`` with graded judgements keyed by document file stem. Results
are ranked per document (relevance is judged per document), through the same
hybrid searcher the product uses.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

K = 10


@dataclass(frozen=True)
class Query:
    """One evaluation query."""

    id: str
    lang: str
    text: str
    relevant: dict[str, int]


@dataclass
class Scores:
    """Per-query metrics."""

    ndcg: float
    recall: float
    mrr: float
    distractors: int = 0


@dataclass
class Report:
    """Metrics per mode and language, plus the per-query detail."""

    summary: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """run -> language ("all", "fi", "en", ...) -> metric -> value."""
    per_query: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """run -> query id -> ranked document stems."""

    def to_json(self) -> str:
        """Serialise to JSON."""
        return json.dumps({"summary": self.summary, "per_query": self.per_query}, indent=1)


def read_queries(path: Path) -> list[Query]:
    """Parse ``queries.jsonl``."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            queries.append(
                Query(raw["id"], raw.get("lang", "fi"), raw["query"], dict(raw["relevant"]))
            )
    return queries


def ndcg_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    """Graded nDCG with gains ``2^rel - 1``."""
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    """Share of the relevant documents (grade >= 1) found in the top ``k``."""
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    """1 / rank of the first relevant document."""
    for i, doc in enumerate(ranked):
        if relevant.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def score(ranked: list[str], query: Query, distractors: set[str]) -> Scores:
    """All metrics for one ranked list."""
    return Scores(
        ndcg=ndcg_at_k(ranked, query.relevant),
        recall=recall_at_k(ranked, query.relevant),
        mrr=reciprocal_rank(ranked, query.relevant),
        distractors=sum(1 for d in ranked[:K] if d in distractors),
    )


def evaluate(
    queries: list[Query],
    runs: dict[str, Callable[[Query], list[str]]],
    distractors: set[str] | None = None,
) -> Report:
    """Run every query through every named ranking function and aggregate.

    Args:
        runs: run name (e.g. ``hybrid``, ``dense (no bridge)``) -> a function
            ranking document stems for a query.
        distractors: stems never relevant to any query, counted in the top 10.
    """
    report = Report()
    for name, rank in runs.items():
        by_lang: dict[str, list[Scores]] = defaultdict(list)
        report.per_query[name] = {}
        for query in queries:
            ranked = rank(query)
            report.per_query[name][query.id] = ranked[:K]
            scores = score(ranked, query, distractors or set())
            by_lang["all"].append(scores)
            by_lang[query.lang].append(scores)
        report.summary[name] = {
            lang: {
                "ndcg@10": round(mean(s.ndcg for s in items), 4),
                "recall@10": round(mean(s.recall for s in items), 4),
                "mrr": round(mean(s.mrr for s in items), 4),
                "distractors@10": round(mean(s.distractors for s in items), 3),
                "queries": len(items),
            }
            for lang, items in sorted(by_lang.items())
        }
    return report
