"""Read-side data for the web UI: facets, filters, result summaries, entity pages.

Facet counts and filters are computed here with SPARQL over the projects in a
result list, so the UI does not depend on how the search ranks. The interface
is deliberately small (:func:`facets`, :func:`apply_filters`) so that it can be
switched to the search's own facets later without touching the templates.

Facets, by key:

- ``place``: ``schema:areaServed`` and every place that contains it
  (``schema:containedInPlace*``): municipalities, regions, sub-regions,
  wellbeing services counties and groups such as KUUMA;
- ``funder``: ``schema:funder``;
- ``organisation``: an organisation in any role;
- ``theme``: ``schema:about``;
- ``years``: the years a project ran (start to end year); filtered as a range
  ``"2010-2013"``, which keeps projects whose period overlaps it;
- ``status``: ``hk:status``;
- ``language``: ``schema:inLanguage`` of the source documents.

Values in one facet are alternatives (OR); different facets narrow (AND).
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.engine import Engine
from api.schemas import EvidenceModel, FacetValueModel
from graph.errors import NotFound
from graph.views import display_names, pick_name
from graph.vocab import HK, ORG_ROLES, OWL, SCHEMA, SKOS, YSO

logger = logging.getLogger(__name__)

FACETS: tuple[str, ...] = (
    "place",
    "funder",
    "organisation",
    "theme",
    "years",
    "status",
    "language",
)
#: Place classes shown in the place facet, in display order.
PLACE_KINDS: tuple[str, ...] = (
    "MunicipalityGroup",
    "Region",
    "Municipality",
    "SubRegion",
    "WellbeingServicesCounty",
)
YSO_ID = re.compile(r"^p\d+$")

Filters = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with the number of results that carry it."""

    key: str
    label: str
    count: int
    kind: str | None = None
    """For places: the place class ("Municipality", "Region", ...)."""
    children: tuple[FacetValue, ...] = ()
    """For themes: the YSO concepts under one of our groups."""


@dataclass
class Summary:
    """What a result line shows besides the name and snippet."""

    start: str | None = None
    end: str | None = None
    places: list[str] = field(default_factory=list)
    funders: list[str] = field(default_factory=list)
    status: str | None = None


@dataclass(frozen=True)
class Ref:
    """A linked entity with a display name and, where there is one, a UI page."""

    iri: str
    name: str
    href: str | None = None
    kind: str | None = None


# -- helpers ---------------------------------------------------------------------------


def _v(term: Any) -> str:
    return str(term)


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in dict.fromkeys(iris) if _safe_iri(i))


def _safe_iri(iri: str) -> bool:
    """Whether ``iri`` can be written between angle brackets in a query."""
    # Absolute only: a relative IRI ("p0" from a hand-made URL) does not parse without a base.
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri)) and not re.search(
        r'[\s<>"{}|\\^`]', iri
    )


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def href_for(engine: Engine, iri: str) -> str | None:
    """The UI page of an entity IRI, or ``None`` when the UI has no page for it."""
    for kind in ("project", "organisation", "place", "theme"):
        local = engine.iris.local_id(iri, kind)
        if local:
            return f"/{kind}/{local}"
    if iri.startswith(str(YSO)) and YSO_ID.match(iri[len(str(YSO)) :]):
        return f"/theme/{iri[len(str(YSO)) :]}"
    return None


def entity_iri(engine: Engine, kind: str, local_id: str) -> str:
    """The IRI behind a UI page ``/{kind}/{local_id}`` (YSO ids for themes)."""
    if kind == "theme" and YSO_ID.match(local_id):
        return f"{YSO}{local_id}"
    return f"{engine.iris.base}id/{kind}/{local_id}"


def refs(engine: Engine, iris: Iterable[str], lang: str) -> list[Ref]:
    """Named, linked references for ``iris``, sorted by name."""
    ordered = list(dict.fromkeys(iris))
    names = display_names(engine.store, [i for i in ordered if _safe_iri(i)])
    out = [
        Ref(i, pick_name(names.get(i, {}), lang, _local(i)), href_for(engine, i)) for i in ordered
    ]
    return sorted(out, key=lambda r: r.name.lower())


