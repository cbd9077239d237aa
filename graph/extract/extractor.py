"""The extractor: one loaded document in, sourced facts about its project out.

The pipeline per document, one named step each (the mixins this class joins):

1. find site chrome (:mod:`graph.extract.text`) so that nothing in navigation
   becomes an entity;
2. read labelled fields (:mod:`graph.load.layout`) and NER proposals
   (:mod:`graph.extract.ner`);
3. decide the project's names, dates, status and description;
4. resolve organisations by role, persons, places, related projects,
   publications, events, target group and themes.

spaCy's NER only *proposes* persons and organisations; the gazetteer linker
and the rules decide what reaches the graph. Every fact with a textual basis
carries an :class:`~graph.model.Evidence` whose offsets point into
``document.text``.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from rdflib import Literal, URIRef

from graph.errors import DocumentError
from graph.extract.dates import DateSteps
from graph.extract.money import MoneySteps
from graph.extract.names import NameSteps
from graph.extract.ner import NerStep
from graph.extract.participants import ParticipantSteps
from graph.extract.persons import PersonSteps
from graph.extract.places import PlaceSteps
from graph.extract.related import RelatedSteps
from graph.extract.run import LinkerLike, Run, theme_matcher
from graph.extract.target import TargetGroupStep
from graph.extract.text import chrome_spans, sentence_spans
from graph.extract.themes import ThemeStep
from graph.extract.works import WorkSteps
from graph.iris import Iris
from graph.language.finnish import Morphology, morphology
from graph.link.themes import ThemeMatcher
from graph.load.layout import fields_by_key, parse_fields
from graph.model import Document, Extraction
from graph.vocab import HK, RDF, SCHEMA


class Extractor(
    NerStep,
    NameSteps,
    DateSteps,
    PersonSteps,
    PlaceSteps,
    RelatedSteps,
    WorkSteps,
    TargetGroupStep,
    ThemeStep,
    MoneySteps,
    ParticipantSteps,
):
    """Extracts facts about the project(s) a document describes."""

    def __init__(
        self,
        nlp: Any,
        linker: LinkerLike,
        iris: Iris,
        reference: Any = None,
        *,
        themes: ThemeMatcher | None = None,
        today: date | None = None,
        morph: Morphology | None = None,
        budget_s: float | None = None,
    ) -> None:
        self.nlp = nlp
        self.linker = linker
        self.iris = iris
        self.reference = reference
        if themes is None and reference is not None:
            themes = theme_matcher(str(reference.directory / "yso_subset.csv"))
        self.themes = themes
        self.today = today
        self.morph = morph or morphology()
        #: Seconds one document's extraction may take (``None``: no limit).
        self.budget_s = budget_s

    def extract(self, document: Document, document_iri: URIRef) -> Extraction:
        """All facts of ``document``; the first project IRI is the main project.

        Raises:
            DocumentError: the extraction passed :attr:`budget_s` (checked
                between steps, which are each linear in the text's length).
        """
        due = _Deadline(document.path, self.budget_s)
        text = document.text
        run = Run(document, document_iri, text, document.language, chrome_spans(text))
        fields = parse_fields(text)
        fmap = fields_by_key(fields)
        ents = self._entities(run)
        due("entities")
        sentences = sentence_spans(text)

        names = self._names(run, fmap)
        due("names")
        project: URIRef | None = None
        if names and self._looks_like_project(run, fmap):
            primary_name, primary_lang, primary_ev = names[0]
            project = self.iris.project(primary_name)
            run.add(project, RDF.type, HK.Project)
            run.add(project, RDF.type, SCHEMA.Project)
            for name, lang, ev in names:
                run.add(project, SCHEMA.name, Literal(name, lang=lang), ev)
        else:
            run.warnings.append(
                f"{document.path}: no project recognised; entities are linked to the document"
            )
        subject = project or document_iri
        orgs = self._organisations(run)
        due("organisations")
        # Named organisations replace the gazetteer mentions inside them (in ``orgs``).
        named = self._named_orgs(run, orgs)
        due("named_orgs")
        orgs = sorted([*orgs, *named], key=lambda o: o.start)
        predecessors = self._predecessors(run, orgs)
        # A predecessor named beside its successor takes no part through that mention;
        # the NER proposals must not bring it back either.
        run.set_aside = [(o.start, o.end) for o in predecessors]
        acting = [o for o in orgs if o not in predecessors]
        if project is not None:
            self._project_dates(run, project, fmap, sentences, names)
            due("project_dates")
            self._description(run, project, fmap)
            assigned = self._org_roles(run, project, fields, acting, sentences, ents)
            due("org_roles")
            self._participants(run, project, acting, assigned)
            self._persons(run, project, fields, ents)
            due("persons")
            self._places(run, project, fmap, sentences, orgs, assigned=assigned)
            due("places")
            self._related_projects(run, project, names, sentences, ents)
            due("related_projects")
            self._publications(run, project, sentences)
            due("publications")
            self._events(run, project, sentences)
            due("events")
            self._target_group(run, project, fmap)
            self._themes(run, project, names, acting)
            due("themes")
            self._money(
                run,
                project,
                fields,
                sentences,
                acting,
                assigned.get("funder", set()),
                [n for n, _, _ in names],
            )
            due("money")
        for org in orgs:
            run.add(
                document_iri,
                SCHEMA.mentions,
                org.iri,
                run.evidence(org.start, org.end, org.extractor),
            )
            self._describe_org(run, org)
        if project is None:
            # A page with no project is still about something (schema:about on the page).
            self._themes(run, document_iri, names, orgs)
            self._persons(run, subject, fields, ents, predicate=SCHEMA.mentions)
            self._places(run, subject, fmap, sentences, orgs, predicate=SCHEMA.mentions)
        return Extraction(
            document=document,
            document_iri=document_iri,
            project_iris=[project] if project is not None else [],
            facts=run.facts,
            warnings=run.warnings,
        )


class _Deadline:
    """The time budget of one document's extraction, checked between steps."""

    def __init__(self, path: str, budget_s: float | None) -> None:
        self.path = path
        self.budget_s = budget_s
        self.end = None if budget_s is None else time.monotonic() + budget_s

    def __call__(self, step: str) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise DocumentError(
                f"{self.path}: extraction took longer than its budget of {self.budget_s:g} s "
                f"(at {step}); split the document, or raise HANKEKG_DOCUMENT_BUDGET_S"
            )
