"""Sentence-aware chunking with a little overlap.

Chunks never cut a sentence (unless one sentence alone exceeds the limit),
neighbouring chunks share their boundary sentence, and every chunk keeps its
character offsets into the stored document text so that snippets and evidence
can point back into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph.extract.text import chrome_spans

#: A sentence ends at . ! ? or a blank line; abbreviations like "ko." or "n." and
#: dates like "1.2.12" are not followed by whitespace + capital, so they stay put.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"”A-ZÅÄÖ0-9(])|\n\s*\n")
MAX_CHARS = 700
OVERLAP_SENTENCES = 1


@dataclass(frozen=True)
class Span:
    """A piece of text with its offsets."""

    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """Split ``text`` into sentence spans (offsets into ``text``)."""
    spans: list[Span] = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        _add(spans, text, pos, match.start())
        pos = match.end()
    _add(spans, text, pos, len(text))
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    s = start + lead
    spans.append(Span(s, s + len(stripped), stripped))


def _trimmed(spans: list[Span], text: str, skip: list[tuple[int, int]]) -> list[Span]:
    """Cut ``skip`` spans off the start of sentences; drop sentences left empty."""
    if not skip:
        return spans
    out: list[Span] = []
    for span in spans:
        start, end = span.start, span.end
        moved = True
        while moved and start < end:
            moved = False
            for s, e in skip:
                if s <= start < e:
                    start, moved = e, True
            while start < end and (text[start].isspace() or text[start] in "|.,;:·•-–—"):
                start, moved = start + 1, True
        if start < end:
            out.append(Span(start, end, text[start:end]))
    return out


def _split_long(sentence: Span, max_chars: int) -> list[Span]:
    """Cut an over-long sentence at whitespace into pieces under ``max_chars``."""
    pieces: list[Span] = []
    start = sentence.start
    text = sentence.text
    offset = 0
    while len(text) - offset > max_chars:
        cut = text.rfind(" ", offset, offset + max_chars)
        if cut <= offset:
            cut = offset + max_chars
        pieces.append(Span(start + offset, start + cut, text[offset:cut].strip()))
        offset = cut
        while offset < len(text) and text[offset] == " ":
            offset += 1
    if offset < len(text):
        pieces.append(Span(start + offset, start + len(text), text[offset:]))
    return pieces


def chunk_text(
    text: str,
    max_chars: int = MAX_CHARS,
    overlap: int = OVERLAP_SENTENCES,
    skip: list[tuple[int, int]] | None = None,
) -> list[Span]:
    """Group sentences into chunks of at most ``max_chars``, overlapping by
    ``overlap`` sentences. Sentence parts inside a ``skip`` span are left out;
    by default those are the site chrome (navigation) that extraction skips too."""
    if skip is None:
        skip = chrome_spans(text)
    units: list[Span] = []
    for sentence in _trimmed(sentences(text), text, skip):
        units.extend(
            _split_long(sentence, max_chars) if len(sentence.text) > max_chars else [sentence]
        )
    chunks: list[Span] = []
    i = 0
    while i < len(units):
        j = i
        size = 0
        while j < len(units) and (j == i or size + len(units[j].text) + 1 <= max_chars):
            size += len(units[j].text) + 1
            j += 1
        start, end = units[i].start, units[j - 1].end
        chunks.append(Span(start, end, text[start:end]))
        if j >= len(units):
            break
        i = max(j - overlap, i + 1)
    return chunks
