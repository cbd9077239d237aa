"""The project's period and status: fields, a range in a project sentence, or start/end cues."""

from __future__ import annotations

import logging
import re
from datetime import date

from rdflib import Literal, URIRef

from graph.extract.cues import (
    DURATION_NUMBERS,
    DURATION_YEARS,
    END_CUE,
    NOT_PROJECT_NAMES,
    PILOT,
    PROJECT_SENTENCE,
    PROJECT_WORDS,
    START_AND_END,
    START_CUE,
    TRAINING,
)
from graph.extract.run import X_DATES, X_FIELD, X_STATUS, Run, Steps
from graph.language.dates import DateSpan, PartialDate, find_dates, with_offset
from graph.load.layout import Field
from graph.model import Evidence
from graph.vocab import HK, SCHEMA, XSD

logger = logging.getLogger(__name__)

#: A named project or programme right before a period: "Kotiapu-hanke (2014-2016)",
#: "Ovi-valmennushankkeessa (2010–2012)", "the KOTI programmes (2005-2010)".
_NAMED_BEFORE = re.compile(
    r"(?:(?P<name>[A-ZÅÄÖ0-9][\w+&.-]*?)-?(?:hank\w*|projekt\w*|ohjelm\w*)"
    r"|(?P<long>[A-ZÅÄÖ0-9][\w+&.-]*(?:[ ][\w+&.-]+){0,2}?)[ ]-(?:hank\w*|projekt\w*|ohjelm\w*)"
    r"|(?P<en>[A-Z][\w+&.-]*)[ ](?:programmes?|programs?|projects?))\s*[(:,–-]?\s*$"
)
#: A period of several projects: "Liiton projektit 1995–2020", "projects 2000-2010".
_SERIES_BEFORE = re.compile(
    r"\w*(hankkeet|projektit|ohjelmat|hankkeita|projekteja|projects|programmes)\s*[(:,–-]?\s*$",
    re.I,
)
#: A start verb after the date in the same clause: "Syksyllä 2014 käynnistyi hanke",
#: "Early in 2016, the first pilots of the project got under way".
_START_AFTER = re.compile(
    r"^[^.;]{0,80}?\b(alkoi|alkoivat|käynnistyi\w*|käynnistettiin|aloitti\w*|aloitettiin|"
    r"started|began|got under\s?way|(?:was|were) launched)\b",
    re.I,
)
#: Words before "project" that name no project: "The project (2016-2018)".
_NOT_NAMES = frozenset("the this our its a an their new pilot tämä tämän meidän uusi".split())
#: A period heading a named project: "2014-2016 Kotiapu-hanke".
_NAMED_AFTER = re.compile(
    r"^\s*[):,–-]?\s*(?P<name>[A-ZÅÄÖ0-9][\w+&.-]*?(?:\s[\w+&.-]+){0,3}?)(?:-|\s-|\s)?"
    r"(?:hanke|projekti|ohjelma)\b"
)


