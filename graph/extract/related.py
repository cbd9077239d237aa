"""Related projects and programmes the text names ("Savotta-hankkeessa")."""

from __future__ import annotations

import logging
import re

from rdflib import Literal, URIRef

from graph.extract.cues import NOT_PROJECT_NAMES, PART_OF_AFTER, PART_OF_BEFORE, PROJECT_MENTION
from graph.extract.organisations import OrganisationSteps
from graph.extract.run import X_NER, X_PROJECT, Run
from graph.extract.text import sentence_initial
from graph.iris import slugify
from graph.model import Evidence
from graph.vocab import HK, PROV, RDF, SCHEMA

logger = logging.getLogger(__name__)


class RelatedSteps(OrganisationSteps):
    """Related projects and their owners."""

    def _related_projects(
        self,
        run: Run,
        project: URIRef,
        names: list[tuple[str, str, Evidence | None]],
        sentences: list[tuple[int, int]],
        ents: list[tuple[int, int, str, str]],
    ) -> None:
        text = run.text
        own = {slugify(n) for n, _, _ in names}
        own_spans = [(ev.start, ev.end) for _, _, ev in names if ev is not None]
        for start, end in sentences:
            if run.in_chrome(start, end):
                continue
            sentence = text[start:end]
            for m in PROJECT_MENTION.finditer(sentence):
                s0 = start + m.start("name")
                if any(a <= s0 < b for a, b in own_spans):
                    continue
                name_start, name = self._project_name(sentence, m)
                if not name or name.lower() in NOT_PROJECT_NAMES or len(name) < 3:
                    continue
                ms, me = start + name_start, start + m.end()
                org_link = self.linker.link_organisation(name)
                if org_link is not None:
                    # "ESR-hanke", "STEA-rahoitteinen": the organisation funds it.
                    continue
                slug = slugify(name)
                if slug in own or any(slug in o or o.startswith(slug) for o in own):
                    continue
                if self._common_word_name(name, sentence, name_start, m.group("kind")):
                    continue
                iri = self.iris.project(name)
                if iri == project:
                    continue
                part_of = bool(
                    PART_OF_AFTER.match(sentence[m.end() :])
                    or PART_OF_BEFORE.search(sentence[:name_start])
                    or m.group("kind").lower().startswith("ohjelm")
                )
                ev = run.evidence(ms, me, X_PROJECT)
                run.add(project, SCHEMA.isPartOf if part_of else HK.relatedProject, iri, ev)
                # A project only mentioned here is a schema:Project; it becomes an
                # hk:Project (one described by a document of the corpus) when a
                # document about it is ingested.
                run.add(iri, RDF.type, SCHEMA.Project)
                run.add(iri, SCHEMA.name, Literal(name, lang=run.lang), ev)
                # The mentioned project, too, is known from this document.
                run.add(iri, PROV.wasDerivedFrom, run.doc_iri)
                self._owner_of_project(run, iri, start + name_start, ents)

    def _common_word_name(self, name: str, sentence: str, pos: int, kind: str) -> bool:
        """ "Hoito-ohjelman", "Kehittämis-hanke": an ordinary word capitalised by
        position is not a name. Programmes need a proper name; projects only when
        the word opens the sentence."""
        if " " in name or not name.isalpha() or not name[1:].islower():
            return False
        classes = {a.get("CLASS") for a in self.morph.analyses(name)}
        if not classes or classes & {"etunimi", "sukunimi", "nimi", "paikannimi"}:
            return False
        return kind.lower().startswith("ohjelm") or sentence_initial(sentence, pos)

    def _project_name(self, sentence: str, m: re.Match[str]) -> tuple[int, str]:
        """The name before "-hanke": one glued token, or words back to a capital."""
        if m.group("sep") == "-":
            return m.start("name"), m.group("name")
        # "Tulevaisuuden lastensuojelu -hanke": walk back over words to the nearest capital.
        head_end = m.start("sep")
        words = list(re.finditer(r"[\wÅÄÖåäö+&.-]+", sentence[:head_end]))[-6:]
        start = m.start("name")
        for w in reversed(words):
            if w.group()[:1].isupper() or w.group()[:1].isdigit():
                start = w.start()
                # extend over directly preceding capitalised words ("Hyvä Arki")
                idx = words.index(w)
                while idx > 0 and words[idx - 1].group()[:1].isupper():
                    idx -= 1
                    start = words[idx].start()
                break
        return start, sentence[start:head_end].strip()

    def _owner_of_project(
        self, run: Run, project: URIRef, name_start: int, ents: list[tuple[int, int, str, str]]
    ) -> None:
        """ "Lapin korkeakoulukonsernin Savotta-hankkeessa": the genitive owner coordinates."""
        text = run.text
        before = text[max(0, name_start - 80) : name_start]
        span: tuple[int, int] | None = None
        for s, e, label, _ in ents:
            if label == "ORG" and 0 <= name_start - e <= 1:
                span = (s, e)
        if span is None:
            m = re.search(r"((?:[A-ZÅÄÖ][\wåäö-]*\s+){0,3}[\wåäö-]+n)\s+$", before)
            if m and m.group(1)[:1].isupper():
                s = name_start - len(before) + m.start(1)
                span = (s, s + len(m.group(1)))
        if span is None:
            return
        s, e = span
        org = self._resolve_org(run, s, e, X_NER)
        if org is None or not text[s:e].rstrip().endswith("n"):
            return
        run.add(project, HK.coordinator, org.iri, run.evidence(s, e, org.extractor))
        self._describe_org(run, org)
