"""Read-side views of the graph: what the API, the CLI and the UI show.

Each function runs a handful of SPARQL queries and returns plain dataclasses,
so the HTTP schemas and templates never see SPARQL result objects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graph.errors import NotFound
from graph.store.base import GraphStore
from graph.views.money import MoneyView, project_money
from graph.vocab import HK, PROV, RDF, RDFS, SCHEMA, SKOS

V = TypeVar("V")

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
    """A linked entity: IRI, display name, and where known its UI page and kind."""

    iri: str
    name: str
    names: dict[str, str] = field(default_factory=dict)
    href: str | None = None
    """The entity's page in the web UI (``/place/698``), when it has one."""
    kind: str | None = None
    """For places: the place class ("Municipality", "Region", ...)."""


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
    subject: str | None = None
    """The fact's subject (another project, where this one is only mentioned)."""


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
    described: bool = True
    """``False`` for a project the corpus only mentions (``schema:Project``, not ``hk:Project``)."""
    mentioned_by: list[Ref] = field(default_factory=list)
    """Projects that name this one as related or as their parent."""
    money: list[MoneyView] = field(default_factory=list)
    """Grants to the project and its budget (:mod:`graph.views.money`)."""


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


def remembered(
    cache: dict[str, V], keys: Iterable[str], fetch: Callable[[list[str]], dict[str, V]], absent: V
) -> dict[str, V]:
    """``fetch(keys)`` through ``cache`` (one per data version): only the keys not
    seen yet are fetched, and a key ``fetch`` did not answer is remembered as
    ``absent`` and left out of the result."""
    wanted = list(dict.fromkeys(keys))
    missing = [k for k in wanted if k not in cache]
    if missing:
        found = fetch(missing)
        for key in missing:
            cache[key] = found.get(key, absent)
    return {k: cache[k] for k in wanted if cache[k] != absent}


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
    """Whether ``iri`` is a project some document describes (``hk:Project``)."""
    return bool(store.ask(f"ASK {{ <{iri}> a <{HK.Project}> }}"))


def project_mentioned(store: GraphStore, iri: str) -> bool:
    """Whether ``iri`` is a project the graph names at all (described or only mentioned)."""
    return bool(
        store.ask(f"ASK {{ VALUES ?t {{ <{HK.Project}> <{SCHEMA.Project}> }} <{iri}> a ?t }}")
    )


def project_view(store: GraphStore, iri: str, lang: str = "fi") -> ProjectView:
    """Assemble a project's page.

    Raises:
        NotFound: ``iri`` is not a project.
    """
    if not safe_iri(iri) or not project_mentioned(store, iri):
        raise NotFound(f"no project {iri}")
    described = project_exists(store, iri)
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
        roles=_roles(store, links, lang),
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
        evidence=project_evidence(store, iri, as_object=not described),
        described=described,
        mentioned_by=_refs(
            store,
            [
                _value(r["s"])
                for r in store.select(
                    f"""SELECT DISTINCT ?s WHERE {{
                      VALUES ?r {{ <{HK.relatedProject}> <{SCHEMA.isPartOf}> }}
                      ?s ?r <{iri}> . ?s a <{HK.Project}> }}"""
                )
            ],
            lang,
        ),
        money=project_money(store, iri),
    )


def _roles(store: GraphStore, links: dict[str, list[str]], lang: str) -> dict[str, list[Ref]]:
    """Organisations by role; ``participant`` lists only those with no other role
    (``hk:participant`` is the superproperty of every role)."""
    out = {
        role: _refs(store, links.get(str(pred), []), lang)
        for role, pred in ROLE_PREDICATES.items()
        if links.get(str(pred))
    }
    with_role = {r.iri for refs in out.values() for r in refs}
    rest = [o for o in links.get(str(HK.participant), []) if o not in with_role]
    if rest:
        out["participant"] = _refs(store, rest, lang)
    return out