# -- facets and filters ---------------------------------------------------------------


def facet_values(
    engine: Engine, counted: Mapping[str, Sequence[FacetValueModel]], lang: str = "fi"
) -> dict[str, list[FacetValue]]:
    """The search's facet counts in the sidebar's order, places by kind, themes nested."""
    kinds = _place_kinds(engine, [v.value for v in counted.get("place", [])])
    out: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        source = "year" if facet == "years" else facet
        items = [
            FacetValue(v.value, v.label, v.count, kinds.get(v.value) if facet == "place" else None)
            for v in counted.get(source, [])
        ]
        if facet == "years":
            items.sort(key=lambda v: v.key)
        elif facet == "place":
            order = {k: i for i, k in enumerate(PLACE_KINDS)}
            items.sort(key=lambda v: (-v.count, order.get(v.kind or "", 9), v.label.lower()))
        out[facet] = items
    out["theme"] = theme_tree(engine, out.get("theme", []))
    return out


def theme_tree(engine: Engine, values: Sequence[FacetValue]) -> list[FacetValue]:
    """Our theme groups with their YSO concepts nested under them.

    A concept that carries its group's label ("Rehabilitation" / "rehabilitation")
    is folded into the group: filtering by the group already includes it. Among
    the remaining top-level entries, one label is shown once (the larger count).
    """
    if not values:
        return []
    by_key = {v.key: v for v in values}
    parents: dict[str, list[str]] = defaultdict(list)
    for row in engine.store.select(
        f"""SELECT ?g ?c WHERE {{ VALUES ?c {{ {_values(by_key)} }}
              ?g <{SKOS.narrower}> ?c }}"""
    ):
        group = _v(row["g"])
        if group in by_key:
            parents[_v(row["c"])].append(group)
    children: dict[str, list[FacetValue]] = defaultdict(list)
    for value in values:
        for group in parents.get(value.key, []):
            if value.label.casefold() != by_key[group].label.casefold():
                children[group].append(value)
    top: dict[str, FacetValue] = {}
    for value in values:
        if parents.get(value.key):
            continue
        nested = FacetValue(
            value.key,
            value.label,
            value.count,
            value.kind,
            tuple(sorted(children.get(value.key, []), key=lambda c: (-c.count, c.label.lower()))),
        )
        label = value.label.casefold()
        if label not in top or top[label].count < value.count:
            top[label] = nested
    return sorted(top.values(), key=lambda v: (-v.count, v.label.lower()))


def _place_kinds(engine: Engine, iris: list[str]) -> dict[str, str]:
    if not iris:
        return {}
    kinds = {str(HK[k]): k for k in PLACE_KINDS}
    out: dict[str, str] = {}
    for row in engine.store.select(
        f"SELECT ?p ?t WHERE {{ VALUES ?p {{ {_values(iris)} }} ?p a ?t }}"
    ):
        kind = kinds.get(_v(row["t"]))
        if kind:
            out[_v(row["p"])] = kind
    return out


def facet_labels(engine: Engine, filters: Filters, lang: str) -> dict[tuple[str, str], str]:
    """Display names of the selected filter values, for the removable chips."""
    iris = [v for k, vs in filters.items() if k not in ("years", "language") for v in vs]
    names = display_names(engine.store, [i for i in iris if _safe_iri(i)])
    out = {}
    for facet, values in filters.items():
        for value in values:
            if facet in ("years", "language"):
                out[(facet, value)] = value
            else:
                out[(facet, value)] = pick_name(names.get(value, {}), lang, _local(value))
    return out


# -- result lines ----------------------------------------------------------------------


