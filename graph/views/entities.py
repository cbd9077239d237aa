"""Readers for the entity pages and result lines, over the store protocol.

These sit beside :mod:`graph.views.projects` and, like it, run a few SPARQL queries and
return plain dataclasses: result-line summaries, document texts, the
organisation, place and theme views, the regions around a place, and dataset
counts. They need only a :class:`GraphSource` (a store and the IRI minter), so
the JSON API, the CLI and the web UI share them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph.errors import NotFound
from graph.iris import Iris
from graph.store.base import GraphStore
from graph.views.projects import Ref, display_names, local_name, pick_name, safe_iri, values_clause
from graph.vocab import HK, ORG_ROLES, OWL, SCHEMA, SKOS, YSO

#: Place classes, in display order.
PLACE_KINDS: tuple[str, ...] = (
    "Area",
    "MunicipalityGroup",
    "Region",
    "Municipality",
    "SubRegion",
    "WellbeingServicesCounty",
)
YSO_ID = re.compile(r"^p\d+$")


class GraphSource(Protocol):
    """What the readers need: the store and the IRIs minted under this service's base."""

    @property
    def store(self) -> GraphStore:
        """The graph store."""
        ...

    @property
    def iris(self) -> Iris:
        """The IRI minter (to map IRIs to UI pages and back)."""
        ...


def href_for(kg: GraphSource, iri: str) -> str | None:
    """The UI page of an entity IRI, or ``None`` when the UI has no page for it."""
    for kind in ("project", "organisation", "place", "theme"):
        local = kg.iris.local_id(iri, kind)
        if local:
            return f"/{kind}/{local}"
    if iri.startswith(str(YSO)) and YSO_ID.match(iri[len(str(YSO)) :]):
        return f"/theme/{iri[len(str(YSO)) :]}"
    return None


def entity_iri(kg: GraphSource, kind: str, local_id: str) -> str:
    """The IRI behind a UI page ``/{kind}/{local_id}`` (YSO ids for themes)."""
    if kind == "theme" and YSO_ID.match(local_id):
        return f"{YSO}{local_id}"
    return f"{kg.iris.base}id/{kind}/{local_id}"


def refs(kg: GraphSource, iris: Iterable[str], lang: str) -> list[Ref]:
    """Named, linked references for ``iris``, sorted by name."""
    ordered = list(dict.fromkeys(iris))
    names = display_names(kg.store, [i for i in ordered if safe_iri(i)])
    out = [
        Ref(
            i,
            pick_name(names.get(i, {}), lang, local_name(i)),
            names.get(i, {}),
            href=href_for(kg, i),
        )
        for i in ordered
    ]
    return sorted(out, key=lambda r: r.name.lower())


def linked(kg: GraphSource, items: Iterable[Ref]) -> list[Ref]:
    """``items`` (already named, by :mod:`graph.views.projects`) with their UI pages; no query."""
    return [
        Ref(r.iri, r.name, r.names, href=r.href or href_for(kg, r.iri), kind=r.kind) for r in items
    ]


def place_kinds(kg: GraphSource, iris: list[str]) -> dict[str, str]:
    """The place class of each IRI that is a place ("Municipality", "Region", ...)."""
    if not iris:
        return {}
    kinds = {str(HK[k]): k for k in PLACE_KINDS}
    out: dict[str, str] = {}
    for row in kg.store.select(
        f"SELECT ?p ?t WHERE {{ VALUES ?p {{ {values_clause(iris)} }} ?p a ?t }}"
    ):
        kind = kinds.get(str(row["t"]))
        if kind:
            out[str(row["p"])] = kind
    return out


def theme_parents(kg: GraphSource, themes: Iterable[str]) -> dict[str, list[str]]:
    """For each theme, the shown themes that are broader (our groups over YSO concepts)."""
    wanted = list(dict.fromkeys(themes))
    if not wanted:
        return {}
    parents: dict[str, list[str]] = defaultdict(list)
    for row in kg.store.select(
        f"""SELECT ?g ?c WHERE {{ VALUES ?c {{ {values_clause(wanted)} }}
              ?g <{SKOS.narrower}> ?c }}"""
    ):
        if str(row["g"]) in wanted:
            parents[str(row["c"])].append(str(row["g"]))
    return dict(parents)


