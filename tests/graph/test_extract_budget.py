"""Extraction is linear in the text and has a time budget (issue 23, finding 6).

One 1 MB text (a seed repeated) took 720 s to ingest: every mention was checked
against every span of site chrome (``Run.in_chrome``), and every theme token
against every excluded span (``ThemeMatcher.match``), so the work grew with the
square of the length. Both are binary searches now (``graph.extract.run.Spans``),
and a document whose extraction still passes ``HANKEKG_EXTRACT_BUDGET_S`` is
refused with a clear error instead of holding a worker for minutes.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from graph.errors import DocumentError
from graph.extract import Extractor
from graph.extract.run import Spans
from graph.iris import Iris
from graph.linker import Linker
from graph.loader import load_bytes
from graph.reference import Reference
from graph.themes import ThemeMatcher
from tests.graph.conftest import SEEDS_DIR, TODAY


def test_spans_answer_exactly_as_a_scan_of_every_span() -> None:
    rng = random.Random(23)
    for _ in range(2_000):
        spans = [
            (a, a + rng.randint(0, 8))
            for a in (rng.randint(0, 50) for _ in range(rng.randint(0, 8)))
        ]
        index = Spans(spans)
        for _ in range(20):
            start = rng.randint(0, 60)
            end = start + rng.randint(0, 6)
            assert index.overlaps(start, end) == any(s < end and start < e for s, e in spans)
            assert index.covers(start) == any(s <= start < e for s, e in spans)


def test_themes_skip_tokens_inside_excluded_spans(theme_matcher: ThemeMatcher) -> None:
    text = "Kuntoutus ja omaishoito. Navigaatio: kuntoutus omaishoito. Loppu."
    everything = {m.iri for m in theme_matcher.match(text)}
    cut = text.index("Navigaatio")
    inside = theme_matcher.match(text, exclude=[(cut, cut + 35), (cut + 5, cut + 10)])
    assert everything and {m.iri for m in inside} <= everything
    assert all(not (cut <= s < cut + 35) for m in inside for s, _ in m.spans)


def test_a_document_over_the_extraction_budget_is_refused(
    nlp: Any, linker: Linker, iris: Iris, reference: Reference, theme_matcher: ThemeMatcher
) -> None:
    seed = next(SEEDS_DIR.glob("*.txt")).read_bytes()
    document = load_bytes(seed, name="seed.txt", max_bytes=1_000_000)
    hurried = Extractor(
        nlp, linker, iris, reference, themes=theme_matcher, today=TODAY, budget_s=1e-9
    )
    with pytest.raises(DocumentError, match="longer than its budget .*HANKEKG_EXTRACT_BUDGET_S"):
        hurried.extract(document, iris.document(document.sha256))
    relaxed = Extractor(
        nlp, linker, iris, reference, themes=theme_matcher, today=TODAY, budget_s=600
    )
    assert relaxed.extract(document, iris.document(document.sha256)).project_iris
