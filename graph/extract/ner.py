"""spaCy NER proposals, merged with legal-form names.

NER only *proposes*: spaCy tags "1.11.13" a PERSON and "Savotta-hankkeessa"
a GPE, so later steps decide what reaches the graph."""

from __future__ import annotations

import logging

from graph.extract.cues import LEGAL_NAME
from graph.extract.run import NER_MAX_CHARS, Run, Steps

logger = logging.getLogger(__name__)


class NerStep(Steps):
    """Entity proposals from spaCy."""

    def _entities(self, run: Run) -> list[tuple[int, int, str, str]]:
        """spaCy entities ``(start, end, label, text)`` outside chrome."""
        if self.nlp is None:
            return []
        text = run.text[:NER_MAX_CHARS]
        disable = [p for p in ("parser", "lemmatizer") if p in self.nlp.pipe_names]
        doc = self.nlp(text, disable=disable)
        out: list[tuple[int, int, str, str]] = []
        for ent in doc.ents:
            start, end = ent.start_char, ent.end_char
            surface = run.text[start:end]
            # spaCy includes trailing punctuation and newlines at times.
            stripped = surface.rstrip(" ,.;:\n")
            end = start + len(stripped)
            if not stripped or run.in_chrome(start, end):
                continue
            label = ent.label_
            # "Toivola-Luotolan Setlementti ry": spaCy splits a name at a genitive.
            if (
                out
                and label == "ORG"
                and out[-1][2] in ("ORG", "GPE")
                and run.text[out[-1][1] : start] == " "
            ):
                prev = out.pop()
                start, label = prev[0], "ORG"
                stripped = run.text[start:end]
            out.append((start, end, label, stripped))
        # Names with a legal form ("Pohjois-Savon Kylät ry") are organisations
        # whatever NER made of them.
        for m in LEGAL_NAME.finditer(text):
            s, e = m.span(1)
            if run.in_chrome(s, e) or any(x[2] == "ORG" and x[0] <= s and e <= x[1] for x in out):
                continue
            out = [x for x in out if not (x[0] < e and s < x[1])]
            out.append((s, e, "ORG", run.text[s:e]))
        out.sort()
        return out