@dataclass
class Summary:
    """What a result line shows besides the name and snippet."""

    start: str | None = None
    end: str | None = None
    places: list[str] = field(default_factory=list)
    funders: list[str] = field(default_factory=list)
    status: str | None = None


def summaries(kg: GraphSource, iris: Sequence[str], lang: str = "fi") -> dict[str, Summary]:
    """Period, places, funders and status for each result IRI."""
    out: dict[str, Summary] = {i: Summary() for i in iris}
    if not iris:
        return out
    values = values_clause(iris)
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in kg.store.select(
        f"""SELECT ?x ?p ?o WHERE {{ VALUES ?x {{ {values} }}
              VALUES ?p {{ <{SCHEMA.startDate}> <{SCHEMA.endDate}> <{SCHEMA.areaServed}>
                           <{SCHEMA.funder}> <{HK.status}> }}
              ?x ?p ?o }}"""
    ):
        links[str(row["x"])][str(row["p"])].append(str(row["o"]))
    named = [
        o
        for by_pred in links.values()
        for p in (SCHEMA.areaServed, SCHEMA.funder, HK.status)
        for o in by_pred.get(str(p), [])
    ]
    names = display_names(kg.store, [i for i in named if safe_iri(i)])

    def name(iri: str) -> str:
        return pick_name(names.get(iri, {}), lang, local_name(iri))

    for iri, by_pred in links.items():
        summary = out.setdefault(iri, Summary())
        starts = sorted(by_pred.get(str(SCHEMA.startDate), []))
        ends = sorted(by_pred.get(str(SCHEMA.endDate), []))
        summary.start = starts[0] if starts else None
        summary.end = ends[-1] if ends else None
        summary.places = sorted({name(p) for p in by_pred.get(str(SCHEMA.areaServed), [])})
        summary.funders = sorted({name(f) for f in by_pred.get(str(SCHEMA.funder), [])})
        statuses = by_pred.get(str(HK.status), [])
        summary.status = name(statuses[0]) if statuses else None
    return out


@dataclass
class DocumentText:
    """A source document's stored text and what is needed to show it."""

    iri: str
    name: str
    path: str | None
    url: str | None
    language: str | None
    text: str


def document_texts(kg: GraphSource, iris: Sequence[str]) -> list[DocumentText]:
    """The stored text (``schema:text``) of each document."""
    if not iris:
        return []
    rows = kg.store.select(
        f"""SELECT ?d ?text ?name ?path ?url ?lang WHERE {{ VALUES ?d {{ {values_clause(iris)} }}
              ?d <{SCHEMA.text}> ?text .
              OPTIONAL {{ ?d <{SCHEMA.name}> ?name }} OPTIONAL {{ ?d <{HK.path}> ?path }}
              OPTIONAL {{ ?d <{SCHEMA.url}> ?url }}
              OPTIONAL {{ ?d <{SCHEMA.inLanguage}> ?lang }} }}"""
    )
    seen: dict[str, DocumentText] = {}
    for row in rows:
        iri = str(row["d"])
        if iri in seen:
            continue

        def opt(name: str, r: Any = row) -> str | None:
            return str(r[name]) if r[name] is not None else None

        path = opt("path")
        seen[iri] = DocumentText(
            iri=iri,
            name=opt("name") or (path.rsplit("/", 1)[-1] if path else local_name(iri)),
            path=path,
            url=opt("url"),
            language=opt("lang"),
            text=str(row["text"]),
        )
    return [seen[i] for i in iris if i in seen]


