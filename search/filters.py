"""Graph filters and facets for search.

Filters are turned into the set of projects (and documents) they allow by one
SPARQL query, and that set becomes the ``allowed`` chunk ids handed to FAISS
and BM25, so filtering happens inside the search, before ranking, and a
selective filter never empties a page that has matches.

Containment is taken from the graph: a group or region also matches its
member municipalities, a place also matches areas that contain it, a funder
matches its predecessors and successors (RAY <-> STEA), and a theme matches
its narrower concepts in our theme hierarchy.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from graph.store.base import GraphStore
from graph.views import display_names, pick_name
from graph.vocab import HK, PROV, SCHEMA, SKOS

if TYPE_CHECKING:
    from graph.linker import Linker
    from search.index import Snapshot

#: Organisation roles that count for the "organisation in any role" filter.
ROLES = (SCHEMA.funder, HK.coordinator, HK.implementer, HK.partner, HK.steeringGroupMember)
STATUS = {"ended": HK.StatusEnded, "ongoing": HK.StatusOngoing, "planned": HK.StatusPlanned}
_YEAR = "xsd:integer(SUBSTR(STR({v}), 1, 4))"
#: A project counted in the year facet for at most this many years.
MAX_YEAR_SPAN = 30


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to; empty fields do not filter."""

    places: tuple[str, ...] = ()
    funders: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    statuses: tuple[str, ...] = ()
    """``ended``, ``ongoing``, ``planned`` or the status IRIs."""
    languages: tuple[str, ...] = ()
    """Document languages."""

    def is_empty(self) -> bool:
        """Whether nothing is filtered."""
        return not (
            self.places
            or self.funders
            or self.organisations
            or self.themes
            or self.year_from is not None
            or self.year_to is not None
            or self.statuses
            or self.languages
        )

    def graph_filters(self) -> bool:
        """Whether a filter needs the graph (everything but the language)."""
        return not replace(self, languages=()).is_empty()


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in dict.fromkeys(iris) if _safe(i))


def _safe(iri: str) -> bool:
    """IRIs go into queries verbatim, so only plain absolute IRIs are allowed."""
    return re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", iri) is not None


def _place_block(places: tuple[str, ...], linker: Linker | None) -> str:
    expanded: set[str] = set(places)
    if linker is not None:
        for place in places:
            expanded |= {str(i) for i in linker.expand_place(place)}
    values = _values(expanded)
    return f"""{{ ?p <{SCHEMA.areaServed}> ?area . VALUES ?area {{ {values} }} }} UNION
      {{ ?p <{SCHEMA.areaServed}> ?area . ?area <{SCHEMA.containsPlace}> ?inner .
         VALUES ?inner {{ {values} }} }}"""


def _family(iris: tuple[str, ...], linker: Linker | None) -> set[str]:
    out = set(iris)
    if linker is not None:
        for iri in iris:
            out |= {str(i) for i in linker.organisation_family(iri)}
    return out


def allowed_projects(store: GraphStore, filters: Filters, linker: Linker | None) -> set[str]:
    """IRIs of the projects that pass every graph filter."""
    blocks: list[str] = []
    if filters.places:
        blocks.append(_place_block(filters.places, linker))
    if filters.funders:
        values = _values(_family(filters.funders, linker))
        blocks.append(f"?p <{SCHEMA.funder}> ?funder . VALUES ?funder {{ {values} }}")
    if filters.organisations:
        values = _values(_family(filters.organisations, linker))
        roles = " ".join(f"<{r}>" for r in ROLES)
        blocks.append(f"?p ?role ?org . VALUES ?role {{ {roles} }} VALUES ?org {{ {values} }}")
    if filters.themes:
        values = _values(filters.themes)
        blocks.append(
            f"?p <{SCHEMA.about}> ?theme . ?top <{SKOS.narrower}>* ?theme . "
            f"VALUES ?top {{ {values} }}"
        )
    if filters.year_from is not None or filters.year_to is not None:
        low = filters.year_from if filters.year_from is not None else 0
        high = filters.year_to if filters.year_to is not None else 9999
        start, end = _YEAR.format(v="?start"), _YEAR.format(v="?end")
        blocks.append(
            f"""OPTIONAL {{ ?p <{SCHEMA.startDate}> ?start }}
            OPTIONAL {{ ?p <{SCHEMA.endDate}> ?end }}
            FILTER(BOUND(?start) || BOUND(?end))
            FILTER(COALESCE({start}, {end}) <= {int(high)})
            FILTER(COALESCE({end}, 9999) >= {int(low)})"""
        )
    if filters.statuses:
        values = _values(str(STATUS.get(s, s)) for s in filters.statuses)
        blocks.append(f"?p <{HK.status}> ?status . VALUES ?status {{ {values} }}")
    query = (
        f"SELECT DISTINCT ?p WHERE {{ ?p a <{HK.Project}> ; <{PROV.wasDerivedFrom}> ?doc . "
        + "\n".join(blocks)
        + " }"
    )
    return {row["p"].value for row in store.query(query)}


