"""The project's target group."""

from __future__ import annotations

import logging

from rdflib import Literal, URIRef

from graph.extract.cues import RECEIVED, TARGET_CUE
from graph.extract.run import X_FIELD, X_TARGET, Run, Steps
from graph.extract.text import lines
from graph.load.layout import Field
from graph.vocab import HK

logger = logging.getLogger(__name__)


class TargetGroupStep(Steps):
    """Target group."""

    def _target_group(self, run: Run, project: URIRef, fmap: dict[str, Field]) -> None:
        f = fmap.get("target")
        if f is not None:
            for line_start, line in lines(f.value):
                if line.strip():
                    s = f.start + line_start
                    run.add(
                        project,
                        HK.targetGroup,
                        Literal(line.strip(), lang=run.lang),
                        run.evidence(s, s + len(line.rstrip()), X_FIELD),
                    )
            return
        m = TARGET_CUE.search(run.text)
        if m and not run.in_chrome(m.start(), m.end()):
            value = m.group("value").strip()
            s = m.start("value")
            run.add(
                project,
                HK.targetGroup,
                Literal(value, lang=run.lang),
                run.evidence(s, s + len(value), X_TARGET),
            )
            return
        for m in RECEIVED.finditer(run.text):
            if run.in_chrome(m.start(), m.end()):
                continue
            adv = (m.group("adv") or "").strip()
            value = " ".join(p for p in (adv, m.group("noun"), "saaneet") if p)
            run.add(
                project,
                HK.targetGroup,
                Literal(value, lang="fi"),
                run.evidence(m.start(), m.end(), X_TARGET),
            )
            return