def place_regions(kg: GraphSource, iris: Sequence[str], lang: str) -> dict[str, list[Ref]]:
    """For each place, the regions (maakunta) and groups that contain it."""
    if not iris:
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    for row in kg.store.select(
        f"""SELECT ?p ?r WHERE {{ VALUES ?p {{ {values_clause(iris)} }}
              ?p <{SCHEMA.containedInPlace}>+ ?r .
              VALUES ?t {{ <{HK.Region}> <{HK.MunicipalityGroup}> }} ?r a ?t }}"""
    ):
        out[str(row["p"])].append(str(row["r"]))
    return {p: refs(kg, rs, lang) for p, rs in out.items()}


def names_of(kg: GraphSource, iris: Iterable[str], lang: str) -> dict[str, str]:
    """Display names of the IRIs among ``iris`` (literals and other values are left out)."""
    wanted = [i for i in iris if i.startswith(("http://", "https://"))]
    names = display_names(kg.store, [i for i in wanted if safe_iri(i)])
    return {i: pick_name(names.get(i, {}), lang, local_name(i)) for i in wanted}


@dataclass
class EntityView:
    """An organisation, place or theme page."""

    iri: str
    kind: str
    names: dict[str, str]
    name: str
    alt_names: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    same_as: list[str] = field(default_factory=list)
    code: str | None = None
    contained_in: list[Ref] = field(default_factory=list)
    members: list[Ref] = field(default_factory=list)
    projects: list[tuple[Ref, list[str]]] = field(default_factory=list)
    """Each project with the roles or reasons that link it here."""
    description: str | None = None


def _names(kg: GraphSource, iri: str) -> dict[str, str]:
    return display_names(kg.store, [iri]).get(iri, {})


def _literal_values(kg: GraphSource, iri: str, pred: Any) -> list[str]:
    return sorted(
        {str(r["o"]) for r in kg.store.select(f"SELECT ?o WHERE {{ <{iri}> <{pred}> ?o }}")}
    )


def _project_refs(
    kg: GraphSource, reasons: Mapping[str, Iterable[str]], lang: str
) -> list[tuple[Ref, list[str]]]:
    named = {r.iri: r for r in refs(kg, reasons, lang)}
    return [
        (named[p], sorted(set(reasons[p])))
        for p in sorted(reasons, key=lambda p: named[p].name.lower())
    ]


def _require(kg: GraphSource, iri: str) -> None:
    if not safe_iri(iri) or not kg.store.ask(f"ASK {{ <{iri}> ?p ?o }}"):
        raise NotFound(f"no entity {iri}")


def organisation_view(kg: GraphSource, iri: str, lang: str) -> EntityView:
    """An organisation with its projects and its roles in them.

    Raises:
        NotFound: nothing is known about ``iri``.
    """
    _require(kg, iri)
    names = _names(kg, iri)
    reasons: dict[str, list[str]] = defaultdict(list)
    role_of = {str(p): role for role, p in ORG_ROLES.items()}
    roles = " ".join(f"<{p}>" for p in ORG_ROLES.values())
    for row in kg.store.select(
        f"""SELECT ?p ?r WHERE {{ VALUES ?r {{ {roles} }} ?p ?r <{iri}> .
              ?p a <{HK.Project}> }}"""
    ):
        reasons[str(row["p"])].append(role_of[str(row["r"])])
    return EntityView(
        iri=iri,
        kind="organisation",
        names=names,
        name=pick_name(names, lang, local_name(iri)),
        alt_names=_literal_values(kg, iri, SCHEMA.alternateName),
        types=_literal_values(kg, iri, HK.organisationType),
        same_as=_literal_values(kg, iri, OWL.sameAs),
        projects=_project_refs(kg, reasons, lang),
    )


