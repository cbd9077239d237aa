"""Read-side views of the graph: what the API, the CLI and the UI show.

Each function runs a handful of SPARQL queries and returns plain dataclasses,
so the HTTP schemas and templates never see SPARQL result objects.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph.errors import NotFound
from graph.store.base import GraphStore
from graph.vocab import HK, PROV, RDF, RDFS, SCHEMA, SKOS

#: Project link predicates shown as organisation roles, in display order.
ROLE_PREDICATES = {
    "funder": SCHEMA.funder,
    "coordinator": HK.coordinator,
    "implementer": HK.implementer,
    "partner": HK.partner,
    "steeringGroupMember": HK.steeringGroupMember,
}
PERSON_PREDICATES = {
    "responsiblePerson": HK.responsiblePerson,
    "contactPerson": HK.contactPerson,
    "person": HK.person,
}


@dataclass
class Ref:
    """A linked entity: IRI plus a display name."""

    iri: str
    name: str
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class EvidenceView:
    """One fact about the project and where it was read."""

    predicate: str
    object: str
    quote: str
    start: int
    end: int
    extractor: str
    document: str
    score: float | None = None


@dataclass
class ProjectView:
    """Everything the project page and ``GET /api/projects/{id}`` show."""

    iri: str
    names: dict[str, str]
    description: str | None
    start_date: str | None
    end_date: str | None
    status: str | None
    roles: dict[str, list[Ref]]
    persons: dict[str, list[Ref]]
    places: list[Ref]
    themes: list[Ref]
    parents: list[Ref]
    related: list[Ref]
    publications: list[Ref]
    events: list[dict[str, Any]]
    target_groups: list[str]
    documents: list[Ref]
    evidence: list[EvidenceView]


def _value(term: Any) -> str:
    return str(term)


def _lang(term: Any) -> str:
    return str(getattr(term, "language", None) or "")


def display_names(store: GraphStore, iris: list[str]) -> dict[str, dict[str, str]]:
    """Names of many entities in one query: IRI -> {language: name}."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in dict.fromkeys(iris))
    rows = store.select(
        f"""SELECT ?s ?n WHERE {{ VALUES ?s {{ {values} }}
              {{ ?s <{SCHEMA.name}> ?n }} UNION {{ ?s <{SKOS.prefLabel}> ?n }}
              UNION {{ ?s <{RDFS.label}> ?n }} }}"""
    )
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        out[_value(row["s"])].setdefault(_lang(row["n"]), _value(row["n"]))
    return dict(out)


def pick_name(names: dict[str, str], lang: str = "fi", fallback: str = "") -> str:
    """The name in ``lang``, else Finnish, else untagged, else any."""
    for key in (lang, "fi", "", "en", "sv"):
        if key in names:
            return names[key]
    return next(iter(names.values()), fallback)


def _refs(store: GraphStore, iris: list[str], lang: str) -> list[Ref]:
    names = display_names(store, iris)
    refs = [
        Ref(i, pick_name(names.get(i, {}), lang, i.rsplit("/", 1)[-1]), names.get(i, {}))
        for i in dict.fromkeys(iris)
    ]
    return sorted(refs, key=lambda r: r.name.lower())


def project_exists(store: GraphStore, iri: str) -> bool:
    """Whether ``iri`` is a project in the graph."""
    return bool(store.ask(f"ASK {{ <{iri}> a <{HK.Project}> }}"))


def project_view(store: GraphStore, iri: str, lang: str = "fi") -> ProjectView:
    """Assemble a project's page.

    Raises:
        NotFound: ``iri`` is not a project.
    """
    if not project_exists(store, iri):
        raise NotFound(f"no project {iri}")
    links: dict[str, list[str]] = defaultdict(list)
    literals: dict[str, list[Any]] = defaultdict(list)
    for row in store.select(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"):
        obj = row["o"]
        key = _value(row["p"])
        if type(obj).__name__ == "Literal":
            literals[key].append(obj)
        else:
            links[key].append(_value(obj))

    def first_literal(pred: Any) -> str | None:
        values = literals.get(str(pred), [])
        return _value(values[0]) if values else None

    names = {_lang(n): _value(n) for n in literals.get(str(SCHEMA.name), [])}
    descriptions = literals.get(str(SCHEMA.description), [])
    description = _value(descriptions[0]) if descriptions else None
    status_iri = next(iter(links.get(str(HK.status), [])), None)
    status = None
    if status_iri:
        status = pick_name(
            display_names(store, [status_iri]).get(status_iri, {}),
            lang,
            status_iri.rsplit("#", 1)[-1],
        )
    elif literals.get(str(HK.status)):
        status = _value(literals[str(HK.status)][0])
    events = []
    for ev in links.get(str(SCHEMA.event), []):
        props = {
            _value(r["p"]).rsplit("/", 1)[-1].rsplit("#", 1)[-1]: _value(r["o"])
            for r in store.select(f"SELECT ?p ?o WHERE {{ <{ev}> ?p ?o }}")
        }
        events.append({"iri": ev, **props})
    return ProjectView(
        iri=iri,
        names=names,
        description=description,
        start_date=first_literal(SCHEMA.startDate),
        end_date=first_literal(SCHEMA.endDate),
        status=status,
        roles={
            role: _refs(store, links.get(str(pred), []), lang)
            for role, pred in ROLE_PREDICATES.items()
            if links.get(str(pred))
        },
        persons={
            role: _refs(store, links.get(str(pred), []), lang)
            for role, pred in PERSON_PREDICATES.items()
            if links.get(str(pred))
        },
        places=_refs(store, links.get(str(SCHEMA.areaServed), []), lang),
        themes=_refs(store, links.get(str(SCHEMA.about), []), lang),
        parents=_refs(store, links.get(str(SCHEMA.isPartOf), []), lang),
        related=_refs(store, links.get(str(HK.relatedProject), []), lang),
        publications=_refs(store, links.get(str(SCHEMA.subjectOf), []), lang),
        events=events,
        target_groups=[_value(v) for v in literals.get(str(HK.targetGroup), [])],
        documents=_refs(store, links.get(str(PROV.wasDerivedFrom), []), lang),
        evidence=project_evidence(store, iri),
    )


def project_evidence(store: GraphStore, iri: str) -> list[EvidenceView]:
    """Evidence for every fact whose subject is the project."""
    rows = store.select(
        f"""SELECT ?p ?o ?q ?s ?e ?x ?d ?score WHERE {{
          ?ev a <{HK.Evidence}> ; <{RDF.subject}> <{iri}> ; <{RDF.predicate}> ?p ;
              <{RDF.object}> ?o ; <{HK.quote}> ?q ; <{HK.startOffset}> ?s ;
              <{HK.endOffset}> ?e ; <{HK.extractor}> ?x ; <{PROV.wasDerivedFrom}> ?d .
          OPTIONAL {{ ?ev <{HK.score}> ?score }} }} ORDER BY ?s"""
    )
    return [
        EvidenceView(
            predicate=_value(r["p"]),
            object=_value(r["o"]),
            quote=_value(r["q"]),
            start=int(_value(r["s"])),
            end=int(_value(r["e"])),
            extractor=_value(r["x"]),
            document=_value(r["d"]),
            score=float(_value(r["score"])) if r["score"] is not None else None,
        )
        for r in rows
    ]
