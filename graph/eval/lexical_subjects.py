"""An Annif-style lexical subject indexer: the peer that themes are compared with.

Annif's simple lexical backends (``stwfsa``, ``mllm``) find the vocabulary's labels
in the lemmatised text and rank the concepts by how often and how early their
labels occur. This is that idea, kept small and without training: every YSO
label (Finnish, English and Swedish preferred labels of
``yso_labels_2019.3.tsv``) is lemmatised word by word; the text's tokens are
lemmatised the same way; each occurrence of a label's word sequence scores its
concept, weighted up for the first fifth of the text (titles and leads); the
``limit`` best concepts with at least ``min_count`` occurrences are returned as
Finnish labels. It is the yardstick in ``hankekg eval-extract``, not part of
ingest.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.language.finnish import Morphology, morphology
from graph.link.reference import yso_lexicon

_TOKEN = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü][\wÅÄÖåäöÉéÜü-]*")
#: Labels made only of these words say nothing about a subject.
_STOP = frozenset(
    "hanke projekti ohjelma kehittäminen toiminta työ palvelu palvelut project programme "
    "development work service services the and of ja".split()
)


#: The shortest word a one-word label is found on when the page's language is known.
MIN_SURFACE = 5
#: The longest label span looked back over when deciding coverage (characters).
_LONGEST_LABEL = 200


def _covered(
    every: Sequence[tuple[int, int, str]], starts: Sequence[int], s: int, e: int, iri: str
) -> bool:
    """Whether another concept's longer occurrence holds ``s``..``e`` (linear in the
    occurrences starting just before it, so a long text stays linear)."""
    lo = bisect_left(starts, s - _LONGEST_LABEL)
    hi = bisect_right(starts, s)
    return any(other != iri and a <= s and e <= b and b - a > e - s for a, b, other in every[lo:hi])


@dataclass(frozen=True)
class LexicalHit:
    """A concept found in a text: its Finnish label and where its labels occur."""

    iri: str
    label: str
    spans: tuple[tuple[int, int], ...]

    @property
    def count(self) -> int:
        """How many times a label of the concept occurs."""
        return len(self.spans)


#: Case forms of a verbal noun ("-minen", "-misen", "-mista", ...).
_VERBAL_NOUN = re.compile(r"mi(?:nen|s[a-zåäö]*)$")


class LexicalIndexer:
    """Concepts whose labels occur in a text, ranked by weighted frequency."""

    def __init__(
        self,
        labels: Iterable[tuple[str, str, Iterable[str | tuple[str, str]]]],
        morph: Morphology | None = None,
    ) -> None:
        """``labels``: (concept IRI, Finnish label, every label to look for); a label is
        a string (any language) or (label, language code)."""
        self.morph = morph or morphology()
        self.label_fi: dict[str, str] = {}
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        #: (words, concept) -> the languages whose labels spell those words
        self._langs: dict[tuple[tuple[str, ...], str], set[str]] = {}
        for iri, fi, variants in labels:
            self.label_fi[iri] = fi
            for variant in variants:
                label, lang = (variant, "") if isinstance(variant, str) else variant
                words = tuple(self._lemma(w) for w in _TOKEN.findall(label))
                if not words or all(w in _STOP for w in words):
                    continue
                key = (words, iri)
                # one entry per label, as before languages were told apart: a label
                # spelt alike in two languages weighs twice in :meth:`suggest`
                self._by_first.setdefault(words[0], []).append(key)
                self._langs.setdefault(key, set()).add(lang)

    @classmethod
    def from_reference(cls, reference_dir: Path, morph: Morphology | None = None) -> LexicalIndexer:
        """The indexer over the YSO labels of the reference directory."""
        rows = (
            (uri, fi, [(x, lang) for x, lang in ((fi, "fi"), (en, "en"), (sv, "sv")) if x])
            for uri, fi, en, sv in yso_lexicon(reference_dir)
            if fi
        )
        return cls(rows, morph)

    def _speaks(self, key: tuple[tuple[str, ...], str], language: str | None) -> bool:
        """Whether a label with these words counts on a page in ``language``: Finnish
        labels (and untagged ones) everywhere, another language's only on its pages."""
        if language is None:
            return True
        return bool(self._langs.get(key, set()) & {"", "fi", language})

    def _lemma(self, word: str) -> str:
        """The word's base form; a verbal noun keeps its own key ("tukeminen" is not
        every form of "tukea", "oleminen" not every "on")."""
        lower = word.lower()
        analyses = self.morph.analyses(lower)
        if not analyses:
            return lower
        first = analyses[0]
        base = (first.get("BASEFORM") or lower).lower()
        if first.get("CLASS") == "teonsana":
            if _VERBAL_NOUN.search(lower):
                return f"{base}#minen"
            return f"{base}#verb"
        return base

    def find(
        self,
        text: str,
        exclude: Sequence[tuple[int, int]] = (),
        *,
        language: str | None = None,
    ) -> list[LexicalHit]:
        """Every concept whose label occurs in ``text`` outside the ``exclude`` spans,
        with its occurrences, most occurrences first.

        With ``language``, the Finnish labels and those of that language count, and a
        one-word label only on a word of :data:`MIN_SURFACE` letters or more: Swedish
        "en" (juniper) is no subject of a Finnish page saying "en" (I do not), nor
        English "will" (a testament) of an English one, nor "Mari" a language."""
        tokens = [
            (m.start(), m.end(), self._lemma(m.group()))
            for m in _TOKEN.finditer(text)
            if not any(s <= m.start() < e for s, e in exclude)
        ]
        lemmas = [t[2] for t in tokens]
        spans: dict[str, list[tuple[int, int]]] = {}
        for i, lemma in enumerate(lemmas):
            for words, iri in self._by_first.get(lemma, ()):
                if tuple(lemmas[i : i + len(words)]) != words:
                    continue
                if language is not None:
                    if not self._speaks((words, iri), language):
                        continue
                    if len(words) == 1 and tokens[i][1] - tokens[i][0] < MIN_SURFACE:
                        continue
                end = tokens[i + len(words) - 1][1]
                if any(tokens[k + 1][0] - tokens[k][1] > 2 for k in range(i, i + len(words) - 1)):
                    continue
                found = spans.setdefault(iri, [])
                if (tokens[i][0], end) not in found:
                    found.append((tokens[i][0], end))
        # A longer label's span covers the shorter labels inside it ("tuettu asuminen"
        # holds "asuminen"): those occurrences belong to the longer one.
        every = sorted((s, e, iri) for iri, found in spans.items() for s, e in found)
        starts = [s for s, _, _ in every]
        hits = []
        for iri, found in spans.items():
            kept = tuple((s, e) for s, e in found if not _covered(every, starts, s, e, iri))
            if kept:
                hits.append(LexicalHit(iri, self.label_fi[iri], kept))
        return sorted(hits, key=lambda h: (-h.count, h.label))

    def suggest(self, text: str, limit: int = 5, min_count: int = 2) -> list[str]:
        """The ``limit`` best concepts of ``text`` as Finnish labels."""
        lemmas = [self._lemma(m.group()) for m in _TOKEN.finditer(text)]
        lead = max(1, len(lemmas) // 5)
        counts: Counter[str] = Counter()
        scores: dict[str, float] = {}
        for i, lemma in enumerate(lemmas):
            for words, iri in self._by_first.get(lemma, ()):
                if tuple(lemmas[i : i + len(words)]) != words:
                    continue
                counts[iri] += 1
                scores[iri] = scores.get(iri, 0.0) + (2.0 if i < lead else 1.0) * len(words)
        ranked = sorted((i for i in scores if counts[i] >= min_count), key=lambda i: -scores[i])
        return [self.label_fi[iri] for iri in ranked[:limit]]