def summaries(engine: Engine, iris: Sequence[str], lang: str = "fi") -> dict[str, Summary]:
    """Period, places, funders and status for each result IRI."""
    out: dict[str, Summary] = {i: Summary() for i in iris}
    if not iris:
        return out
    values = _values(iris)
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in engine.store.select(
        f"""SELECT ?x ?p ?o WHERE {{ VALUES ?x {{ {values} }}
              VALUES ?p {{ <{SCHEMA.startDate}> <{SCHEMA.endDate}> <{SCHEMA.areaServed}>
                           <{SCHEMA.funder}> <{HK.status}> }}
              ?x ?p ?o }}"""
    ):
        links[_v(row["x"])][_v(row["p"])].append(_v(row["o"]))
    named = [
        o
        for by_pred in links.values()
        for p in (SCHEMA.areaServed, SCHEMA.funder, HK.status)
        for o in by_pred.get(str(p), [])
    ]
    names = display_names(engine.store, [i for i in named if _safe_iri(i)])

    def name(iri: str) -> str:
        return pick_name(names.get(iri, {}), lang, _local(iri))

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


# -- project page ----------------------------------------------------------------------


@dataclass
class DocumentText:
    """A source document's stored text and what is needed to show it."""

    iri: str
    name: str
    path: str | None
    url: str | None
    language: str | None
    text: str


@dataclass
class Segment:
    """A piece of document text; ``evidence`` indexes the evidence list when highlighted."""

    text: str
    evidence: int | None = None


def document_texts(engine: Engine, iris: Sequence[str]) -> list[DocumentText]:
    """The stored text (``schema:text``) of each document."""
    if not iris:
        return []
    rows = engine.store.select(
        f"""SELECT ?d ?text ?name ?path ?url ?lang WHERE {{ VALUES ?d {{ {_values(iris)} }}
              ?d <{SCHEMA.text}> ?text .
              OPTIONAL {{ ?d <{SCHEMA.name}> ?name }} OPTIONAL {{ ?d <{HK.path}> ?path }}
              OPTIONAL {{ ?d <{SCHEMA.url}> ?url }}
              OPTIONAL {{ ?d <{SCHEMA.inLanguage}> ?lang }} }}"""
    )
    seen: dict[str, DocumentText] = {}
    for row in rows:
        iri = _v(row["d"])
        if iri in seen:
            continue

        def opt(name: str, r: Any = row) -> str | None:
            return _v(r[name]) if r[name] is not None else None

        path = opt("path")
        seen[iri] = DocumentText(
            iri=iri,
            name=opt("name") or (path.rsplit("/", 1)[-1] if path else _local(iri)),
            path=path,
            url=opt("url"),
            language=opt("lang"),
            text=_v(row["text"]),
        )
    return [seen[i] for i in iris if i in seen]


def segments(text: str, evidence: Sequence[EvidenceModel], document: str) -> list[Segment]:
    """Split ``text`` into plain and highlighted pieces for ``document``'s evidence.

    Overlapping spans cannot both be marked in flat HTML; the earlier (then the
    longer) span wins, and the others stay listed in the facts table.
    """
    spans = sorted(
        (
            (e.start, -(e.end - e.start), i)
            for i, e in enumerate(evidence)
            if e.document == document and 0 <= e.start < e.end <= len(text)
        ),
    )
    out: list[Segment] = []
    pos = 0
    for start, neg_len, index in spans:
        if start < pos:
            continue
        end = start - neg_len
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], index))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def place_regions(engine: Engine, iris: Sequence[str], lang: str) -> dict[str, list[Ref]]:
    """For each place, the regions (maakunta) and groups that contain it."""
    if not iris:
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    for row in engine.store.select(
        f"""SELECT ?p ?r WHERE {{ VALUES ?p {{ {_values(iris)} }}
              ?p <{SCHEMA.containedInPlace}>+ ?r .
              VALUES ?t {{ <{HK.Region}> <{HK.MunicipalityGroup}> }} ?r a ?t }}"""
    ):
        out[_v(row["p"])].append(_v(row["r"]))
    return {p: refs(engine, rs, lang) for p, rs in out.items()}


