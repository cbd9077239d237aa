"""The web UI: server-rendered pages for researchers, in Finnish and English.

Every page works without JavaScript; ``static/ui.js`` only adds conveniences
(running SPARQL in place, Ctrl+Enter). The UI language comes from ``?lang=``
(which also sets a cookie), then the cookie, then ``Accept-Language``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.types import ASGIApp

from api import charts, results_export, services, ui_data
from api.deps import EngineDep
from api.engine import Engine
from api.i18n import COOKIE, LANGS, MESSAGES, choose_lang, normalise, translator
from api.routes.sparql import MAX_QUERY_CHARS
from api.schemas import EvidenceModel, SearchHit
from api.security import install_filters
from graph.errors import NotFound
from graph.views import pick_name
from graph.vocab import HK, PREFIXES, SCHEMA
from search.filters import Filters as SearchFilters

logger = logging.getLogger(__name__)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
install_filters(TEMPLATES.env)

router = APIRouter(tags=["ui"], include_in_schema=False)

#: Results fetched from the search before filtering and paging.
PAGE_SIZE = 10
RELATED_K = 5
ENTITY_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"
PROJECT_ID = r"^[a-z0-9][a-z0-9-]{0,199}$"
LIST_FACETS = ("place", "funder", "organisation", "theme", "status", "language")


def ui_lang(request: Request, lang: Annotated[str | None, Query(max_length=8)] = None) -> str:
    """The UI language for this request."""
    return choose_lang(lang, request.cookies.get(COOKIE), request.headers.get("accept-language"))


LangDep = Annotated[str, Depends(ui_lang)]


def _lang_href(request: Request, lang: str) -> str:
    """This page's URL in ``lang`` (the other query parameters kept)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return f"{request.url.path}?{urlencode(params)}"