class DateSteps(Steps):
    """Project dates and status."""

    def _project_dates(
        self,
        run: Run,
        project: URIRef,
        fmap: dict[str, Field],
        sentences: list[tuple[int, int]],
        names: list[tuple[str, str, Evidence | None]],
    ) -> None:
        begin: tuple[PartialDate, DateSpan] | None = None
        finish: tuple[PartialDate, DateSpan] | None = None

        def spans_in(f: Field) -> list[DateSpan]:
            return [with_offset(s, f.start) for s in find_dates(f.value)]

        if "start" in fmap:
            for s in spans_in(fmap["start"]):
                if s.begin is not None:
                    begin = (s.begin, s)
                    if s.kind == "range" and s.finish is not None and "end" not in fmap:
                        finish = (s.finish, s)
                    break
        if "end" in fmap:
            for s in spans_in(fmap["end"]):
                if s.finish is not None:
                    finish = (s.finish, s)
                    break
        if "duration" in fmap and (begin is None or finish is None):
            for s in spans_in(fmap["duration"]):
                if begin is None and s.begin is not None and s.kind in ("range", "from"):
                    begin = (s.begin, s)
                if finish is None and s.finish is not None and s.kind in ("range", "until"):
                    finish = (s.finish, s)
                if begin and finish:
                    break
        extractor = X_FIELD
        if begin is None and finish is None:
            extractor = X_DATES
            found = self._start_and_end(run) or self._dates_from_text(run, sentences, names)
            if found is not None:
                begin, finish = found
            if begin is not None and finish is None:
                finish = _finish_from_length(run.text, begin)
        if begin is not None:
            run.add(
                project,
                SCHEMA.startDate,
                date_literal(begin[0]),
                run.evidence(begin[1].start, begin[1].end, extractor),
            )
        if finish is not None:
            end_lit = date_literal(finish[0])
            ev = run.evidence(finish[1].start, finish[1].end, extractor)
            run.add(project, SCHEMA.endDate, end_lit, ev)
            today = self.today or date.today()
            status = HK.StatusEnded if finish[0].last_day() < today else HK.StatusOngoing
            run.add(
                project, HK.status, status, run.evidence(finish[1].start, finish[1].end, X_STATUS)
            )

    def _dates_from_text(
        self,
        run: Run,
        sentences: list[tuple[int, int]],
        names: list[tuple[str, str, Evidence | None]],
    ) -> tuple[tuple[PartialDate, DateSpan] | None, tuple[PartialDate, DateSpan] | None] | None:
        text = run.text
        # 1. a period in the title: "Tulevaisuuden lastensuojelu -hanke (2020-2022)".
        for _, _, ev in names:
            if ev is None:
                continue
            for s in find_dates(ev.quote):
                if s.kind == "range" and s.begin is not None and s.finish is not None:
                    moved = with_offset(s, ev.start)
                    return (s.begin, moved), (s.finish, moved)
        own = {w.casefold() for name, _, _ in names for w in re.findall(r"[\w+&.]+", name)}
        # A pilot's period is another work's, unless the project is the pilot(s).
        piloting = any(PILOT.search(name) for name, _, _ in names)
        ranges: list[DateSpan] = []
        project_ranges: list[DateSpan] = []
        named: dict[str, list[DateSpan]] = {}
        for start, end in sentences:
            if run.in_chrome(start, end):
                continue
            sentence = text[start:end]
            spans = []
            for s in (with_offset(s, start) for s in find_dates(sentence)):
                if s.kind != "range" or not s.begin or not s.finish or s.approximate:
                    continue
                other = _other_projects_name(text, s, own)
                if other is None:
                    spans.append(s)
                elif other != _SERIES:
                    named.setdefault(other.casefold(), []).append(s)
            if (
                not spans
                or (PILOT.search(sentence) and not piloting)
                or TRAINING.search(sentence)
                and not PROJECT_SENTENCE.search(sentence)
            ):
                continue
            ranges.extend(spans)
            if PROJECT_SENTENCE.search(sentence):
                project_ranges.extend(spans)
        chosen = project_ranges or (ranges if len(ranges) <= 5 else [])
        if not chosen:
            found = self._dates_from_cues(run, sentences)
            if (
                found is not None
                or len(named) != 1
                or any(_WORK_NAME.search(n) for n, _, _ in names)
            ):
                return found
            # A page titled as a story, not a project, that opens with one named
            # project: "Kokemus käyttöön -hanke (2018–2020) kouluttaa …" is its project.
            chosen = next(iter(named.values()))
            opening = next((a for a, b in sentences if not run.in_chrome(a, b)), 0)
            its_start = max((a for a, _ in sentences if a <= chosen[0].start), default=0)
            if chosen[0].start - opening > _OPENING_CHARS or not _OPENS_WITH_NAME.fullmatch(
                text[its_start : chosen[0].start]
            ):
                return None
        first = min(chosen, key=lambda s: s.begin.first_day())  # type: ignore[union-attr]
        last = max(chosen, key=lambda s: s.finish.last_day())  # type: ignore[union-attr]
        assert first.begin is not None and last.finish is not None
        return (first.begin, first), (last.finish, last)

    def _start_and_end(
        self, run: Run
    ) -> tuple[tuple[PartialDate, DateSpan], tuple[PartialDate, DateSpan]] | None:
        """ "Toteutusaika: Alkaa 1.3.2016 ja päättyy 31.12.2019" (the EURA2014 record
        form), "started in May 2018 and ends in 2021": one line that states both."""
        for m in START_AND_END.finditer(run.text):
            if run.in_chrome(m.start(), m.end()):
                continue
            spans = [with_offset(s, m.start()) for s in find_dates(m.group())]
            first = next((s for s in spans if s.begin is not None), None)
            last = next((s for s in reversed(spans) if s.finish is not None), None)
            if first is None or last is None or first is last:
                continue
            assert first.begin is not None and last.finish is not None
            if first.begin.first_day() > last.finish.last_day():
                continue
            return (first.begin, first), (last.finish, last)
        return None

    def _dates_from_cues(
        self, run: Run, sentences: list[tuple[int, int]]
    ) -> tuple[tuple[PartialDate, DateSpan] | None, tuple[PartialDate, DateSpan] | None] | None:
        """ "Hanke alkoi syksyllä 2014 ja päättyy 31.12.2016": a date after a start
        or end verb in a sentence about the project."""
        begin: tuple[PartialDate, DateSpan] | None = None
        finish: tuple[PartialDate, DateSpan] | None = None
        for start, end in sentences:
            sentence = run.text[start:end]
            if run.in_chrome(start, end) or not PROJECT_WORDS.search(sentence):
                continue
            for span in find_dates(sentence):
                before = sentence[max(0, span.start - 60) : span.start]
                moved = with_offset(span, start)
                after = sentence[span.end : span.end + 90]
                if (
                    begin is None
                    and span.begin is not None
                    and (START_CUE.search(before) or _START_AFTER.match(after))
                ):
                    begin = (span.begin, moved)
                elif finish is None and span.finish is not None and END_CUE.search(before):
                    finish = (span.finish, moved)
        if begin is None and finish is None:
            return None
        if begin and finish and begin[0].first_day() > finish[0].last_day():
            return None
        return begin, finish


