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

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

from graph.store.base import GraphStore
from graph.views.projects import display_names, pick_name, values_clause
from graph.vocab import HK, RDF, SCHEMA, SKOS

if TYPE_CHECKING:
    from graph.link.linker import Linker
    from search.index import IndexView as Snapshot

#: Organisation roles that count for the "organisation in any role" filter and
#: facet. hk:participant is their superproperty, and also an organisation's only
#: link where the text states no role.
ROLES = (
    SCHEMA.funder,
    HK.coordinator,
    HK.implementer,
    HK.partner,
    HK.steeringGroupMember,
    HK.participant,
)
STATUS = {"ended": HK.StatusEnded, "ongoing": HK.StatusOngoing, "planned": HK.StatusPlanned}
_YEAR = "xsd:integer(SUBSTR(STR({v}), 1, 4))"
#: Values returned per facet, most frequent first.
FACET_VALUES = 40
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


def _expand_places(places: tuple[str, ...], linker: Linker | None) -> set[str]:
    expanded: set[str] = set(places)
    if linker is not None:
        for place in places:
            expanded |= {str(i) for i in linker.expand_place(place)}
    return expanded


def _family(iris: tuple[str, ...], linker: Linker | None) -> set[str]:
    out = set(iris)
    if linker is not None:
        for iri in iris:
            out |= {str(i) for i in linker.organisation_family(iri)}
    return out


def _subjects(store: GraphStore, pattern: str) -> set[str]:
    rows = store.select_text(f"SELECT DISTINCT ?p WHERE {{ {pattern} }}")
    return {p for (p,) in rows if p is not None}


def _criteria(filters: Filters, linker: Linker | None) -> list[str]:
    """One small graph pattern per filter, each starting from its bound values.

    Every pattern binds ``?p`` from an index lookup on the value side, so each
    costs in proportion to the matching projects, not to the whole graph.
    """
    out: list[str] = []
    if filters.places:
        values = values_clause(_expand_places(filters.places, linker))
        out.append(
            f"""{{ VALUES ?area {{ {values} }} ?p <{SCHEMA.areaServed}> ?area }} UNION
            {{ VALUES ?inner {{ {values} }} ?area <{SCHEMA.containsPlace}> ?inner .
               ?p <{SCHEMA.areaServed}> ?area }}"""
        )
    if filters.funders:
        values = values_clause(_family(filters.funders, linker))
        out.append(f"VALUES ?funder {{ {values} }} ?p <{SCHEMA.funder}> ?funder")
    if filters.organisations:
        values = values_clause(_family(filters.organisations, linker))
        roles = " ".join(f"<{r}>" for r in ROLES)
        out.append(f"VALUES ?org {{ {values} }} VALUES ?role {{ {roles} }} ?p ?role ?org")
    if filters.themes:
        values = values_clause(filters.themes)
        out.append(
            f"VALUES ?top {{ {values} }} ?top <{SKOS.narrower}>* ?theme . "
            f"?p <{SCHEMA.about}> ?theme"
        )
    if filters.year_from is not None or filters.year_to is not None:
        low = filters.year_from if filters.year_from is not None else 0
        high = filters.year_to if filters.year_to is not None else 9999
        start, end = _YEAR.format(v="?start"), _YEAR.format(v="?end")
        out.append(
            f"""{{ ?p <{SCHEMA.startDate}> ?start }} UNION {{ ?p <{SCHEMA.endDate}> ?end }}
            OPTIONAL {{ ?p <{SCHEMA.startDate}> ?start }}
            OPTIONAL {{ ?p <{SCHEMA.endDate}> ?end }}
            FILTER(COALESCE({start}, {end}) <= {int(high)})
            FILTER(COALESCE({end}, 9999) >= {int(low)})"""
        )
    if filters.statuses:
        values = values_clause(str(STATUS.get(s, s)) for s in filters.statuses)
        out.append(f"VALUES ?status {{ {values} }} ?p <{HK.status}> ?status")
    return out


