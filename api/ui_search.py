"""The search page's view: its state in the URL, facets, result lines, charts, exports.

:class:`SearchState` is everything that defines a results page; every link
the page draws (facet values, chips, pages, timeline bars, map bubbles, the
export and SPARQL links) is that state with one change, so the URL keeps the
whole state and the page works without JavaScript. :func:`search_context`
runs the search and shapes what ``search.html`` shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape

from api import charts, results_export, services
from api.engine import Engine, one_index_version
from api.i18n import LANGS
from api.schemas import FacetValueModel, SearchHit
from graph.views.entities import PLACE_KINDS, place_kinds, summaries
from graph.views.money import format_euros
from graph.views.projects import display_names, local_name, pick_name, safe_iri
from search.filters import FacetTable
from search.filters import Filters as SearchFilters
from search.money_filter import AmountRange, amount_range

PAGE_SIZE = 10
MAX_PAGE = services.MAX_OFFSET // PAGE_SIZE + 1
LIST_FACETS = ("place", "funder", "organisation", "theme", "status", "language")
#: Facets in the sidebar's order (``years`` is the search's ``year`` facet).
FACETS: tuple[str, ...] = (
    "place",
    "funder",
    "organisation",
    "theme",
    "years",
    "status",
    "language",
)


@dataclass
class SearchState:
    """Everything that defines a results page; it lives in the URL."""

    q: str = ""
    mode: str = "hybrid"
    page: int = 1
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: str = ""
    year_to: str = ""
    match: str = "precise"
    """``precise``: the matched set; ``broad``: every ranked project (weaker matches too)."""
    amount_min: str = ""
    amount_max: str = ""
    """The amount range in whole euros (:mod:`search.money_filter`)."""

    def params(self) -> list[tuple[str, str]]:
        """Query parameters, in a stable order."""
        out: list[tuple[str, str]] = [("q", self.q)]
        if self.mode != "hybrid":
            out.append(("mode", self.mode))
        if self.match != "precise":
            out.append(("match", self.match))
        for facet in LIST_FACETS:
            out.extend((facet, v) for v in self.filters.get(facet, []))
        if self.year_from:
            out.append(("year_from", self.year_from))
        if self.year_to:
            out.append(("year_to", self.year_to))
        out.extend(self._amount_params())
        if self.page > 1:
            out.append(("page", str(self.page)))
        return out

    def href(self) -> str:
        """The URL of this state."""
        return "/?" + urlencode(self.params())

    def toggle(self, facet: str, value: str) -> str:
        """URL with ``value`` added to (or removed from) ``facet``, back on page 1."""
        if facet == "years":
            return replace(self, year_from=value, year_to=value, page=1).href()
        values = list(self.filters.get(facet, []))
        values = [v for v in values if v != value] if value in values else [*values, value]
        return replace(self, filters={**self.filters, facet: values}, page=1).href()

    def _amount_params(self) -> list[tuple[str, str]]:
        return [
            (k, v)
            for k, v in (("amount_min", self.amount_min), ("amount_max", self.amount_max))
            if v
        ]

    def without_amount(self) -> str:
        """URL with the amount range removed."""
        return replace(self, amount_min="", amount_max="", page=1).href()

    def without_years(self) -> str:
        """URL with the year range removed."""
        return replace(self, year_from="", year_to="", page=1).href()

    def cleared(self) -> str:
        """URL with every filter removed."""
        return SearchState(q=self.q, mode=self.mode, match=self.match).href()

    def broadened(self) -> str:
        """URL of the same search answering with weaker matches too (``match=broad``)."""
        return replace(self, match="broad", page=1).href()

    def narrowed(self) -> str:
        """URL of the same search answering with the matched set only."""
        return replace(self, match="precise", page=1).href()

    def at_page(self, page: int) -> str:
        """URL of another page of the same results."""
        return replace(self, page=page).href()

    def selected(self, facet: str, value: str) -> bool:
        """Whether ``value`` is an active filter of ``facet``."""
        if facet == "years":
            return bool(self.year_from) and self.year_from == self.year_to == value
        return value in self.filters.get(facet, [])

    def year_href(self, year: int) -> str:
        """URL after clicking ``year`` on the timeline.

        With no year chosen, or a range, the click chooses that one year; with
        one year chosen, a click on another extends the choice into the range
        between them (a click on the same year removes it). The year filter
        is the year facet's, so the timeline narrows exactly as the facet does.
        """
        y = str(year)
        single = self.year_from and self.year_from == self.year_to
        if single and self.year_from == y:
            return self.without_years()
        if single:
            low, high = sorted((int(self.year_from), year))
            return replace(self, year_from=str(low), year_to=str(high), page=1).href()
        return replace(self, year_from=y, year_to=y, page=1).href()

    def year_selected(self, year: int) -> bool:
        """Whether ``year`` lies in the chosen range."""
        if not (self.year_from or self.year_to):
            return False
        low = int(self.year_from) if self.year_from else 0
        high = int(self.year_to) if self.year_to else 9999
        return low <= year <= high

    def api_params(self, fmt: str, k: int) -> str:
        """The query string of ``/api/search`` for this state's exports."""
        statuses = [charts.STATUS_KEY.get(v, v) for v in self.filters.get("status", [])]
        out: list[tuple[str, str]] = [("q", self.q), ("mode", self.mode), ("match", self.match)]
        for facet in ("place", "funder", "organisation", "theme", "language"):
            out.extend((facet, v) for v in self.filters.get(facet, []))
        out.extend(("status", v) for v in statuses)
        if self.year_from:
            out.append(("year_from", self.year_from))
        if self.year_to:
            out.append(("year_to", self.year_to))
        out.extend(self._amount_params())
        out += [("k", str(k)), ("format", fmt)]
        return urlencode(out)

    def search_filters(self) -> SearchFilters:
        """The state's filters, for the search itself."""
        return SearchFilters(
            places=tuple(self.filters.get("place", [])),
            funders=tuple(self.filters.get("funder", [])),
            organisations=tuple(self.filters.get("organisation", [])),
            themes=tuple(self.filters.get("theme", [])),
            year_from=int(self.year_from) if self.year_from else None,
            year_to=int(self.year_to) if self.year_to else None,
            statuses=tuple(self.filters.get("status", [])),
            languages=tuple(self.filters.get("language", [])),
        )

    def active_filters(self) -> dict[str, list[str]]:
        """The active filters by facet (the year range as one ``"from-to"`` value), for chips."""
        out = {k: v for k, v in self.filters.items() if v}
        if self.year_from or self.year_to:
            out["years"] = [f"{self.year_from}-{self.year_to}"]
        if self.amount_min or self.amount_max:
            out["amount"] = [f"{self.amount_min}-{self.amount_max}"]
        return out

    def amount_range(self) -> AmountRange:
        """The state's amount range, for the search itself."""
        return amount_range(self.amount_min, self.amount_max)