def place_view(kg: GraphSource, iri: str, lang: str) -> EntityView:
    """A place with the projects served in it or in any place it contains.

    Raises:
        NotFound: nothing is known about ``iri``.
    """
    _require(kg, iri)
    names = _names(kg, iri)
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in kg.store.select(
        f"""SELECT ?p ?a WHERE {{ ?p a <{HK.Project}> ; <{SCHEMA.areaServed}> ?a .
              ?a <{SCHEMA.containedInPlace}>* <{iri}> }}"""
    ):
        reasons[str(row["p"])].append(str(row["a"]))
    via = {r.iri: r.name for r in refs(kg, {a for v in reasons.values() for a in v}, lang)}
    kinds = [
        local_name(str(r["t"]))
        for r in kg.store.select(f"SELECT ?t WHERE {{ <{iri}> a ?t }}")
        if local_name(str(r["t"])) in PLACE_KINDS
    ]
    code = _literal_values(kg, iri, HK.municipalityCode)
    parents = [
        str(r["o"])
        for r in kg.store.select(f"SELECT ?o WHERE {{ <{iri}> <{SCHEMA.containedInPlace}> ?o }}")
    ]
    members = [
        str(r["o"])
        for r in kg.store.select(f"SELECT ?o WHERE {{ <{iri}> <{SCHEMA.containsPlace}> ?o }}")
    ]
    parent_kinds = place_kinds(kg, parents)
    return EntityView(
        iri=iri,
        kind="place",
        names=names,
        name=pick_name(names, lang, local_name(iri)),
        alt_names=_literal_values(kg, iri, SKOS.altLabel),
        types=kinds,
        same_as=_literal_values(kg, iri, OWL.sameAs),
        code=code[0] if code else None,
        contained_in=[
            Ref(r.iri, r.name, r.names, href=r.href, kind=parent_kinds.get(r.iri))
            for r in refs(kg, parents, lang)
        ],
        members=refs(kg, members, lang),
        projects=_project_refs(
            kg, {p: [via.get(a, a) for a in areas] for p, areas in reasons.items()}, lang
        ),
    )


def theme_view(kg: GraphSource, iri: str, lang: str) -> EntityView:
    """A theme (a YSO concept or one of our theme groups) with its projects.

    Raises:
        NotFound: nothing is known about ``iri``.
    """
    _require(kg, iri)
    names = _names(kg, iri)
    reasons: dict[str, list[str]] = defaultdict(list)
    # A group counts the projects about its narrower concepts, as the theme filter and facet do.
    for row in kg.store.select(
        f"SELECT DISTINCT ?p WHERE {{ <{iri}> <{SKOS.narrower}>* ?theme . "
        f"?p a <{HK.Project}> ; <{SCHEMA.about}> ?theme }}"
    ):
        reasons[str(row["p"])] = []
    return EntityView(
        iri=iri,
        kind="theme",
        names=names,
        name=pick_name(names, lang, local_name(iri)),
        alt_names=_literal_values(kg, iri, SKOS.altLabel),
        same_as=[iri] if iri.startswith(str(YSO)) else _literal_values(kg, iri, OWL.sameAs),
        projects=_project_refs(kg, reasons, lang),
    )


def dataset_stats(kg: GraphSource) -> dict[str, int]:
    """Counts for the about page (organisations and places: those linked to projects)."""
    roles = " ".join(f"<{p}>" for p in ORG_ROLES.values())
    query = f"""SELECT
      (COUNT(DISTINCT ?o) AS ?orgs) WHERE {{ ?p a <{HK.Project}> .
        VALUES ?r {{ {roles} }} ?p ?r ?o }}"""
    orgs = int(str(next(iter(kg.store.select(query)))["orgs"]))
    places_q = f"""SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{
        ?p a <{HK.Project}> ; <{SCHEMA.areaServed}> ?a }}"""
    places = int(str(next(iter(kg.store.select(places_q)))["n"]))
    all_orgs = f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{SCHEMA.Organization}> }}"
    all_places = f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{SCHEMA.AdministrativeArea}> }}"
    return {
        "organisations": orgs,
        "organisations_total": int(str(next(iter(kg.store.select(all_orgs)))["n"])),
        "places": places,
        "places_total": int(str(next(iter(kg.store.select(all_places)))["n"])),
    }