def evidence_objects(
    engine: Engine, evidence: Sequence[EvidenceModel], lang: str
) -> dict[str, str]:
    """Display names of the IRI objects of the evidence list."""
    ends = [e.object for e in evidence] + [e.subject for e in evidence if e.subject]
    iris = [i for i in ends if i.startswith(("http://", "https://"))]
    names = display_names(engine.store, [i for i in iris if _safe_iri(i)])
    return {i: pick_name(names.get(i, {}), lang, _local(i)) for i in iris}


# -- entity pages ----------------------------------------------------------------------


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


def _names(engine: Engine, iri: str) -> dict[str, str]:
    return display_names(engine.store, [iri]).get(iri, {})


def _literal_values(engine: Engine, iri: str, pred: Any) -> list[str]:
    return sorted(
        {_v(r["o"]) for r in engine.store.select(f"SELECT ?o WHERE {{ <{iri}> <{pred}> ?o }}")}
    )


def _project_refs(
    engine: Engine, reasons: Mapping[str, Iterable[str]], lang: str
) -> list[tuple[Ref, list[str]]]:
    named = {r.iri: r for r in refs(engine, reasons, lang)}
    return [
        (named[p], sorted(set(reasons[p])))
        for p in sorted(reasons, key=lambda p: named[p].name.lower())
    ]


def _require(engine: Engine, iri: str) -> None:
    if not _safe_iri(iri) or not engine.store.ask(f"ASK {{ <{iri}> ?p ?o }}"):
        raise NotFound(f"no entity {iri}")


def organisation_view(engine: Engine, iri: str, lang: str) -> EntityView:
    """An organisation with its projects and its roles in them.

    Raises:
        NotFound: nothing is known about ``iri``.
    """
    _require(engine, iri)
    names = _names(engine, iri)
    reasons: dict[str, list[str]] = defaultdict(list)
    role_of = {str(p): role for role, p in ORG_ROLES.items()}
    roles = " ".join(f"<{p}>" for p in ORG_ROLES.values())
    for row in engine.store.select(
        f"""SELECT ?p ?r WHERE {{ VALUES ?r {{ {roles} }} ?p ?r <{iri}> .
              ?p a <{HK.Project}> }}"""
    ):
        reasons[_v(row["p"])].append(role_of[_v(row["r"])])
    return EntityView(
        iri=iri,
        kind="organisation",
        names=names,
        name=pick_name(names, lang, _local(iri)),
        alt_names=_literal_values(engine, iri, SCHEMA.alternateName),
        types=_literal_values(engine, iri, HK.organisationType),
        same_as=_literal_values(engine, iri, OWL.sameAs),
        projects=_project_refs(engine, reasons, lang),
    )


def place_view(engine: Engine, iri: str, lang: str) -> EntityView:
    """A place with the projects served in it or in any place it contains.

    Raises:
        NotFound: nothing is known about ``iri``.
    """
    _require(engine, iri)
    names = _names(engine, iri)
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in engine.store.select(
        f"""SELECT ?p ?a WHERE {{ ?p a <{HK.Project}> ; <{SCHEMA.areaServed}> ?a .
              ?a <{SCHEMA.containedInPlace}>* <{iri}> }}"""
    ):
        reasons[_v(row["p"])].append(_v(row["a"]))
    via = {r.iri: r.name for r in refs(engine, {a for v in reasons.values() for a in v}, lang)}
    kinds = [
        _local(_v(r["t"]))
        for r in engine.store.select(f"SELECT ?t WHERE {{ <{iri}> a ?t }}")
        if _local(_v(r["t"])) in PLACE_KINDS
    ]
    code = _literal_values(engine, iri, HK.municipalityCode)
    parents = [
        _v(r["o"])
        for r in engine.store.select(
            f"SELECT ?o WHERE {{ <{iri}> <{SCHEMA.containedInPlace}> ?o }}"
        )
    ]
    members = [
        _v(r["o"])
        for r in engine.store.select(f"SELECT ?o WHERE {{ <{iri}> <{SCHEMA.containsPlace}> ?o }}")
    ]
    parent_kinds = _place_kinds(engine, parents)
    return EntityView(
        iri=iri,
        kind="place",
        names=names,
        name=pick_name(names, lang, _local(iri)),
        alt_names=_literal_values(engine, iri, SKOS.altLabel),
        types=kinds,
        same_as=_literal_values(engine, iri, OWL.sameAs),
        code=code[0] if code else None,
        contained_in=[
            Ref(r.iri, r.name, r.href, parent_kinds.get(r.iri)) for r in refs(engine, parents, lang)
        ],
        members=refs(engine, members, lang),
        projects=_project_refs(
            engine, {p: [via.get(a, a) for a in areas] for p, areas in reasons.items()}, lang
        ),
    )


