"""The state of one extraction run and the tools each step reads.

:class:`Run` holds the text, its chrome and the facts found so far;
:class:`Steps` declares the tools (spaCy, the gazetteer linker, IRIs,
morphology) that the step mixins of :class:`~graph.extract.Extractor` use."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.iris import Iris
from graph.language.finnish import Morphology
from graph.link.themes import ThemeMatcher
from graph.model import Document, Evidence, Fact

logger = logging.getLogger(__name__)

SPACY_MODEL = "spacy_fi_experimental_web_md"
#: spaCy reads at most this many characters of a document (speed on huge dumps).
NER_MAX_CHARS = 20_000

# Extractor names recorded in the evidence.
X_FIELD = "rule:label-value"
X_TITLE = "rule:title"
X_DATES = "rule:dates"
X_STATUS = "rule:status-from-end-date"
X_GAZETTEER = "gazetteer"
X_NER = "ner+rules"
X_ROLE = "gazetteer+role-cue"
X_PROJECT = "rule:project-mention"
X_PUBLICATION = "rule:publication"
X_EVENT = "rule:event"
X_TARGET = "rule:target-group"
X_THEME = "theme-matcher"
X_SUMMARY = "rule:summary"


class LinkerLike(Protocol):
    """The gazetteer linker's interface (``graph.link.linker.Linker``)."""

    def link_place(self, mention: str) -> Any: ...  # noqa: D102
    def link_organisation(self, mention: str) -> Any: ...  # noqa: D102
    def find_all(self, text: str, strict: bool = True) -> Sequence[Any]: ...  # noqa: D102
    def describe(self, link: Any) -> list[tuple[URIRef, URIRef, Node]]: ...  # noqa: D102
    def municipal_organisation(self, code: str, kind: str = "kaupunki") -> Any: ...  # noqa: D102


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """The Finnish spaCy pipeline, loaded once per process."""
    import spacy

    return spacy.load(SPACY_MODEL)


@lru_cache(maxsize=4)
def theme_matcher(path: str) -> ThemeMatcher:
    return ThemeMatcher.from_csv(Path(path))


@dataclass
class OrgMention:
    start: int
    end: int
    surface: str
    iri: URIRef
    name: str
    link: Any = None
    minted: bool = False
    extractor: str = X_GAZETTEER
    #: An acronym given in parentheses after the name ("... (STEA)").
    acronym: str | None = None


class Spans:
    """Character spans for fast membership tests: sorted and merged once, then
    each question is a binary search (``bisect``) instead of a scan of every span."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self.source = spans
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:  # overlapping (touching spans stay apart)
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether some span ``(s, e)`` has ``s < end and start < e``."""
        # spans starting before ``end``; their ends rise with their starts
        i = bisect_left(self._starts, end)
        return i > 0 and self._ends[i - 1] > start

    def covers(self, position: int) -> bool:
        """Whether some span ``(s, e)`` has ``s <= position < e``."""
        i = bisect_right(self._starts, position)
        return i > 0 and position < self._ends[i - 1]


@dataclass
class Run:
    """State of one extraction run: the text, its chrome and the facts so far."""

    doc: Document
    doc_iri: URIRef
    text: str
    lang: str
    chrome: list[tuple[int, int]]
    facts: list[Fact] = field(default_factory=list)
    seen: set[tuple[Node, Node, Node]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    _mentions: list[Any] | None = None
    set_aside: list[tuple[int, int]] = field(default_factory=list)
    """Spans of organisation mentions that take no role (a predecessor in "(entinen RAY)")."""
    _chrome_spans: Spans | None = None

    def evidence(
        self, start: int, end: int, extractor: str, score: float | None = None
    ) -> Evidence:
        quote = self.text[start:end]
        assert self.text[start:end] == quote
        return Evidence(start, end, quote, extractor, score)

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal, ev: Evidence | None = None) -> None:
        key = (s, p, o)
        if key in self.seen:
            return
        self.seen.add(key)
        self.facts.append(Fact(s, p, o, ev))

    def mentions(self, linker: LinkerLike) -> Sequence[Any]:
        """The linker's mentions in the whole text, found once per run."""
        if self._mentions is None:
            self._mentions = list(linker.find_all(self.text))
        return self._mentions

    def in_chrome(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps site chrome (a bisect, not a scan: a
        scan per mention made extraction quadratic in the document's length)."""
        spans = self._chrome_spans
        if spans is None or spans.source is not self.chrome:
            spans = self._chrome_spans = Spans(self.chrome)
        return spans.overlaps(start, end)


class Steps:
    """The tools every extraction step reads; :class:`~graph.extract.Extractor` sets them."""

    nlp: Any
    linker: LinkerLike
    iris: Iris
    reference: Any
    themes: ThemeMatcher | None
    today: date | None
    morph: Morphology
