"""Extraction is linear in the text and has a time budget (issue 23, finding 6).

One 1 MB text (a seed repeated) took 720 s to ingest: every mention was checked
against every span of site chrome (``Run.in_chrome``), and every theme token
against every excluded span (``ThemeMatcher.match``), so the work grew with the
square of the length. Both are binary searches now (``graph.extract.run.Spans``),
and a document whose extraction still passes ``HANKEKG_DOCUMENT_BUDGET_S`` is
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
from graph.link.linker import Linker
from graph.link.reference import Reference
from graph.link.themes import ThemeMatcher
from graph.load.loader import load_bytes
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
    with pytest.raises(DocumentError, match="longer than its budget .*HANKEKG_DOCUMENT_BUDGET_S"):
        hurried.extract(document, iris.document(document.sha256))
    relaxed = Extractor(
        nlp, linker, iris, reference, themes=theme_matcher, today=TODAY, budget_s=600
    )
    assert relaxed.extract(document, iris.document(document.sha256)).project_iris


class _ZeroEncoder:
    """Stands in for e5 (embedding cost is not what this test is about)."""

    name = "zero"
    dim = 4

    def encode_passages(self, texts: list[str]) -> Any:
        import numpy as np

        return np.ones((len(texts), self.dim), dtype=np.float32)


def test_a_long_document_over_the_budget_is_refused_while_embedding(
    tmp_path: Any, extractor: Extractor
) -> None:
    """The 1 MB probe spent most of its 720 s embedding ~1,800 chunks: the budget covers it."""
    from pathlib import Path

    from graph.config import Settings
    from ingest.prepare import EMBED_SLICE, Preparer, Source

    seed = next(SEEDS_DIR.glob("*.txt")).read_text("utf-8")
    path = Path(tmp_path) / "long.txt"
    path.write_text((seed + "\n\n") * 40, "utf-8")  # ~120 kB: well over one slice of chunks
    preparer = Preparer(Settings(home=Path(tmp_path) / "home", document_budget_s=1e-9))
    preparer.__dict__["extractor"] = extractor  # no budget of its own: reach the embedding
    preparer.__dict__["encoder"] = _ZeroEncoder()
    with pytest.raises(DocumentError, match=f"embedding took longer .*{EMBED_SLICE} of"):
        preparer.prepare(Source.read(path, 10_000_000))
    relaxed = Preparer(Settings(home=Path(tmp_path) / "home", document_budget_s=0))
    relaxed.__dict__["extractor"] = extractor
    relaxed.__dict__["encoder"] = _ZeroEncoder()
    assert len(relaxed.prepare(Source.read(path, 10_000_000)).chunks) > EMBED_SLICE