def render(
    request: Request,
    name: str,
    lang: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template with the catalogue and language switch in its context."""
    t = translator(lang)
    base = {
        "lang": lang,
        "t": t,
        "has_msg": lambda key: key in MESSAGES[lang],
        "langs": LANGS,
        "lang_href": lambda code: _lang_href(request, code),
        "path": request.url.path,
        "status_label": lambda value: status_label(t, lang, value),
    }
    response = TEMPLATES.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code
    )
    chosen = normalise(request.query_params.get("lang"))
    if chosen:
        # A year, so a bookmarked link without ?lang keeps the reader's choice.
        response.set_cookie(COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


def not_found(request: Request, lang: str, detail: str) -> HTMLResponse:
    """The HTML 404 page."""
    return render(request, "error.html", lang, {"detail": detail}, status_code=404)


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


def period(start: str | None, end: str | None) -> str:
    """ "2010–2013", "2012-02-01 – 2013-10-31", or what is known."""
    if not start and not end:
        return ""
    if start and end and len(start) == 4 and len(end) == 4:
        return f"{start}–{end}"
    return f"{start or '…'} – {end or '…'}"


def local_name(iri: str) -> str:
    """The last segment of an IRI."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def status_label(t: Callable[..., str], lang: str, value: str | None) -> str:
    """A project status ("StatusEnded" or its IRI) in the UI language."""
    if not value:
        return ""
    key = f"status.{local_name(value)}"
    return t(key) if key in MESSAGES[lang] else value


def predicate_label(t: Callable[..., str], lang: str, iri: str) -> str:
    """A readable name for a predicate IRI (roles, then other predicates)."""
    local = local_name(iri)
    for key in (f"role.{local}", f"pred.{local}"):
        if key in MESSAGES[lang]:
            return t(key)
    return local


# -- search ----------------------------------------------------------------------------


@dataclass
class SearchState:
    """Everything that defines a results page; it lives in the URL."""

    q: str = ""
    mode: str = "hybrid"
    page: int = 1
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: str = ""
    year_to: str = ""

    def params(self) -> list[tuple[str, str]]:
        """Query parameters, in a stable order."""
        out: list[tuple[str, str]] = [("q", self.q)]
        if self.mode != "hybrid":
            out.append(("mode", self.mode))
        for facet in LIST_FACETS:
            out.extend((facet, v) for v in self.filters.get(facet, []))
        if self.year_from:
            out.append(("year_from", self.year_from))
        if self.year_to:
            out.append(("year_to", self.year_to))
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

    def without_years(self) -> str:
        """URL with the year range removed."""
        return replace(self, year_from="", year_to="", page=1).href()

    def cleared(self) -> str:
        """URL with every filter removed."""
        return SearchState(q=self.q, mode=self.mode).href()

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
        out: list[tuple[str, str]] = [("q", self.q), ("mode", self.mode)]
        for facet in ("place", "funder", "organisation", "theme", "language"):
            out.extend((facet, v) for v in self.filters.get(facet, []))
        out.extend(("status", v) for v in statuses)
        if self.year_from:
            out.append(("year_from", self.year_from))
        if self.year_to:
            out.append(("year_to", self.year_to))
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
        """The filters for :func:`api.ui_data.apply_filters`."""
        out = {k: v for k, v in self.filters.items() if v}
        if self.year_from or self.year_to:
            out["years"] = [f"{self.year_from}-{self.year_to}"]
        return out


#: The UI takes no more than the API: filter values, query length, pages.
StrList = Annotated[list[str] | None, Query(max_length=services.MAX_FILTER_VALUES)]
MAX_PAGE = services.MAX_OFFSET // PAGE_SIZE + 1
Year = Annotated[str, Query(pattern=r"^(\d{4})?$")]


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    engine: EngineDep,
    lang: LangDep,
    q: Annotated[str, Query(max_length=services.MAX_QUERY_CHARS)] = "",
    mode: Annotated[str, Query(pattern="^(hybrid|lexical|dense)$")] = "hybrid",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    place: StrList = None,
    funder: StrList = None,
    organisation: StrList = None,
    theme: StrList = None,
    status: StrList = None,
    language: StrList = None,
    year_from: Year = "",
    year_to: Year = "",
) -> HTMLResponse:
    """The search page: one box, facets, results with snippets, pagination."""
    chosen = {
        "place": place,
        "funder": funder,
        "organisation": organisation,
        "theme": theme,
        "status": status,
        "language": language,
    }
    state = SearchState(
        q=q,
        mode=mode,
        page=page,
        filters={k: list(v) for k, v in chosen.items() if v},
        year_from=year_from,
        year_to=year_to,
    )
    context: dict[str, Any] = {"state": state, "response": None, "empty_index": False}
    if q.strip():
        # Filters run inside the search (before ranking), so every page of a
        # narrowed search is full; the facets count the whole ranked result set.
        run = services.run_search(
            engine,
            q,
            k=PAGE_SIZE,
            offset=(state.page - 1) * PAGE_SIZE,
            mode=mode,  # type: ignore[arg-type]
            filters=state.search_filters(),
            ui_lang=lang,
        )
        response = run.response
        pages = min(MAX_PAGE, max(1, -(-response.total // PAGE_SIZE)))
        table = engine.facet_table()
        top = response.results[0].score if response.results else 0.0
        context.update(
            response=response,
            total=response.total,
            hits=[_hit_view(h, lang, top) for h in response.results],
            summaries=ui_data.summaries(engine, [h.iri for h in response.results], lang),
            facets=ui_data.facet_values(engine, response.facets, lang),
            chips=ui_data.facet_labels(engine, state.active_filters(), lang),
            pages=pages,
            timeline=charts.timeline(
                charts.year_status_counts(table, run.keys), state.year_href, state.year_selected
            ),
            map=_search_map(engine, state, charts.place_counts(table, run.keys), lang),
            exports={
                fmt: "/api/search?" + state.api_params(fmt, services.EXPORT_MAX)
                for fmt in ("csv", "records")
            },
            export_max=services.EXPORT_MAX,
            sparql_href="/sparql-ui?"
            + urlencode({"query": results_export.sparql_query(engine, q, state.search_filters())}),
        )
    else:
        view = engine.snapshot
        context["empty_index"] = view is None or not view.vector_count()
    return render(request, "search.html", lang, context)


def _search_map(
    engine: Engine, state: SearchState, counts: dict[str, int], lang: str
) -> charts.MapView:
    """Regions, or the municipalities of a chosen region (the map's zoom)."""
    chosen = state.filters.get("place", [])
    zoom = next((c for c in (charts.region_code(p, _place_iri(engine)) for p in chosen) if c), None)
    return charts.finland_map(
        counts,
        _place_iri(engine),
        lambda iri: state.toggle("place", iri),
        lambda iri: iri in chosen,
        lang,
        region=zoom,
    )


def _place_iri(engine: Engine) -> Callable[[str], str]:
    return lambda key: str(engine.iris.place(key))


def _hit_view(hit: SearchHit, lang: str, top: float) -> dict[str, Any]:
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


# -- project page ----------------------------------------------------------------------


@router.get("/project/{project_id}", response_class=HTMLResponse)
def project_page(
    request: Request,
    engine: EngineDep,
    lang: LangDep,
    project_id: str,
) -> HTMLResponse:
    """A project: names, period, roles, places, themes, evidence in the source text."""
    if not re.match(PROJECT_ID, project_id):
        return not_found(request, lang, project_id)
    try:
        project = services.project(engine, project_id, lang)
    except NotFound:
        return not_found(request, lang, project_id)
    t = translator(lang)
    documents = ui_data.document_texts(engine, [d.iri for d in project.documents])
    texts = [(doc, ui_data.segments(doc.text, project.evidence, doc.iri)) for doc in documents]
    evidence_names = ui_data.evidence_objects(engine, project.evidence, lang)
    placed = {s.evidence for _, segs in texts for s in segs if s.evidence is not None}
    # Where the project is only mentioned, its facts are other projects' facts
    # about it: the row names the mentioning project.
    facts = [
        {
            "index": i,
            "predicate": predicate_label(t, lang, e.predicate),
            "value": status_label(t, lang, e.object)
            if local_name(e.predicate) == "status"
            else evidence_names.get(_other(e, project.iri), _other(e, project.iri)),
            "href": ui_data.href_for(engine, _other(e, project.iri)),
            "evidence": e,
            "placed": i in placed,
        }
        for i, e in enumerate(project.evidence)
    ]
    return render(
        request,
        "project.html",
        lang,
        {
            "project": project,
            "name": pick_name(project.names, lang, project.id),
            "period": period(project.start_date, project.end_date),
            "roles": {
                k: ui_data.refs(engine, [r.iri for r in v], lang) for k, v in project.roles.items()
            },
            "persons": project.persons,
            "places": ui_data.refs(engine, [r.iri for r in project.places], lang),
            "regions": ui_data.place_regions(engine, [r.iri for r in project.places], lang),
            "themes": ui_data.refs(engine, [r.iri for r in project.themes], lang),
            "parents": ui_data.refs(engine, [r.iri for r in project.parents], lang),
            "linked": ui_data.refs(engine, [r.iri for r in project.related], lang),
            "mentioned_by": ui_data.refs(engine, [r.iri for r in project.mentioned_by], lang),
            "publications": project.publications,
            "texts": texts,
            "facts": facts,
            "related": _related(engine, project_id, lang),
            "yso": str(PREFIXES["yso"]),
        },
    )


def _other(evidence: EvidenceModel, project: str) -> str:
    """The fact's end that is not the project itself."""
    if evidence.subject and evidence.subject != project:
        return evidence.subject
    return evidence.object


def _related(engine: Engine, project_id: str, lang: str) -> list[dict[str, Any]] | None:
    """Related projects with reasons and scores (``None`` hides the section)."""
    related = getattr(services, "related", None)
    if related is None:
        return None
    try:
        response = related(engine, project_id, k=RELATED_K, lang=lang)
    except NotFound:
        return None
    out = []
    for item in response.results:
        out.append(
            {
                "name": pick_name(item.names, lang, item.name),
                "href": ui_data.href_for(engine, item.iri),
                "score": item.score,
                "reasons": [
                    {"kind": r.kind, "label": r.label, "href": ui_data.href_for(engine, r.iri)}
                    if r.iri
                    else {"kind": r.kind, "label": r.label, "href": None}
                    for r in item.reasons
                ],
            }
        )
    return out


# -- entity pages ----------------------------------------------------------------------


def _entity_page(
    request: Request,
    engine: Engine,
    lang: str,
    kind: str,
    entity_id: str,
    view: Callable[[Engine, str, str], ui_data.EntityView],
) -> HTMLResponse:
    if not re.match(ENTITY_ID, entity_id):
        return not_found(request, lang, entity_id)
    iri = ui_data.entity_iri(engine, kind, entity_id)
    try:
        entity = view(engine, iri, lang)
    except NotFound:
        return not_found(request, lang, entity_id)
    keys = [p.iri for p, _ in entity.projects]
    graph = ui_data.network(engine, iri, entity.name, keys, lang)
    table = engine.facet_table()
    # A bar leads to the search for the entity's name, narrowed to it and that year.
    scoped = SearchState(q=entity.name, filters={kind: [iri]})
    place_iri = _place_iri(engine)
    return render(
        request,
        "entity.html",
        lang,
        {
            "entity": entity,
            "network": graph,
            "yso": str(PREFIXES["yso"]),
            "timeline": charts.timeline(
                charts.year_status_counts(table, keys), scoped.year_href, lambda _: False
            ),
            "map": charts.finland_map(
                charts.place_counts(table, keys),
                place_iri,
                lambda place: ui_data.href_for(engine, place),
                lambda place: place == iri,
                lang,
                region=charts.region_code(iri, place_iri) if kind == "place" else None,
            )
            if keys
            else None,
        },
    )


@router.get("/organisation/{entity_id}", response_class=HTMLResponse)
def organisation_page(
    request: Request, engine: EngineDep, lang: LangDep, entity_id: str
) -> HTMLResponse:
    """An organisation, its projects and roles, and its network."""
    return _entity_page(request, engine, lang, "organisation", entity_id, ui_data.organisation_view)


@router.get("/place/{entity_id}", response_class=HTMLResponse)
def place_page(request: Request, engine: EngineDep, lang: LangDep, entity_id: str) -> HTMLResponse:
    """A municipality, region or group, its projects, and its network."""
    return _entity_page(request, engine, lang, "place", entity_id, ui_data.place_view)


@router.get("/theme/{entity_id}", response_class=HTMLResponse)
def theme_page(request: Request, engine: EngineDep, lang: LangDep, entity_id: str) -> HTMLResponse:
    """A theme (YSO concept or theme group), its projects, and its network."""
    return _entity_page(request, engine, lang, "theme", entity_id, ui_data.theme_view)


# -- SPARQL ----------------------------------------------------------------------------


@dataclass
class EndpointAnswer:
    """What ``/sparql`` answered to a query sent from the UI."""

    status: int
    media_type: str
    body: bytes
    truncated: bool = False
    """The endpoint cut the answer at its row limit (``X-Result-Truncated``)."""


async def ask_endpoint(app: ASGIApp, query: str, accept: str) -> EndpointAnswer:
    """POST ``query`` to this app's own ``/sparql`` route, in process.

    Going through the ASGI app rather than the store keeps the endpoint's
    rules (SERVICE refused, time and row limits, sandboxing) for the UI too,
    and keeps the UI independent of how the endpoint is built.
    """
    body = query.encode("utf-8")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/sparql-query"),
            (b"accept", accept.encode("latin-1")),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"host", b"ui.internal"),
        ],
        "client": ("127.0.0.1", 0),
        "server": ("ui.internal", 80),
    }
    sent = False
    status = 500
    media = ""
    truncated = False
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, media, truncated
        if message["type"] == "http.response.start":
            status = int(message["status"])
            for key, value in message.get("headers", []):
                if key.lower() == b"content-type":
                    media = value.decode("latin-1").split(";")[0].strip()
                elif key.lower() == b"x-result-truncated":
                    truncated = value.strip().lower() == b"true"
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)  # type: ignore[arg-type]
    return EndpointAnswer(status, media, b"".join(chunks), truncated)