def allowed_chunks(
    store: GraphStore, snapshot: Snapshot, filters: Filters, linker: Linker | None
) -> set[int] | None:
    """Chunk ids that pass ``filters`` (``None`` when nothing is filtered)."""
    if filters.is_empty():
        return None
    projects = allowed_projects(store, filters, linker) if filters.graph_filters() else None
    languages = set(filters.languages)
    documents = snapshot.manifest.documents
    out: set[int] = set()
    for chunk in snapshot.chunks.values():
        if languages and documents[chunk.document].language not in languages:
            continue
        if projects is not None and chunk.project not in projects:
            continue
        out.add(chunk.id)
    return out


@dataclass
class FacetValue:
    """One value of a facet with its count in the current results."""

    value: str
    label: str
    count: int


@dataclass
class Facets:
    """Facet counts over a result set."""

    values: dict[str, list[FacetValue]] = field(default_factory=dict)
    years: tuple[int, int] | None = None


def facet_counts(
    store: GraphStore, snapshot: Snapshot, keys: list[str], lang: str = "fi"
) -> Facets:
    """Count places, funders, organisations, themes, status and languages over
    the projects (or documents) ``keys``."""
    projects = [k for k in keys if _safe(k)]
    facets = Facets()
    if not projects:
        return facets
    values = _values(projects)
    roles = " ".join(f"<{r}>" for r in ROLES)
    queries = {
        "place": f"""SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ VALUES ?p {{ {values} }}
            {{ ?p <{SCHEMA.areaServed}> ?v }} UNION
            {{ ?p <{SCHEMA.areaServed}> ?a . ?a <{SCHEMA.containedInPlace}> ?v }} }}
            GROUP BY ?v""",
        "funder": f"""SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ VALUES ?p {{ {values} }}
            ?p <{SCHEMA.funder}> ?v }} GROUP BY ?v""",
        "organisation": f"""SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ VALUES ?p {{ {values} }}
            VALUES ?role {{ {roles} }} ?p ?role ?v }} GROUP BY ?v""",
        "theme": f"""SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ VALUES ?p {{ {values} }}
            {{ ?p <{SCHEMA.about}> ?v }} UNION
            {{ ?p <{SCHEMA.about}> ?t . ?v <{SKOS.narrower}> ?t }}
            }} GROUP BY ?v""",
        "status": f"""SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ VALUES ?p {{ {values} }}
            ?p <{HK.status}> ?v }} GROUP BY ?v""",
    }
    iris: list[str] = []
    raw: dict[str, list[tuple[str, int]]] = {}
    for name, query in queries.items():
        rows = [(r["v"].value, int(r["n"].value)) for r in store.query(query) if r["v"] is not None]
        raw[name] = rows
        iris.extend(v for v, _ in rows)
    names = display_names(store, iris)
    for name, rows in raw.items():
        facets.values[name] = sorted(
            (
                FacetValue(v, pick_name(names.get(v, {}), lang, v.rsplit("/", 1)[-1]), n)
                for v, n in rows
            ),
            key=lambda f: (-f.count, f.label.lower()),
        )
    languages: dict[str, set[str]] = defaultdict(set)
    for entry_iri, entry in snapshot.manifest.documents.items():
        for project in entry.projects:
            languages[entry.language].add(project)
        languages[entry.language].add(entry_iri)
    wanted = set(projects)
    facets.values["language"] = [
        FacetValue(code, code, len(members & wanted))
        for code, members in sorted(languages.items())
        if members & wanted
    ]
    spans: dict[str, list[int]] = defaultdict(list)
    for row in store.query(
        f"""SELECT ?p ?s ?e WHERE {{ VALUES ?p {{ {values} }}
            OPTIONAL {{ ?p <{SCHEMA.startDate}> ?s }} OPTIONAL {{ ?p <{SCHEMA.endDate}> ?e }}
            FILTER(BOUND(?s) || BOUND(?e)) }}"""
    ):
        for term in (row["s"], row["e"]):
            if term is not None and term.value[:4].isdigit():
                spans[row["p"].value].append(int(term.value[:4]))
    per_year: dict[int, int] = defaultdict(int)
    for found in spans.values():
        low, high = min(found), max(found)
        for year in range(low, min(high, low + MAX_YEAR_SPAN) + 1):
            per_year[year] += 1
    if per_year:
        facets.years = (min(per_year), max(per_year))
        facets.values["year"] = [FacetValue(str(y), str(y), n) for y, n in sorted(per_year.items())]
    return facets


def parse_list(raw: Any) -> tuple[str, ...]:
    """Query parameters may repeat or be comma-separated."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return tuple(out)