def theme_view(engine: Engine, iri: str, lang: str) -> EntityView:
    """A theme (a YSO concept or one of our theme groups) with its projects.

    Raises:
        NotFound: nothing is known about ``iri``.
    """
    _require(engine, iri)
    names = _names(engine, iri)
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in engine.store.select(
        f"SELECT ?p WHERE {{ ?p a <{HK.Project}> ; <{SCHEMA.about}> <{iri}> }}"
    ):
        reasons[_v(row["p"])] = []
    return EntityView(
        iri=iri,
        kind="theme",
        names=names,
        name=pick_name(names, lang, _local(iri)),
        alt_names=_literal_values(engine, iri, SKOS.altLabel),
        same_as=[iri] if iri.startswith(str(YSO)) else _literal_values(engine, iri, OWL.sameAs),
        projects=_project_refs(engine, reasons, lang),
    )


# -- network view ----------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A node of the network drawing, already placed."""

    iri: str
    label: str
    kind: str
    """``center``, ``project``, ``organisation`` or ``place``."""
    href: str | None
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    """A line between two placed nodes."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Network:
    """A radial drawing: the entity in the middle, projects around it, their links outside."""

    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]


MAX_PROJECTS = 8
MAX_OUTER = 18


def network(
    engine: Engine, center: str, center_label: str, projects: Sequence[str], lang: str
) -> Network:
    """Lay out the entity's neighbourhood: projects ↔ organisations ↔ places.

    A radial layout needs no physics and is stable between requests: projects
    sit evenly on an inner ring, and each outer node sits on the outer ring at
    the mean angle of the projects it links to, spread to avoid overlaps.
    """
    width, height = 720, 460
    cx, cy = width / 2, height / 2
    chosen = list(dict.fromkeys(projects))[:MAX_PROJECTS]
    nodes = [Node(center, center_label, "center", href_for(engine, center), cx, cy)]
    edges: list[Edge] = []
    if not chosen:
        return Network(width, height, nodes, edges)
    project_refs = {r.iri: r for r in refs(engine, chosen, lang)}
    r1, r2 = 120.0, 200.0
    angle: dict[str, float] = {}
    pos: dict[str, tuple[float, float]] = {center: (cx, cy)}
    for i, p in enumerate(chosen):
        a = 2 * math.pi * i / len(chosen) - math.pi / 2
        angle[p] = a
        pos[p] = (cx + r1 * math.cos(a), cy + r1 * 0.85 * math.sin(a))
        ref = project_refs[p]
        nodes.append(Node(p, ref.name, "project", ref.href, *pos[p]))
        edges.append(Edge(cx, cy, *pos[p]))
    roles = " ".join(f"<{p}>" for p in (*ORG_ROLES.values(), SCHEMA.areaServed))
    links: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, str] = {}
    for row in engine.store.select(
        f"""SELECT ?p ?r ?o WHERE {{ VALUES ?p {{ {_values(chosen)} }}
              VALUES ?r {{ {roles} }} ?p ?r ?o . FILTER(isIRI(?o)) }}"""
    ):
        o = _v(row["o"])
        if o == center:
            continue
        links[o].add(_v(row["p"]))
        kinds[o] = "place" if _v(row["r"]) == str(SCHEMA.areaServed) else "organisation"
    # The most connected neighbours first: they say most about the entity.
    outer = sorted(links, key=lambda o: (-len(links[o]), o))[:MAX_OUTER]
    outer_refs = {r.iri: r for r in refs(engine, outer, lang)}
    placed = []
    for o in outer:
        xs = sum(math.cos(angle[p]) for p in links[o])
        ys = sum(math.sin(angle[p]) for p in links[o])
        placed.append((math.atan2(ys, xs) if (xs or ys) else 0.0, o))
    placed.sort()
    min_gap = 2 * math.pi / max(len(placed), 1) * 0.8
    last = -10.0
    for a, o in placed:
        a = max(a, last + min_gap)
        last = a
        x, y = cx + r2 * 1.25 * math.cos(a), cy + r2 * math.sin(a)
        ref = outer_refs[o]
        nodes.append(Node(o, ref.name, kinds[o], ref.href, x, y))
        for p in links[o]:
            edges.append(Edge(*pos[p], x, y))
    return Network(width, height, nodes, edges)


# -- about page and SPARQL examples ----------------------------------------------------


def dataset_stats(engine: Engine) -> dict[str, int]:
    """Counts for the about page (organisations and places: those linked to projects)."""
    roles = " ".join(f"<{p}>" for p in ORG_ROLES.values())
    query = f"""SELECT
      (COUNT(DISTINCT ?o) AS ?orgs) WHERE {{ ?p a <{HK.Project}> .
        VALUES ?r {{ {roles} }} ?p ?r ?o }}"""
    orgs = int(_v(next(iter(engine.store.select(query)))["orgs"]))
    places_q = f"""SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{
        ?p a <{HK.Project}> ; <{SCHEMA.areaServed}> ?a }}"""
    places = int(_v(next(iter(engine.store.select(places_q)))["n"]))
    all_orgs = f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{SCHEMA.Organization}> }}"
    all_places = f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a <{SCHEMA.AdministrativeArea}> }}"
    return {
        "organisations": orgs,
        "organisations_total": int(_v(next(iter(engine.store.select(all_orgs)))["n"])),
        "places": places,
        "places_total": int(_v(next(iter(engine.store.select(all_places)))["n"])),
    }


@dataclass(frozen=True)
class Example:
    """A researcher's example query; its title is the i18n key ``ex.<key>``."""

    key: str
    query: str