def _finish_from_length(
    text: str, begin: tuple[PartialDate, DateSpan]
) -> tuple[PartialDate, DateSpan] | None:
    """ "käynnistää tammikuussa 2021 kolmivuotisen hankkeen": the end year from a
    stated length next to the start (a start in January or of unknown month ends
    the year before the anniversary; a later one, in the anniversary year)."""
    start, span = begin
    offset = max(0, span.start - 80)
    m = DURATION_YEARS.search(text[offset : span.end + 80])
    if m is None:
        return None
    word = (m.group("n") or m.group("en")).lower()
    years = int(word) if word.isdigit() else DURATION_NUMBERS[word]
    finish = PartialDate(start.year + years - (1 if start.month in (None, 1) else 0))
    # The evidence quotes the start and the length together.
    first, last = min(span.start, offset + m.start()), max(span.end, offset + m.end())
    return finish, DateSpan(first, last, text[first:last], "range", start, finish)


#: How far into the text a page's one named project may first get its period.
_OPENING_CHARS = 300
#: A sentence that opens with a named project and its period: "Kokemus käyttöön -hanke (".
_OPENS_WITH_NAME = re.compile(
    r"\s*[A-ZÅÄÖ][\w\s&+-]{0,60}?(?:\s?-\s?(?:hanke|projekti|ohjelma)|\s(?:project|programme))"
    r"\s*\(\s*"
)
#: A project's own name says what it is ("… -hanke", "… programme").
_WORK_NAME = re.compile(r"hank|projekt|ohjelm|project|programme", re.I)
#: What :func:`_other_projects_name` returns for the period of a series.
_SERIES = "<series>"


def _other_projects_name(text: str, span: DateSpan, own: set[str]) -> str | None:
    """The name of another project or programme whose period ``span`` is, else ``None``.

    A page that lists projects ("2014-2016 Kotiapu-hanke", "the KOTI
    programmes (2005-2010)") gives each its own period; none of them is the
    period of the page's project unless the name is the project's own. Nor is
    the period of a series ("Liiton projektit 1995–2020"): :data:`_SERIES`."""
    if _SERIES_BEFORE.search(text[max(0, span.start - 40) : span.start]):
        return _SERIES
    before = _NAMED_BEFORE.search(text[max(0, span.start - 60) : span.start])
    after = _NAMED_AFTER.match(text[span.end : span.end + 60])
    for found in (before, after):
        if found is None:
            continue
        name = next(g for g in found.groupdict().values() if g)
        words = [
            w
            for w in re.findall(r"[\w+&.]+", name)
            if w.casefold() not in NOT_PROJECT_NAMES and w.casefold() not in _NOT_NAMES
        ]
        if words and not any(w.casefold() in own for w in words):
            return name
    return None


def date_literal(value: PartialDate) -> Literal:
    """``xsd:date`` when the day is known, else ``xsd:gYear`` (the vocabulary contract)."""
    if value.day is not None:
        return Literal(value.iso(), datatype=XSD.date)
    return Literal(f"{value.year:04d}", datatype=XSD.gYear)
