"""Themes (``schema:about``) from the theme matcher."""

from __future__ import annotations

import logging

from rdflib import URIRef

from graph.extract.run import X_THEME, Run, Steps
from graph.model import Evidence
from graph.vocab import SCHEMA

logger = logging.getLogger(__name__)


class ThemeStep(Steps):
    """Themes."""

    def _themes(
        self, run: Run, project: URIRef, names: list[tuple[str, str, Evidence | None]]
    ) -> None:
        if self.themes is None:
            return
        title_end = max((ev.end for _, _, ev in names if ev is not None), default=0)
        title_start = min((ev.start for _, _, ev in names if ev is not None), default=0)
        exclude = list(run.chrome)
        matches = self.themes.match(
            run.text,
            exclude=exclude,
            language=run.lang,
            title_end=title_end if title_start < 400 else 0,
        )
        for m in matches:
            s, e = m.spans[0]
            run.add(
                project, SCHEMA.about, m.iri, run.evidence(s, e, f"{X_THEME}:{m.rule}", m.score)
            )
