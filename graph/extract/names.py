"""The project's names and description: label/value fields, else the title."""

from __future__ import annotations

import logging

from rdflib import Literal, URIRef

from graph.extract.cues import DESCRIBES_WORK, PROJECT_WORDS
from graph.extract.run import X_FIELD, X_SUMMARY, X_TITLE, Run, Steps
from graph.extract.text import (
    clean_title,
    is_chrome_text,
    lines,
    name_language,
    paragraph_spans,
    title_like,
)
from graph.load.layout import Field, parse_fields
from graph.load.loader import detect_language
from graph.model import Evidence
from graph.vocab import SCHEMA

logger = logging.getLogger(__name__)


class NameSteps(Steps):
    """Project names and description."""

    def _names(self, run: Run, fmap: dict[str, Field]) -> list[tuple[str, str, Evidence | None]]:
        """Project names, primary first: ``(name, language, evidence)``."""
        out: list[tuple[str, str, Evidence | None]] = []
        for key, lang in (("name", "fi"), ("name_en", "en"), ("name_sv", "sv")):
            f = fmap.get(key)
            if f is None:
                continue
            value = f.value.split("\n")[0].strip()
            if not value or len(value) > 250:
                continue
            if key == "name":
                lang = name_language(value, run.lang)
            out.append((value, lang, run.evidence(f.start, f.start + len(value), X_FIELD)))
        if out:
            return out
        title = self._title(run)
        if title is not None:
            out.append(title)
        return out

    def _title(self, run: Run) -> tuple[str, str, Evidence | None] | None:
        text = run.text
        candidates: list[str] = []
        if run.doc.title:
            candidates.append(clean_title(run.doc.title))
        for cand in candidates:
            if not cand:
                continue
            pos = text.find(cand)
            ev = run.evidence(pos, pos + len(cand), X_TITLE) if pos >= 0 else None
            return cand, name_language(cand, run.lang), ev
        # No metadata title: the first short, non-chrome line of the page.
        for line_start, line in lines(text)[:25]:
            stripped = line.strip()
            if not stripped or is_chrome_text(stripped):
                continue
            offset = line_start + (len(line) - len(line.lstrip()))
            cleaned = clean_title(stripped)
            if not cleaned:
                continue
            if not title_like(cleaned):
                if len(stripped.split()) > 20 or stripped.endswith("."):
                    break
                continue
            pos = text.find(cleaned, offset)
            ev = run.evidence(pos, pos + len(cleaned), X_TITLE) if pos >= 0 else None
            return cleaned, name_language(cleaned, run.lang), ev
        return None

    def _looks_like_project(self, run: Run, fmap: dict[str, Field]) -> bool:
        project_fields = {
            "start",
            "end",
            "duration",
            "funder",
            "coordinator",
            "implementer",
            "partner",
            "steering",
            "responsible",
            "summary",
        }
        if project_fields & fmap.keys():
            return True
        return bool(PROJECT_WORDS.search(run.text) or DESCRIBES_WORK.search(run.text))

    def _description(self, run: Run, project: URIRef, fmap: dict[str, Field]) -> None:
        """The summary field, else the first substantial paragraph, else the results."""
        f = fmap.get("summary")
        if f is None:
            for start, end in paragraph_spans(run.text):
                if run.in_chrome(start, end):
                    continue
                para = run.text[start:end]
                if len(para.split()) >= 15 and not parse_fields(para):
                    run.add(
                        project,
                        SCHEMA.description,
                        Literal(para, lang=run.lang),
                        run.evidence(start, end, X_SUMMARY),
                    )
                    return
            f = fmap.get("results")
        if f is not None:
            lang = detect_language(f.value, run.lang)
            run.add(
                project,
                SCHEMA.description,
                Literal(f.value, lang=lang),
                run.evidence(f.start, f.end, X_FIELD),
            )
