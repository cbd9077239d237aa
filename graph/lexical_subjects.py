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
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from graph.finnish import Morphology, morphology
from graph.reference import yso_lexicon

_TOKEN = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü][\wÅÄÖåäöÉéÜü-]*")
#: Labels made only of these words say nothing about a subject.
_STOP = frozenset(
    "hanke projekti ohjelma kehittäminen toiminta työ palvelu palvelut project programme "
    "development work service services the and of ja".split()
)


class LexicalIndexer:
    """Concepts whose labels occur in a text, ranked by weighted frequency."""

    def __init__(
        self, labels: Iterable[tuple[str, str, Iterable[str]]], morph: Morphology | None = None
    ) -> None:
        """``labels``: (concept IRI, Finnish label, every label to look for)."""
        self.morph = morph or morphology()
        self.label_fi: dict[str, str] = {}
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for iri, fi, variants in labels:
            self.label_fi[iri] = fi
            for label in variants:
                words = tuple(self._lemma(w) for w in _TOKEN.findall(label))
                if not words or all(w in _STOP for w in words):
                    continue
                self._by_first.setdefault(words[0], []).append((words, iri))

    @classmethod
    def from_reference(cls, reference_dir: Path, morph: Morphology | None = None) -> LexicalIndexer:
        """The indexer over the YSO labels of the reference directory."""
        rows = (
            (uri, fi, [x for x in (fi, en, sv) if x])
            for uri, fi, en, sv in yso_lexicon(reference_dir)
            if fi
        )
        return cls(rows, morph)

    def _lemma(self, word: str) -> str:
        return self.morph.baseforms(word.lower())[0].lower()

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