def _problem_detail(answer: EndpointAnswer) -> str:
    """The words of an error answer (problem+json ``detail``), never raw bytes."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        return f"HTTP {answer.status}"
    if isinstance(data, dict):
        return str(data.get("detail") or data.get("title") or f"HTTP {answer.status}")
    return f"HTTP {answer.status}"


@router.get("/sparql-ui", response_class=HTMLResponse)
async def sparql_page(
    request: Request,
    engine: EngineDep,
    lang: LangDep,
    query: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    example: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The SPARQL editor with examples; a given query is run here too (no JS needed)."""
    examples = ui_data.sparql_examples(engine)
    chosen = next((e for e in examples if e.key == example), None)
    text = query or (chosen.query if chosen else examples[0].query)
    context: dict[str, Any] = {
        "examples": examples,
        "query": text,
        "example": chosen.key if chosen else "",
        "result": None,
        "error": None,
        "truncated": False,
        "row_limit": row_limit_text(engine, lang),
    }
    if query.strip():
        answer = await ask_endpoint(request.app, query, RESULTS_JSON + ", text/turtle;q=0.5")
        if answer.status >= 400:
            context["error"] = _problem_detail(answer)
        else:
            context["result"] = _table(engine, answer)
            context["truncated"] = answer.truncated
    return render(request, "sparql.html", lang, context)


