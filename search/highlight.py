"""Snippets that show why a page matched: chrome-free text, highlights by base form.

A snippet is a window of the page's best chunk with the site chrome
(navigation lines, "Meneillään Päättynyt Hankkeen sisältö…", breadcrumbs,
cookie banners) cut out: the spans ingest and chunking skip
(:func:`graph.extract.text.chrome_spans`) and a few more kinds that only a
snippet needs to drop (:func:`snippet_chrome`).

Highlights follow the query's units (:func:`search.matching.query_units`), not
its loose terms. A text word is marked when its base form is a query word's
base form, or when it is a compound whose tail is that word ("kotikuntoutus" for
"kuntoutus": a kind of it); a compound that only shares some other part
("hoitotyö" for "metsänhoito") is not. Words the bridge read together as one
concept ("older people" -> "ikääntyneet") are marked only as that phrase, so
"people" alone in "homeless people" is not; the concept's Finnish label is
marked by its own words' base forms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graph.extract.text import CHROME_PHRASES, chrome_spans, lines
from search.analysis import default_analyzer
from search.matching import Unit

#: A compound's tail must be at least this long to count as the query word.
MIN_TAIL = 4


#: A breadcrumb trail: parts joined by ">" or "›", at least three of them.
BREADCRUMB = re.compile(r"^[^>›\n]{1,40}(\s*[>›»]\s*[^>›»\n]{1,60}){2,}$")
#: A sentence about cookies is the consent banner, not the page.
COOKIES = re.compile(r"[^.!?\n]*\b(evästei\w*|eväste\w*|cookies?|kakor)\b[^.!?\n]*[.!?]?", re.I)
#: The word every :data:`COOKIES` match contains: a text without it has no cookie
#: sentence. Searched first because COOKIES, which must start where its sentence
#: does, tries every position of the text and rescans to the sentence end from each
#: (about 2 ms of a 400-character chunk; most chunks name no cookie).
_COOKIE_WORD = re.compile(r"\b(evästei\w*|eväste\w*|cookies?|kakor)\b", re.I)
#: The longest chrome phrase, in words.
_LONGEST = max(len(p.split()) for p in CHROME_PHRASES)


def snippet_chrome(text: str) -> list[tuple[int, int]]:
    """Spans no snippet shows: the chrome ingest skips, plus lines made only of
    navigation phrases side by side ("Meneillään Päättynyt Hankkeen sisältö
    Selite"), breadcrumb trails and cookie sentences."""
    out = list(chrome_spans(text))
    for start, line in lines(text):
        stripped = line.strip()
        if stripped and (_only_chrome(stripped.split()) or BREADCRUMB.match(stripped)):
            out.append((start, start + len(line)))
    if _COOKIE_WORD.search(text):
        out += [(m.start(), m.end()) for m in COOKIES.finditer(text)]
    return out


def _only_chrome(words: list[str]) -> bool:
    """Whether ``words`` split into chrome phrases, every word used (at least two phrases)."""
    n = len(words)
    if n < 2:
        return False
    low = [w.strip(" .:!").lower() for w in words]
    reach = [0] + [-1] * n  # reach[i]: fewest phrases covering words[:i] (-1: impossible)
    for i in range(n):
        if reach[i] < 0:
            continue
        for j in range(i + 1, min(n, i + _LONGEST) + 1):
            if " ".join(low[i:j]) in CHROME_PHRASES and (reach[j] < 0 or reach[i] + 1 < reach[j]):
                reach[j] = reach[i] + 1
    return reach[n] >= 2


def strip_chrome(text: str) -> str:
    """``text`` without its site-chrome spans, whitespace runs closed up."""
    spans = snippet_chrome(text)
    if not spans:
        return text
    parts = []
    pos = 0
    for start, end in sorted(spans):
        if start > pos:
            parts.append(text[pos:start])
        pos = max(pos, end)
    parts.append(text[pos:])
    return re.sub(r"[ \t]*\n[\s]*", "\n", " ".join(p.strip(" ") for p in parts)).strip()


def phrases(units: Sequence[Unit]) -> list[tuple[str, ...]]:
    """Sequences of base forms to mark: each single query word, each concept's covered
    words as one phrase, and each word of a concept's Finnish label."""
    analyzer = default_analyzer()
    out: list[tuple[str, ...]] = []
    for unit in units:
        if unit.phrase:
            out.append(unit.phrase)
        for word in unit.label.split():
            terms = analyzer.word_terms(word, "fi")
            if terms:
                out.append((terms[0],))
        if not unit.phrase and not unit.label:
            out.append(unit.heads[:1])
    return list(dict.fromkeys(p for p in out if p))


def spans(text: str, wanted: Sequence[tuple[str, ...]], lang: str | None) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match one of the ``wanted`` phrases."""
    if not wanted:
        return []
    words: dict[tuple[int, int], list[str]] = {}
    for span in default_analyzer().analyze_spans(text, lang):
        words.setdefault((span.start, span.end), []).append(span.term)
    order = sorted(words)
    # Which wanted heads each word is (:func:`_heads`), found from the word's own few
    # terms rather than by trying every phrase at every word; then each phrase is
    # tried only where its first head stands.
    heads = {head for phrase in wanted for head in phrase}
    matched = [_heads(words[w], heads) for w in order]
    at: dict[str, list[int]] = {}
    for i, found in enumerate(matched):
        for head in found:
            at.setdefault(head, []).append(i)
    out: set[tuple[int, int]] = set()
    for phrase in dict.fromkeys(wanted):
        for i in at.get(phrase[0], ()):
            end = i + len(phrase)
            if end <= len(order) and all(
                head in matched[j] for j, head in zip(range(i + 1, end), phrase[1:], strict=True)
            ):
                out.add((order[i][0], order[end - 1][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(out):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _heads(terms: list[str], heads: set[str]) -> set[str]:
    """The ``heads`` a text word (its terms, base form first) is: its base form, or a
    compound's tail of at least :data:`MIN_TAIL` letters that its terms list."""
    base = terms[0]
    found = {base} if base in heads else set()
    for term in terms[1:]:
        if term in heads and len(term) >= MIN_TAIL and base.endswith(term):
            found.add(term)
    return found