def sparql_examples(engine: Engine) -> list[Example]:
    """Example queries over the public vocabulary, with this service's IRIs filled in."""
    base = engine.iris.base
    head = (
        "PREFIX schema: <https://schema.org/>\n"
        f"PREFIX hk: <{HK}>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    )
    return [
        Example(
            "funder_year",
            head + "SELECT ?funder ?year (COUNT(DISTINCT ?project) AS ?projects) WHERE {\n"
            "  ?project a hk:Project ; schema:funder ?f ; schema:startDate ?start .\n"
            '  ?f schema:name ?funder . FILTER(LANG(?funder) = "fi")\n'
            "  BIND(SUBSTR(STR(?start), 1, 4) AS ?year)\n"
            "}\nGROUP BY ?funder ?year\nORDER BY ?funder ?year",
        ),
        Example(
            "kuuma",
            head + "# Projects served in the KUUMA group itself or in one of its municipalities\n"
            "SELECT DISTINCT ?project ?name ?place ?placeName WHERE {\n"
            f"  VALUES ?kuuma {{ <{base}id/place/kuuma> }}\n"
            "  ?project a hk:Project ; schema:name ?name ; schema:areaServed ?place .\n"
            '  FILTER(LANG(?name) = "fi")\n'
            "  ?kuuma schema:containsPlace* ?place .\n"
            '  ?place schema:name ?placeName . FILTER(LANG(?placeName) = "fi")\n'
            "}\nORDER BY ?name",
        ),
        Example(
            "kela",
            head + "# Organisations in the same projects as Kela, in any role\n"
            "SELECT ?org ?orgName (COUNT(DISTINCT ?project) AS ?together) WHERE {\n"
            '  ?kela schema:alternateName "Kela" .\n'
            "  VALUES ?r1 { schema:funder hk:coordinator hk:implementer hk:partner "
            "hk:steeringGroupMember }\n"
            "  VALUES ?r2 { schema:funder hk:coordinator hk:implementer hk:partner "
            "hk:steeringGroupMember }\n"
            "  ?project ?r1 ?kela ; ?r2 ?org . FILTER(?org != ?kela)\n"
            '  ?org schema:name ?orgName . FILTER(LANG(?orgName) = "fi")\n'
            "}\nGROUP BY ?org ?orgName\nORDER BY DESC(?together) ?orgName",
        ),
        Example(
            "themes_region",
            head + "SELECT ?regionName ?themeName (COUNT(DISTINCT ?project) AS ?projects) WHERE {\n"
            "  ?project a hk:Project ; schema:about ?theme ; schema:areaServed ?area .\n"
            "  ?area schema:containedInPlace* ?region . ?region a hk:Region ;\n"
            '        schema:name ?regionName . FILTER(LANG(?regionName) = "fi")\n'
            '  ?theme skos:prefLabel ?themeName . FILTER(LANG(?themeName) = "fi")\n'
            "}\nGROUP BY ?regionName ?themeName\nORDER BY ?regionName DESC(?projects)",
        ),
        Example(
            "steering",
            head + "SELECT ?project ?name ?member ?memberName WHERE {\n"
            "  ?project a hk:Project ; schema:name ?name ; hk:steeringGroupMember ?member .\n"
            '  FILTER(LANG(?name) = "fi")\n'
            '  ?member schema:name ?memberName . FILTER(LANG(?memberName) = "fi")\n'
            "}\nORDER BY ?name ?memberName",
        ),
        Example(
            "evidence",
            head + "# Every extracted fact keeps the quoted text and its offsets\n"
            "SELECT ?project ?predicate ?object ?quote ?start ?end WHERE {\n"
            "  ?ev a hk:Evidence ; rdf:subject ?project ; rdf:predicate ?predicate ;\n"
            "      rdf:object ?object ; hk:quote ?quote ;\n"
            "      hk:startOffset ?start ; hk:endOffset ?end .\n"
            "  ?project a hk:Project .\n"
            "}\nORDER BY ?project ?start\nLIMIT 200",
        ),
        Example(
            "bilingual",
            head + "SELECT ?project ?fi ?en WHERE {\n"
            '  ?project a hk:Project ; schema:name ?fi . FILTER(LANG(?fi) = "fi")\n'
            '  OPTIONAL { ?project schema:name ?en . FILTER(LANG(?en) = "en") }\n'
            "}\nORDER BY ?fi",
        ),
        Example(
            "publications",
            head + "SELECT ?name ?publication ?title WHERE {\n"
            "  ?project a hk:Project ; schema:name ?name ; schema:subjectOf ?publication .\n"
            '  FILTER(LANG(?name) = "fi")\n'
            "  OPTIONAL { ?publication schema:name ?title }\n"
            "}\nORDER BY ?name ?title",
        ),
    ]


__all__ = [
    "FACETS",
    "DocumentText",
    "EntityView",
    "Example",
    "FacetValue",
    "Network",
    "Ref",
    "Segment",
    "Summary",
    "dataset_stats",
    "document_texts",
    "entity_iri",
    "evidence_objects",
    "facet_labels",
    "facet_values",
    "href_for",
    "network",
    "organisation_view",
    "place_regions",
    "place_view",
    "refs",
    "segments",
    "sparql_examples",
    "summaries",
    "theme_view",
]