def row_limit_text(engine: Engine, lang: str) -> str:
    """The endpoint's row limit as the UI language writes numbers ("10 000", "10,000")."""
    text = f"{engine.settings.sparql_max_rows:,}"
    return text.replace(",", "\u00a0") if lang == "fi" else text


RESULTS_JSON = "application/sparql-results+json"


def _table(engine: Engine, answer: EndpointAnswer) -> dict[str, Any]:
    """Shape an endpoint answer for the results table."""
    if "json" not in answer.media_type or answer.media_type == "application/ld+json":
        return {"graph": answer.body.decode("utf-8", errors="replace")}
    data = json.loads(answer.body)
    if "boolean" in data:
        return {"boolean": bool(data["boolean"])}
    columns = data.get("head", {}).get("vars", [])
    rows = [
        [_cell(engine, binding.get(c)) for c in columns]
        for binding in data.get("results", {}).get("bindings", [])
    ]
    return {"columns": columns, "rows": rows}


def _cell(engine: Engine, term: dict[str, str] | None) -> dict[str, str | None]:
    if term is None:
        return {"text": "", "href": None}
    value = term.get("value", "")
    if term.get("type") == "uri":
        return {"text": value, "href": ui_data.href_for(engine, value) or value}
    return {"text": value, "href": None, "lang": term.get("xml:lang")}