def allowed_projects(
    store: GraphStore,
    filters: Filters,
    linker: Linker | None,
    cache: dict[str, set[str]] | None = None,
) -> set[str]:
    """IRIs of the projects that pass every graph filter.

    Args:
        cache: pattern -> matching projects, valid for one version of the data
            (the engine keeps one per committed index snapshot).
    """
    result: set[str] | None = None
    for pattern in _criteria(filters, linker):
        found = cache.get(pattern) if cache is not None else None
        if found is None:
            found = _subjects(store, pattern)
            if cache is not None:
                cache[pattern] = found
        result = found if result is None else result & found
        if not result:
            return set()
    if result is None:
        return set()
    described = _described_projects(store, cache)
    return result & described


#: The filter cache's key for the described projects (every graph filter needs them).
DESCRIBED = "hk:Project"


def rewarm(store: GraphStore, cache: dict[str, set[Any]], patterns: Iterable[str]) -> None:
    """Fill a new data version's filter ``cache`` with the graph filter patterns an
    older version's cache held (its keys), so the filters in use stay fast after a write."""
    _described_projects(store, cache)
    for pattern in patterns:
        if pattern != DESCRIBED and not pattern.startswith(_CHUNKS) and pattern not in cache:
            cache[pattern] = _subjects(store, pattern)


def patched_cache(
    store: GraphStore, cache: dict[str, set[Any]], projects: Iterable[str]
) -> dict[str, set[Any]]:
    """A filter cache for the data after a write that changed ``projects``' triples:
    each cached pattern is run again for those projects only (one query each, its
    cost following their number). The graph filters' allowed chunk sets, which also
    depend on the index, are kept as *earlier* sets with the projects changed since,
    and patched on first use (:func:`allowed_chunks`); the other chunk sets are
    derived again on use."""
    changed = set(projects)
    # Only a subject with a triple a filter pattern starts from can match one (each binds
    # ?p through one of these predicates): one cheap query keeps the patterns' VALUES
    # small, which the store joins by lookup rather than by evaluating the whole pattern.
    predicates = ", ".join(f"<{p}>" for p in FILTER_PREDICATES)
    clause = values_clause(changed)
    candidates = (
        _subjects(
            store,
            f"VALUES ?p {{ {clause} }} ?p ?r ?o FILTER(?r IN ({predicates}) "
            f"|| (?r = <{RDF.type}> && ?o = <{HK.Project}>))",
        )
        if clause
        else set()
    )
    narrowed = values_clause(candidates)
    out: dict[str, set[Any]] = {}
    for key, found in cache.items():
        if key.startswith(_GRAPH_CHUNKS):
            out[_EARLIER + key], out[_SINCE + key] = found, changed
            continue
        if key.startswith(_EARLIER) and key[len(_EARLIER) :] not in cache:
            # not used since an earlier write: still patchable, with both writes' projects
            since = _SINCE + key[len(_EARLIER) :]
            out[key], out[since] = found, cache[since] | changed
            continue
        if key.startswith(_CHUNKS):
            continue
        pattern = f"?p a <{HK.Project}>" if key == DESCRIBED else key
        again = (
            _subjects(store, f"VALUES ?p {{ {narrowed} }} {{ {pattern} }}") if narrowed else set()
        )
        # Most writes leave a pattern's answer as it was: keep the set (and what the
        # index engines derived from it) rather than copy tens of thousands of projects.
        out[key] = found if (found & changed) == again else (found - changed) | again
    return out


#: Every predicate a graph filter pattern (:func:`_criteria`) binds ``?p`` through.
FILTER_PREDICATES = (
    SCHEMA.areaServed,
    *ROLES,
    SCHEMA.about,
    SCHEMA.startDate,
    SCHEMA.endDate,
    HK.status,
)


def _described_projects(store: GraphStore, cache: dict[str, set[str]] | None) -> set[str]:
    """Projects some document describes (``hk:Project``), not only mentions."""
    key = DESCRIBED
    found = cache.get(key) if cache is not None else None
    if found is None:
        found = _subjects(store, f"?p a <{HK.Project}>")
        if cache is not None:
            cache[key] = found
    return found


#: Prefix of the filter cache's keys for allowed chunk sets (the other keys are patterns).
_CHUNKS = "chunks "
#: A graph filter's allowed chunk set (patched after a write rather than derived again).
_GRAPH_CHUNKS = "chunks graph "
#: An earlier data version's :data:`_GRAPH_CHUNKS` set, and the projects changed since.
_EARLIER = "chunks earlier "
_SINCE = "chunks since "
#: Patch an earlier set while the subjects changed since are under this share of the
#: projects it allows, or this many (a write's subjects include organisations, places...).
PATCH_SHARE = 1 / 16
PATCH_FLOOR = 256


