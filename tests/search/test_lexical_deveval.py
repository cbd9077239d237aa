"""BM25-only figures on the development set, to tune the text analysis.

The set ships as the demo corpus in ``data/demo`` (restated texts; see its
README); ``HANKEKG_DEV_EVAL`` points the test at another copy, and it skips when
the set is absent. Run with ``-s`` to see
the figures.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from search.analysis import detect_language
from search.crosslingual import QueryTranslator
from search.lexical import LexicalIndex

REPO = Path(__file__).resolve().parents[2]
DEV_EVAL = Path(os.environ.get("HANKEKG_DEV_EVAL", REPO / "data" / "demo"))

pytestmark = pytest.mark.skipif(
    not (DEV_EVAL / "queries.jsonl").is_file(), reason=f"no development set at {DEV_EVAL}"
)


def read_document(path: Path) -> str:
    """Title and text of a corpus file (the URL line dropped)."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    title = " ".join(line[6:].strip() for line in head.splitlines() if line.startswith("TITLE:"))
    return f"{title}\n{body}"


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg


def test_bm25_on_the_development_set() -> None:
    paths = sorted((DEV_EVAL / "corpus").glob("d*.txt"))
    names = [p.stem for p in paths]
    texts = [read_document(p) for p in paths]
    langs = [detect_language(t[:1000]) for t in texts]
    index = LexicalIndex.build(list(range(len(texts))), texts, langs)
    translator = QueryTranslator()
    yso_only = QueryTranslator(glossary=False)
    queries = [json.loads(line) for line in (DEV_EVAL / "queries.jsonl").open(encoding="utf-8")]

    runs: dict[str, dict[str, list[float]]] = {}
    for label, bridge in (("plain", None), ("yso+names", yso_only), ("translated", translator)):
        per_lang: dict[str, list[float]] = {"fi": [], "en": []}
        for q in queries:
            expansion = ""
            if bridge is not None and q["lang"] != "fi":
                expansion = bridge.translate(
                    q["query"], q["lang"], vocabulary=index.__contains__
                ).expansion
            hits = index.search(q["query"], 10, lang=q["lang"], expansion=expansion)
            per_lang.setdefault(q["lang"], []).append(
                ndcg_at_10([names[i] for i, _ in hits], q["relevant"])
            )
        runs[label] = per_lang

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    for label, per_lang in runs.items():
        overall = mean([v for values in per_lang.values() for v in values])
        print(
            f"BM25 {label:10s} nDCG@10 all {overall:.3f} "
            + " ".join(f"{lang} {mean(v):.3f}" for lang, v in per_lang.items())
        )
    # The Snowball-only baseline is about 0.80 on the Finnish queries.
    assert mean(runs["plain"]["fi"]) >= 0.8
    assert mean(runs["yso+names"]["en"]) > mean(runs["plain"]["en"]) + 0.2
    assert mean(runs["translated"]["en"]) >= mean(runs["yso+names"]["en"])
