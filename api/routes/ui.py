"""The web UI's routes: server-rendered pages for researchers, in Finnish and English.

Every page works without JavaScript; ``static/ui.js`` only adds conveniences
(running SPARQL in place, Ctrl+Enter). The UI language comes from ``?lang=``
(which also sets a cookie), then the cookie, then ``Accept-Language``. The
routes only parse requests and render: what a page shows is shaped in
:mod:`api.ui_search` and :mod:`api.ui_pages` from the readers the JSON API
shares.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api import services
from api.deps import EngineDep, SandboxDep
from api.engine import Engine
from api.i18n import COOKIE, LANGS, MESSAGES, choose_lang, normalise, translator
from api.routes.sparql import MAX_QUERY_CHARS
from api.security import install_filters
from api.ui_pages import (
    DOWNLOADS,
    RESULTS_JSON,
    VOCABULARY,
    ask_service,
    entity_context,
    project_context,
    row_limit_text,
    sparql_examples,
    sparql_table,
    status_label,
)
from api.ui_search import MAX_PAGE, SearchState, search_context
from graph.errors import HankeKGError, NotFound
from graph.views.entities import (
    EntityView,
    dataset_stats,
    entity_iri,
    organisation_view,
    place_view,
    theme_view,
)
from graph.vocab import HK, SCHEMA

FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
install_filters(TEMPLATES.env)

router = APIRouter(tags=["ui"], include_in_schema=False)

ENTITY_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"
PROJECT_ID = r"^[a-z0-9][a-z0-9-]{0,199}$"


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


#: The UI takes no more than the API: filter values, query length, pages.
StrList = Annotated[list[str] | None, Query(max_length=services.MAX_FILTER_VALUES)]
Year = Annotated[str, Query(pattern=r"^(\d{4})?$")]
#: Whole euros (the amount range of the search page's form).
Euros = Annotated[str, Query(pattern=r"^(\d{1,12})?$")]


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The site icon, where browsers ask for it."""
    return FileResponse(
        FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    engine: EngineDep,
    lang: LangDep,
    q: Annotated[str, Query(max_length=services.MAX_QUERY_CHARS)] = "",
    mode: Annotated[str, Query(pattern="^(hybrid|lexical|dense)$")] = "hybrid",
    match: Annotated[str, Query(pattern="^(precise|broad)$")] = "precise",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    place: StrList = None,
    funder: StrList = None,
    organisation: StrList = None,
    theme: StrList = None,
    status: StrList = None,
    language: StrList = None,
    year_from: Year = "",
    year_to: Year = "",
    amount_min: Euros = "",
    amount_max: Euros = "",
) -> HTMLResponse:
    """The search page: one box, facets, timeline, map, results, exports, pagination."""
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
        match=match,
        page=page,
        filters={k: list(v) for k, v in chosen.items() if v},
        year_from=year_from,
        year_to=year_to,
        amount_min=amount_min,
        amount_max=amount_max,
    )
    return render(request, "search.html", lang, search_context(engine, state, lang))


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
    return render(request, "project.html", lang, project_context(engine, project, lang))


def _entity_page(
    request: Request,
    engine: Engine,
    lang: str,
    kind: str,
    entity_id: str,
    view: Callable[[Engine, str, str], EntityView],
) -> HTMLResponse:
    if not re.match(ENTITY_ID, entity_id):
        return not_found(request, lang, entity_id)
    iri = entity_iri(engine, kind, entity_id)
    try:
        entity = view(engine, iri, lang)
    except NotFound:
        return not_found(request, lang, entity_id)
    return render(request, "entity.html", lang, entity_context(engine, kind, iri, entity, lang))


@router.get("/organisation/{entity_id}", response_class=HTMLResponse)
def organisation_page(
    request: Request, engine: EngineDep, lang: LangDep, entity_id: str
) -> HTMLResponse:
    """An organisation, its projects and roles, and its network."""
    return _entity_page(request, engine, lang, "organisation", entity_id, organisation_view)


@router.get("/place/{entity_id}", response_class=HTMLResponse)
def place_page(request: Request, engine: EngineDep, lang: LangDep, entity_id: str) -> HTMLResponse:
    """A municipality, region or group, its projects, and its network."""
    return _entity_page(request, engine, lang, "place", entity_id, place_view)


@router.get("/theme/{entity_id}", response_class=HTMLResponse)
def theme_page(request: Request, engine: EngineDep, lang: LangDep, entity_id: str) -> HTMLResponse:
    """A theme (YSO concept or theme group), its projects, and its network."""
    return _entity_page(request, engine, lang, "theme", entity_id, theme_view)


@router.get("/sparql-ui", response_class=HTMLResponse)
def sparql_page(
    request: Request,
    engine: EngineDep,
    sandbox: SandboxDep,
    lang: LangDep,
    query: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    example: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The SPARQL editor with examples; a given query is run here too (no JS needed)."""
    examples = sparql_examples(engine)
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
        try:
            answer = ask_service(engine, sandbox, query, RESULTS_JSON + ", text/turtle;q=0.5")
        except HankeKGError as exc:
            # Domain errors carry words meant for the user (as the endpoint's problem+json).
            context["error"] = str(exc)
        else:
            result = context["result"] = sparql_table(engine, answer)
            # cut by rows, by bytes, or by the page's own cap: "the first N rows" shown
            context["truncated"] = answer.truncated or result.get("cut", False)
            if context["truncated"] and "rows" in result:
                context["row_limit"] = row_limit_text(engine, lang, len(result["rows"]))
    return render(request, "sparql.html", lang, context)


@router.get("/sparql-ui/download")
def sparql_download(
    request: Request,
    engine: EngineDep,
    sandbox: SandboxDep,
    query: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    format: Annotated[str, Query(pattern="^(csv|json)$")] = "csv",  # noqa: A002 - URL name
) -> Response:
    """The query's results as a CSV or JSON file (works without JavaScript)."""
    media, filename = DOWNLOADS[format]
    answer = ask_service(engine, sandbox, query, media)
    headers = {}
    if answer.truncated:
        # The file name says it too: a saved file loses its headers.
        stem, ext = filename.rsplit(".", 1)
        filename = f"{stem}-first-{engine.settings.sparql_max_rows}-rows.{ext}"
        headers["X-Result-Truncated"] = "true"
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(answer.body, media_type=answer.media_type or None, headers=headers)


@router.get("/about", response_class=HTMLResponse)
def about_page(request: Request, engine: EngineDep, lang: LangDep) -> HTMLResponse:
    """Dataset statistics, the vocabulary, and the data sources with their licences."""
    return render(
        request,
        "about.html",
        lang,
        {
            "health": services.health(engine),
            "stats": dataset_stats(engine),
            "vocabulary": VOCABULARY,
            "hk": str(HK),
            "schema": str(SCHEMA),
        },
    )