def allowed_chunks(
    store: GraphStore,
    snapshot: Snapshot,
    filters: Filters,
    linker: Linker | None,
    cache: dict[str, set[Any]] | None = None,
) -> set[int] | None:
    """Chunk ids that pass ``filters`` (``None`` when nothing is filtered).

    With a ``cache`` (one per data version), the same filters give back the same
    set object, which callers must not change: the index engines keep what they
    derive from it (a score mask, an id selector) by its identity. After a write, a
    graph filter's set is the earlier version's with the changed projects' chunks
    taken out or put in (:func:`_patched_chunks`), not a union over every allowed
    project (70 ms at N = 100,000 for a quarter of the projects).
    """
    if filters.is_empty():
        return None
    graph = bool(filters.graph_filters())
    key = f"{_GRAPH_CHUNKS if graph else _CHUNKS}{filters!r}"
    if cache is not None and key in cache:
        return cache[key]
    by_key = snapshot.chunks_by_key()
    if graph:
        keys: set[str] = allowed_projects(store, filters, linker, cache)
    else:
        keys = set(by_key)
    if filters.languages:
        languages = snapshot.key_languages()
        keys = {k for k in keys if languages.get(k, set()) & set(filters.languages)}
    allowed = _patched_chunks(cache, key, keys, by_key) if graph and cache is not None else None
    if allowed is None:
        allowed = {cid for k in keys for cid in by_key.get(k, ())}
    if cache is not None:
        cache[key] = allowed
    return allowed


def _patched_chunks(
    cache: dict[str, set[Any]], key: str, keys: set[str], by_key: Mapping[str, list[int]]
) -> set[int] | None:
    """The earlier version's allowed chunk set for ``key``, made current: the chunks of
    the projects changed since are taken out, then those of the ones ``keys`` allows
    now put back. ``None`` when there is no earlier set, or too much changed.

    A chunk a write removed is not taken out when its project stays allowed; it is
    dead, and chunk ids are never given out again (a counter in the index manifest, a
    sequence on PostgreSQL), so it admits nothing, as a removed chunk id in a score
    mask does."""
    earlier, since = cache.pop(_EARLIER + key, None), cache.pop(_SINCE + key, None)
    if earlier is None or since is None or len(since) > PATCH_SHARE * len(keys) + PATCH_FLOOR:
        return None
    leaving = [cid for k in since if k not in keys for cid in by_key.get(k, ())]
    joining = [cid for k in since if k in keys for cid in by_key.get(k, ())]
    allowed = earlier.difference(leaving) if leaving else set(earlier)
    allowed.update(joining)
    return allowed


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


@dataclass
class FacetTable:
    """Every described project's facet values, read once per index version.

    Places carry the areas containing them and themes the groups above them, so
    counting a result set is a pass over its projects with no query at all.
    """

    values: Mapping[str, list[tuple[str, str]]]
    """project -> [(facet, value IRI)]."""
    years: Mapping[str, tuple[int, int]]
    """project -> (first year, last year)."""
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    """IRI -> {language: name}, filled as facet values and results are shown."""
    sources: dict[str, str] = field(default_factory=dict)
    """document IRI -> its URL or file name, filled as results are shown."""
    above: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """facet -> value -> the values above it (kept to patch the table after a write)."""


def facet_table(store: GraphStore) -> FacetTable:
    """Read the facet values of all described projects (three queries)."""
    above = facet_hierarchy(store)
    values, years = facet_rows(store, above)
    return FacetTable(values=values, years=years, above=above)


def facet_hierarchy(store: GraphStore) -> dict[str, dict[str, list[str]]]:
    """Facet -> value -> the values above it (the areas containing a place, a theme's groups)."""
    return {
        "place": _pairs(store, f"?x <{SCHEMA.containedInPlace}> ?y"),
        "theme": _pairs(store, f"?y <{SKOS.narrower}> ?x"),
    }