def project_evidence(store: GraphStore, iri: str, as_object: bool = False) -> list[EvidenceView]:
    """Evidence for every fact whose subject is the project.

    Args:
        as_object: also the facts naming the project as their object: for a
            project only mentioned, these are where the corpus mentions it.
    """
    subject = (
        f"{{ ?ev <{RDF.subject}> <{iri}> }} UNION {{ ?ev <{RDF.object}> <{iri}> }}"
        if as_object
        else f"?ev <{RDF.subject}> <{iri}> ."
    )
    rows = store.select(
        f"""SELECT ?subj ?p ?o ?q ?s ?e ?x ?d ?score WHERE {{ {subject}
          ?ev a <{HK.Evidence}> ; <{RDF.subject}> ?subj ; <{RDF.predicate}> ?p ;
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
            subject=_value(r["subj"]),
        )
        for r in rows
    ]


@dataclass
class ProjectRow:
    """One project as a flat record: a row of the search exports."""

    iri: str
    names: dict[str, str]
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    roles: dict[str, list[str]] = field(default_factory=dict)
    """Role -> organisation names."""
    places: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    """URLs of the source documents (file names where a document has none)."""


def project_rows(store: GraphStore, iris: list[str], lang: str = "fi") -> list[ProjectRow]:
    """Flat records for many projects (or documents) in a fixed number of queries.

    ``iris`` keep their order; an IRI the graph does not describe still gets a
    row with what is known (possibly nothing but the IRI).
    """
    wanted = [i for i in dict.fromkeys(iris) if safe_iri(i)]
    rows = {i: ProjectRow(i, {}) for i in wanted}
    if not wanted:
        return []
    role_of = {str(p): role for role, p in ROLE_PREDICATES.items()}
    role_of[str(HK.participant)] = "participant"
    listed = {
        str(SCHEMA.areaServed): "places",
        str(SCHEMA.about): "themes",
        str(HK.status): "status",
        str(PROV.wasDerivedFrom): "sources",
    }
    predicates = ", ".join(
        f"<{p}>" for p in (*role_of, *listed, SCHEMA.name, SCHEMA.startDate, SCHEMA.endDate)
    )
    values = " ".join(f"<{i}>" for i in wanted)
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in store.select(
        f"SELECT ?x ?p ?o WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?o "
        f"FILTER(?p IN ({predicates})) }}"
    ):
        x, p, o = _value(r["x"]), _value(r["p"]), r["o"]
        row = rows[x]
        if p == str(SCHEMA.name):
            row.names.setdefault(_lang(o), _value(o))
        elif p == str(SCHEMA.startDate):
            row.start_date = min(filter(None, (row.start_date, _value(o))))
        elif p == str(SCHEMA.endDate):
            row.end_date = max(filter(None, (row.end_date, _value(o))))
        else:
            links[x][p].append(_value(o))
    objects = [o for by_p in links.values() for os in by_p.values() for o in os]
    names = display_names(store, [o for o in objects if safe_iri(o)])
    documents = document_sources(
        store, [d for by_p in links.values() for d in by_p.get(str(PROV.wasDerivedFrom), [])]
    )

    def name(iri: str) -> str:
        return pick_name(names.get(iri, {}), lang, iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1])

    for x, by_p in links.items():
        row = rows[x]
        taken: set[str] = set()
        for p, os in by_p.items():
            if p in role_of and role_of[p] != "participant":
                row.roles[role_of[p]] = sorted({name(o) for o in os})
                taken |= set(os)
        rest = [o for o in by_p.get(str(HK.participant), []) if o not in taken]
        if rest:
            row.roles["participant"] = sorted({name(o) for o in rest})
        row.places = sorted({name(o) for o in by_p.get(str(SCHEMA.areaServed), [])})
        row.themes = sorted({name(o) for o in by_p.get(str(SCHEMA.about), [])})
        statuses = by_p.get(str(HK.status), [])
        row.status = statuses[0].rsplit("#", 1)[-1].rsplit("/", 1)[-1] if statuses else None
        row.sources = sorted(
            {documents[d] for d in by_p.get(str(PROV.wasDerivedFrom), []) if d in documents}
        )
    # A result that is a document (no project found in it) is its own source.
    for iri, source in document_sources(store, [i for i in wanted if not rows[i].sources]).items():
        rows[iri].sources = [source]
    return [rows[i] for i in wanted]


def document_label(url: str | None, path: str | None, fallback: str) -> str:
    """How a source document is shown: its URL, else its file name, never a server path."""
    if url:
        return url
    if path:
        return path.replace("\\", "/").rsplit("/", 1)[-1]
    return fallback


def document_sources(store: GraphStore, iris: list[str]) -> dict[str, str]:
    """Document IRI -> its URL or file name (documents only; other IRIs are left out)."""
    wanted = [i for i in dict.fromkeys(iris) if safe_iri(i)]
    if not wanted:
        return {}
    values = " ".join(f"<{i}>" for i in wanted)
    found: dict[str, tuple[str | None, str | None]] = {}
    for r in store.select(
        f"""SELECT ?d ?url ?path WHERE {{ VALUES ?d {{ {values} }} ?d a <{PROV.Entity}> .
              OPTIONAL {{ ?d <{SCHEMA.url}> ?url }} OPTIONAL {{ ?d <{HK.path}> ?path }} }}"""
    ):
        d = _value(r["d"])
        url = _value(r["url"]) if r["url"] is not None else None
        path = _value(r["path"]) if r["path"] is not None else None
        old = found.get(d, (None, None))
        found[d] = (old[0] or url, old[1] or path)
    return {d: document_label(url, path, d) for d, (url, path) in found.items()}


_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")


def safe_iri(iri: str) -> bool:
    """Whether ``iri`` is a plain absolute http(s) IRI that can go into a query verbatim.

    The one check for every IRI written into a query (filters, readers, views).
    """
    return _IRI.fullmatch(iri) is not None


def values_clause(iris: Iterable[str]) -> str:
    """``<a> <b> ...`` for a ``VALUES`` block: each safe IRI once, in order."""
    return " ".join(f"<{i}>" for i in dict.fromkeys(iris) if safe_iri(i))


def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#`` or ``/``)."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