DOWNLOADS = {
    "csv": ("text/csv", "results.csv"),
    "json": (RESULTS_JSON, "results.json"),
}


@router.get("/sparql-ui/download")
async def sparql_download(
    request: Request,
    query: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    format: Annotated[str, Query(pattern="^(csv|json)$")] = "csv",  # noqa: A002 - URL name
) -> Response:
    """The query's results as a CSV or JSON file (works without JavaScript)."""
    media, filename = DOWNLOADS[format]
    answer = await ask_endpoint(request.app, query, media)
    headers = {}
    if answer.truncated:
        # The file name says it too: a saved file loses its headers.
        stem, ext = filename.rsplit(".", 1)
        filename = f"{stem}-first-{request.app.state.settings.sparql_max_rows}-rows.{ext}"
        headers["X-Result-Truncated"] = "true"
    if answer.status < 400:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.media_type or None,
        headers=headers,
    )


# -- about -----------------------------------------------------------------------------

VOCABULARY: tuple[tuple[str, str], ...] = (
    (
        "hk:Project, schema:Project",
        "schema:name @fi/@en, schema:startDate, schema:endDate, schema:description, hk:status",
    ),
    ("schema:Organization", "schema:name, schema:alternateName, owl:sameAs"),
    ("schema:Person", "schema:name"),
    (
        "hk:Municipality, schema:AdministrativeArea",
        "schema:name, hk:municipalityCode, schema:containedInPlace",
    ),
    ("hk:Region, hk:MunicipalityGroup", "schema:name, schema:containsPlace"),
    ("skos:Concept", "skos:prefLabel @fi/@en (YSO IRIs kept)"),
    (
        "project links",
        "schema:funder, hk:coordinator, hk:implementer, hk:partner, "
        "hk:steeringGroupMember, hk:responsiblePerson, schema:areaServed, schema:about, "
        "schema:isPartOf, hk:relatedProject, schema:subjectOf",
    ),
    (
        "prov:Entity, schema:WebPage",
        "schema:url, hk:sha256, schema:inLanguage, "
        "prov:generatedAtTime, schema:text; project prov:wasDerivedFrom document",
    ),
    (
        "hk:Evidence",
        "rdf:subject, rdf:predicate, rdf:object, hk:quote, hk:startOffset, "
        "hk:endOffset, hk:extractor",
    ),
)


@router.get("/about", response_class=HTMLResponse)
def about_page(request: Request, engine: EngineDep, lang: LangDep) -> HTMLResponse:
    """Dataset statistics, the vocabulary, and the data sources with their licences."""
    return render(
        request,
        "about.html",
        lang,
        {
            "health": services.health(engine),
            "stats": ui_data.dataset_stats(engine),
            "vocabulary": VOCABULARY,
            "hk": str(HK),
            "schema": str(SCHEMA),
        },
    )