#: The UI takes no more than the API: filter values, query length, pages.
@one_index_version
def search_context(engine: Engine, state: SearchState, lang: str) -> dict[str, Any]:
    """Run the search of ``state`` and shape the results page."""
    context: dict[str, Any] = {"state": state, "response": None, "empty_index": False}
    if not state.q.strip() and not state.active_filters():
        view = engine.snapshot
        context["empty_index"] = view is None or not view.vector_count()
        return context
    # Filters run inside the search (before ranking), so every page of a
    # narrowed search is full; the facets count the whole ranked result set.
    run = services.run_search(
        engine,
        state.q,
        k=PAGE_SIZE,
        offset=(state.page - 1) * PAGE_SIZE,
        mode=state.mode,  # type: ignore[arg-type]
        filters=state.search_filters(),
        ui_lang=lang,
        match="broad" if state.match == "broad" else "precise",
        amount=state.amount_range(),
    )
    response = run.response
    table = engine.facet_table()
    top = response.results[0].score if response.results else 0.0
    context.update(
        response=response,
        total=response.total,
        hits=[hit_view(h, lang, top) for h in response.results],
        summaries=summaries(engine, [h.iri for h in response.results], lang),
        facets=facet_values(engine, response.facets),
        chips=facet_labels(engine, state.active_filters(), lang),
        pages=min(MAX_PAGE, max(1, -(-response.total // PAGE_SIZE))),
        timeline=charts.timeline(
            charts.year_status_counts(table, run.keys), state.year_href, state.year_selected
        ),
        map=search_map(engine, state, table, run.keys, lang),
        exports={
            fmt: "/api/search?" + state.api_params(fmt, services.EXPORT_MAX)
            for fmt in ("csv", "csv-excel", "records")
        },
        export_max=services.EXPORT_MAX,
        euros=partial(format_euros, lang=lang),
        # The query names the answer's members: the same set as the page, on any backend.
        sparql_href="/sparql-ui?"
        + urlencode({"query": results_export.matched_query(engine, run.keys)}),
    )
    return context


def search_map(
    engine: Engine, state: SearchState, table: FacetTable, keys: list[str], lang: str
) -> charts.MapView:
    """Regions, or the municipalities (and groups) of a chosen region (the map's zoom)."""
    chosen = state.filters.get("place", [])
    zoom = next((c for c in (charts.region_code(p, place_iri(engine)) for p in chosen) if c), None)
    return charts.finland_map(
        charts.place_counts(table, keys),
        place_iri(engine),
        lambda iri: state.toggle("place", iri),
        lambda iri: iri in chosen,
        lang,
        region=zoom,
        group_only=charts.group_only_counts(table, keys, place_iri(engine)),
    )


def place_iri(engine: Engine) -> Callable[[str], str]:
    """A reference key ("region-19", "698") -> its place IRI."""
    return lambda key: str(engine.iris.place(key))


def highlight(snippet: str, spans: Sequence[tuple[int, int]]) -> Markup:
    """``snippet`` as HTML with the matched spans in ``<mark>``."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos or start >= end or end > len(snippet):
            continue
        out.append(str(escape(snippet[pos:start])))
        out.append(f"<mark>{escape(snippet[start:end])}</mark>")
        pos = end
    out.append(str(escape(snippet[pos:])))
    return Markup("".join(out))  # noqa: S704 - every piece is escaped above


def hit_view(hit: SearchHit, lang: str, top: float) -> dict[str, Any]:
    """One result line: name in the UI language, the other name, snippet, relevance."""
    return {
        "hit": hit,
        "relevance": round(hit.score / top, 2) if top > 0 else 0.0,
        "name": pick_name(hit.names, lang, hit.name),
        "other_name": next(
            (n for code, n in hit.names.items() if code in LANGS and code != lang), None
        ),
        "snippet": highlight(hit.snippet, hit.highlights),
        "href": f"/project/{hit.id}" if hit.id else None,
    }


# -- facets --------------------------------------------------------------------------------


def facet_values(
    engine: Engine, counted: Mapping[str, Sequence[FacetValueModel]]
) -> dict[str, list[FacetValueModel]]:
    """The search's facet counts in the sidebar's order, places by kind, themes nested."""
    kinds = place_kinds(engine, [v.value for v in counted.get("place", [])])
    out: dict[str, list[FacetValueModel]] = {}
    for facet in FACETS:
        source = "year" if facet == "years" else facet
        items = [
            v.model_copy(update={"kind": kinds.get(v.value)}) if facet == "place" else v
            for v in counted.get(source, [])
        ]
        if facet == "years":
            items.sort(key=lambda v: v.value)
        elif facet == "place":
            order = {k: i for i, k in enumerate(PLACE_KINDS)}
            items.sort(key=lambda v: (-v.count, order.get(v.kind or "", 9), v.label.lower()))
        out[facet] = items
    return out


def facet_labels(
    engine: Engine, filters: Mapping[str, Sequence[str]], lang: str
) -> dict[tuple[str, str], str]:
    """Display names of the selected filter values, for the removable chips."""
    iris = [v for k, vs in filters.items() if k not in ("years", "language", "amount") for v in vs]
    names = display_names(engine.store, [i for i in iris if safe_iri(i)])
    out = {}
    for facet, values in filters.items():
        for value in values:
            if facet in ("years", "language"):
                out[(facet, value)] = value
            else:
                out[(facet, value)] = pick_name(names.get(value, {}), lang, local_name(value))
    return out