def facet_rows(
    store: GraphStore,
    above: dict[str, dict[str, list[str]]],
    projects: Iterable[str] | None = None,
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, tuple[int, int]]]:
    """The facet values and years of every described project, or of ``projects`` only
    (one query whose cost follows their number: patching after a write)."""
    facet_of = {str(SCHEMA.areaServed): "place", str(SCHEMA.funder): "funder"}
    facet_of |= {str(r): "organisation" for r in ROLES[1:]}
    facet_of |= {str(SCHEMA.about): "theme", str(HK.status): "status"}
    dates = {str(SCHEMA.startDate), str(SCHEMA.endDate)}
    predicates = ", ".join(f"<{p}>" for p in [*facet_of, *dates])
    funder = str(SCHEMA.funder)
    values: dict[str, set[tuple[str, str]]] = defaultdict(set)
    found_years: dict[str, list[int]] = defaultdict(list)
    only = ""
    if projects is not None:
        clause = values_clause(projects)
        if not clause:
            return {}, {}
        only = f"VALUES ?p {{ {clause} }} "
    for project, predicate, value in store.select_text(
        f"SELECT ?p ?r ?o WHERE {{ {only}?p a <{HK.Project}> . ?p ?r ?o "
        f"FILTER(?r IN ({predicates})) }}"
    ):
        if project is None or predicate is None or value is None:
            continue
        if predicate in dates:
            if value[:4].isdigit():
                found_years[project].append(int(value[:4]))
            continue
        values[project].add((facet_of[predicate], value))
        if predicate == funder:
            values[project].add(("organisation", value))
    for items in values.values():
        for facet, value in list(items):
            for parent in above.get(facet, {}).get(value, ()):
                items.add((facet, parent))
    return (
        {p: sorted(v) for p, v in values.items()},
        {p: (min(ys), max(ys)) for p, ys in found_years.items()},
    )


def _pairs(store: GraphStore, pattern: str) -> dict[str, list[str]]:
    """``?x`` -> every ``?y`` of ``pattern``."""
    out: dict[str, list[str]] = defaultdict(list)
    for x, y in store.select_text(f"SELECT ?x ?y WHERE {{ {pattern} }}"):
        if x is not None and y is not None:
            out[x].append(y)
    return out


def facet_counts(
    store: GraphStore,
    snapshot: Snapshot,
    table: FacetTable,
    keys: list[str],
    lang: str = "fi",
) -> Facets:
    """Count places (with the areas containing them), funders, organisations,
    themes (with their groups), status, years and document languages over the
    projects (or documents) ``keys``; only the shown values are named."""
    facets = Facets()
    members: dict[str, dict[str, int]] = defaultdict(dict)
    # Counted in C (Counter over one chained iterable): thousands of (facet, value)
    # pairs per search, which a Python loop spent ~20 ms on at N = 10,000.
    pairs = Counter(chain.from_iterable(map(table.values.get, keys, repeat((), len(keys)))))
    for (facet, value), n in pairs.items():
        members[facet][value] = n
    per_year: dict[int, int] = defaultdict(int)
    for key in keys:
        if key in table.years:
            low, high = table.years[key]
            for year in range(low, min(high, low + MAX_YEAR_SPAN) + 1):
                per_year[year] += 1
    top = {
        facet: sorted(members[facet].items(), key=lambda item: (-item[1], item[0]))[:FACET_VALUES]
        for facet in ("place", "funder", "organisation", "theme", "status")
    }
    unnamed = [v for items in top.values() for v, _ in items if v not in table.names]
    if unnamed:
        found = display_names(store, unnamed)
        for value in unnamed:
            table.names[value] = found.get(value, {})
    for facet, items in top.items():
        facets.values[facet] = sorted(
            (
                FacetValue(v, pick_name(table.names[v], lang, v.rsplit("/", 1)[-1]), n)
                for v, n in items
            ),
            key=lambda f: (-f.count, f.label.lower()),
        )
    languages = snapshot.key_languages()
    per_language: dict[str, int] = defaultdict(int)
    for key in keys:
        for code in languages.get(key, ()):
            per_language[code] += 1
    facets.values["language"] = [FacetValue(c, c, n) for c, n in sorted(per_language.items())]
    if per_year:
        facets.years = (min(per_year), max(per_year))
        facets.values["year"] = [FacetValue(str(y), str(y), n) for y, n in sorted(per_year.items())]
    return facets


def graph_patterns(filters: Filters, linker: Linker | None) -> list[str]:
    """The SPARQL patterns the graph filters run (each binds the project ``?p``),
    for a query that reproduces a filtered search (the UI's "Open in SPARQL")."""
    return _criteria(filters, linker)
