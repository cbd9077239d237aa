"""Publications and events of the project."""

from __future__ import annotations

import logging
import re

from rdflib import Literal, URIRef

from graph.extract.cues import (
    ISSUE,
    JOURNAL_NOUNS,
    PARTICIPANTS,
    PILOT,
    PUBLICATION_CUE,
    QUOTED,
    TRAINING,
)
from graph.extract.dates import date_literal
from graph.extract.run import X_EVENT, X_PUBLICATION, Run, Steps
from graph.extract.text import sentence_initial
from graph.iris import slugify
from graph.language.dates import find_dates, with_offset
from graph.vocab import HK, RDF, SCHEMA, XSD

logger = logging.getLogger(__name__)


class WorkSteps(Steps):
    """Publications and events."""

    def _publications(self, run: Run, project: URIRef, sentences: list[tuple[int, int]]) -> None:
        text = run.text
        for start, end in sentences:
            sentence = text[start:end]
            if run.in_chrome(start, end) or not PUBLICATION_CUE.search(sentence):
                continue
            for m in ISSUE.finditer(sentence):
                journal = self._journal_before(sentence, m.start())
                if journal is None:
                    continue
                j_start, j_name = journal
                year = m.group("year")
                year = (
                    year
                    if len(year) == 4
                    else str(2000 + int(year) if int(year) < 70 else 1900 + int(year))
                )
                title = f"{j_name} {int(m.group('issue'))}/{year}"
                tail = re.match(r"\s*-\s*\w+", sentence[m.end() :])
                q_end = m.end() + (tail.end() if tail else 0)
                self._add_work(run, project, title, start + j_start, start + q_end)
            for m in QUOTED.finditer(sentence):
                title = m.group(1).strip()
                before = sentence[max(0, m.start() - 60) : m.start()]
                if not re.search(
                    r"(työnimellä|otsikolla|nimellä|käsikirjoitu\w*|artikkel\w*|"
                    r"julkaisu\w*|raportti\w*|opas\w*|kirja\w*|titled|entitled|"
                    r"manuscript|article|report|guide|book)\s*:?\s*$",
                    before,
                    re.I,
                ):
                    continue
                self._add_work(run, project, title, start + m.start(), start + m.end())

    def _journal_before(self, sentence: str, pos: int) -> tuple[int, str] | None:
        words = list(re.finditer(r"[\wÅÄÖåäö-]+", sentence[:pos]))
        if not words or sentence[words[-1].end() : pos].strip():
            return None
        last = words[-1]
        lemma = self.morph.baseforms(last.group())[0].lower()
        if any(lemma.endswith(n) for n in JOURNAL_NOUNS):
            # "Kunnallistieteelliseen aikakauskirjaan": lemmatise the whole phrase.
            chosen = [last]
            for w in reversed(words[:-1][-3:]):
                chosen.insert(0, w)
                if w.group()[:1].isupper():
                    break
            else:
                if not chosen[0].group()[:1].isupper():
                    chosen = [last]
            name = " ".join(self.morph.baseforms(w.group())[0].lower() for w in chosen)
            return chosen[0].start(), name[:1].upper() + name[1:]
        if last.group()[:1].isupper() and not last.group().isdigit():
            chosen = [last]
            for w in reversed(words[:-1][-2:]):
                if w.group()[:1].isupper() and not sentence_initial(sentence, w.start()):
                    chosen.insert(0, w)
                else:
                    break
            return chosen[0].start(), " ".join(w.group() for w in chosen)
        return None

    def _add_work(self, run: Run, project: URIRef, title: str, start: int, end: int) -> None:
        iri = self.iris.work(title)
        ev = run.evidence(start, end, X_PUBLICATION)
        run.add(project, SCHEMA.subjectOf, iri, ev)
        run.add(iri, RDF.type, SCHEMA.CreativeWork)
        run.add(iri, SCHEMA.name, Literal(title), ev)

    def _events(self, run: Run, project: URIRef, sentences: list[tuple[int, int]]) -> None:
        text = run.text
        slug = self.iris.local_id(str(project), "project") or slugify(str(project))
        for idx, (start, end) in enumerate(sentences):
            sentence = text[start:end]
            if run.in_chrome(start, end):
                continue
            spans = [with_offset(s, start) for s in find_dates(sentence)]
            if PILOT.search(sentence):
                for s in spans:
                    if s.kind == "range" and s.begin and s.finish:
                        ev = run.evidence(s.start, s.end, X_EVENT)
                        iri = self.iris.event(slug, "pilot")
                        run.add(project, SCHEMA.event, iri, ev)
                        run.add(iri, RDF.type, SCHEMA.Event)
                        run.add(
                            iri,
                            SCHEMA.name,
                            Literal("Pilotointi" if run.lang == "fi" else "Pilot", lang=run.lang),
                        )
                        run.add(iri, SCHEMA.startDate, date_literal(s.begin), ev)
                        run.add(iri, SCHEMA.endDate, date_literal(s.finish), ev)
                        break
            trigger = TRAINING.search(sentence)
            points = [s for s in spans if s.kind == "point" and s.begin and s.begin.day]
            if trigger is None or not points:
                continue
            context = (
                sentence
                + " "
                + (
                    text[sentences[idx + 1][0] : sentences[idx + 1][1]]
                    if idx + 1 < len(sentences)
                    else ""
                )
            )
            count = PARTICIPANTS.search(context)
            word = self.morph.baseform(trigger.group(1))
            label = word[:1].upper() + word[1:]
            key = f"{label}-{points[0].begin.iso()}"  # type: ignore[union-attr]
            parent = self.iris.event(slug, key)
            ev = run.evidence(start + trigger.start(1), points[-1].end, X_EVENT)
            run.add(project, SCHEMA.event, parent, ev)
            run.add(parent, RDF.type, SCHEMA.Event)
            run.add(parent, SCHEMA.name, Literal(label, lang=run.lang))
            run.add(parent, SCHEMA.startDate, date_literal(points[0].begin), ev)  # type: ignore[arg-type]
            run.add(parent, SCHEMA.endDate, date_literal(points[-1].begin), ev)  # type: ignore[arg-type]
            if count:
                number = re.sub(r"\s", "", count.group("a") or count.group("b") or count.group("c"))
                c_start = (
                    start
                    if count.start() < len(sentence)
                    else sentences[idx + 1][0] - len(sentence) - 1
                ) + count.start()
                c_ev = run.evidence(c_start, c_start + len(count.group()), X_EVENT)
                run.add(
                    parent, HK.participantCount, Literal(int(number), datatype=XSD.integer), c_ev
                )
            if len(points) > 1:
                for p in points:
                    assert p.begin is not None
                    sub = self.iris.event(slug, f"{label}-{p.begin.iso()}-session")
                    p_ev = run.evidence(p.start, p.end, X_EVENT)
                    run.add(parent, SCHEMA.subEvent, sub, p_ev)
                    run.add(sub, RDF.type, SCHEMA.Event)
                    run.add(
                        sub,
                        SCHEMA.name,
                        Literal(
                            f"{label} {p.begin.day}.{p.begin.month}.{p.begin.year}", lang=run.lang
                        ),
                    )
                    run.add(sub, SCHEMA.startDate, date_literal(p.begin), p_ev)
