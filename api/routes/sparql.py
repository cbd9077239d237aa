"""SPARQL 1.1 Protocol: queries at ``/sparql``, updates at ``/sparql/update``.

Queries run through the store's query runner (killable worker processes on the
embedded store, an HTTP request with a timeout on a server) with a time
limit (``HANKEKG_SPARQL_TIMEOUT_S``) and a row limit (``HANKEKG_SPARQL_MAX_ROWS``;
a cut answer carries ``X-Result-Truncated: true``). ``SERVICE`` (and ``LOAD``
in updates) is refused before evaluation, decided on a real parse tree
(:mod:`graph.store.guard`, run by the runner: in the network-less workers on the
embedded store). Updates need the bearer token and are off when none is
configured; the runner guards them, then the writer applies the checked text.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, SandboxDep, SettingsDep
from api.engine import Engine
from api.rdf_out import serialize
from api.schemas_ld import body_content, problems
from api.services import dataset_counts
from api.sparql_protocol import (
    GRAPH_MEDIA,
    RESULT_MEDIA,
    choose_formats,
    service_description,
    too_deep,
)
from api.workers import TokenDep
from graph.config import Settings
from graph.errors import HankeKGError, QueryError, QueryTimeout
from graph.iris import is_iri
from graph.store.base import (
    Job,
    QueryBusy,
    QueryKilled,
    QueryNotAcceptable,
    QueryRefused,
    QueryRunner,
    QuerySyntaxError,
)
from graph.vocab import PREFIXES, SD, VOID

logger = logging.getLogger(__name__)

router = APIRouter(tags=["sparql"])

MAX_QUERY_CHARS = 100_000
QUERY_MEDIA = "application/sparql-query"
UPDATE_MEDIA = "application/sparql-update"
FORM_MEDIA = "application/x-www-form-urlencoded"
ALL_MEDIA = list(dict.fromkeys([*RESULT_MEDIA, *GRAPH_MEDIA]))


class NotAcceptable(HankeKGError):
    """No representation matches the ``Accept`` header."""

    title = "Not acceptable"
    status = 406


class UnsupportedMedia(HankeKGError):
    """The request body has a media type this endpoint does not take."""

    title = "Unsupported media type"
    status = 415


QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Query results (SELECT/ASK) or an RDF graph (CONSTRUCT/DESCRIBE), "
        "or the service description when no query is given.",
        "content": body_content(ALL_MEDIA),
        "headers": {
            "X-Result-Truncated": {
                "description": "Present when the row limit cut the answer.",
                "schema": {"type": "string"},
            }
        },
    },
    **problems(400, 406, 413, 415, 422, 503),
}

QueryParam = Annotated[
    str | None,
    Query(
        max_length=MAX_QUERY_CHARS, description="SPARQL 1.1 query.", examples=["ASK { ?s ?p ?o }"]
    ),
]
GraphsParam = Annotated[list[str] | None, Query(max_length=50)]
FormatParam = Annotated[
    str | None,
    Query(
        max_length=100,
        description="Result format, overriding Accept: json, xml, csv, tsv, turtle, ntriples, "
        "jsonld, rdfxml, trig, or a media type.",
    ),
]


def run_query(
    engine: Engine,
    query: str,
    accept: str,
    *,
    sandbox: QueryRunner | None = None,
    settings: Settings | None = None,
) -> Response:
    """Run ``query`` as the endpoint does (for the web UI); pass the app's ``sandbox``.

    Without a sandbox a one-off worker is started for this query, which is safe
    but slow (a process start and a checkpoint).
    """
    settings = settings or engine.settings
    if sandbox is not None:
        return execute(engine, sandbox, settings, query, accept, None, [], [])
    own = engine.store.query_runner(settings.home / "sparql-snapshots", 1)
    try:
        return execute(engine, own, settings, query, accept, None, [], [])
    finally:
        own.close()


def _token(engine: Engine) -> object:
    """What identifies the current data: the committed index version."""
    return engine.index_version()


def execute(
    engine: Engine,
    sandbox: QueryRunner,
    settings: Settings,
    query: str,
    accept: str | None,
    fmt: str | None,
    default_graphs: list[str],
    named_graphs: list[str],
) -> Response:
    """Check, run and serialise one query.

    Raises:
        QueryError: empty, malformed, or using SERVICE.
        NotAcceptable: no format fits the query form and ``Accept``.
        QueryTimeout: past the time or memory limit, or no worker free.
    """
    if not query.strip():
        raise QueryError("no query given")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    reason = too_deep(query)
    if reason:
        raise QueryError(reason)
    for iri in (*default_graphs, *named_graphs):
        if not is_iri(iri):
            raise QueryError(f"default-graph-uri / named-graph-uri: not an IRI: {iri!r}")
    select_media, graph_media = choose_formats(accept, fmt)
    job = Job(
        query=query,
        select_media=select_media,
        graph_media=graph_media,
        max_rows=settings.sparql_max_rows,
        max_bytes=settings.sparql_max_bytes,
        prefixes={p: str(ns) for p, ns in PREFIXES.items()},
        default_graphs=tuple(default_graphs),
        named_graphs=tuple(named_graphs),
        similarity=engine.similarity_source(),
        # Relative IRIs resolve against the dataset's base (SPARQL 1.1 §4.1.1.1).
        base=settings.base,
    )
    try:
        outcome = sandbox.run(job, _token(engine), settings.sparql_timeout_s)
    except QuerySyntaxError as exc:
        raise QueryError(f"malformed SPARQL query: {exc}") from exc
    except QueryRefused as exc:
        raise QueryError(str(exc)) from exc
    except QueryNotAcceptable as exc:
        raise NotAcceptable(f"no acceptable format for {exc}; try ?format=") from exc
    except (QueryKilled, QueryBusy) as exc:
        logger.warning("SPARQL query stopped: %s", exc)
        raise QueryTimeout(str(exc)) from exc
    headers = {"Vary": "Accept"}
    if outcome.truncated:
        headers["X-Result-Truncated"] = "true"
    return Response(outcome.body, media_type=outcome.media_type, headers=headers)


#: Quads per named graph, for the service description.
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def describe_service(
    request: Request, engine: Engine, accept: str | None, fmt: str | None
) -> Response:
    """The service description in the negotiated RDF format (Turtle by default).

    In TriG its triples are in the default graph, where clients look for them.
    """
    _, media = choose_formats(accept, fmt)
    if media is None:
        raise NotAcceptable("the service description is RDF: ask for Turtle, JSON-LD or N-Triples")
    # From HANKEKG_BASE_IRI, never from the request's Host (which a client chooses).
    endpoint = f"{engine.settings.base}sparql"
    triples, _ = dataset_counts(engine)
    named = {str(row["g"]): int(str(row["n"])) for row in engine.store.select(GRAPH_COUNTS)}
    graph = service_description(endpoint, triples, named)
    prefixes = {"sd": str(SD), "void": str(VOID)}
    body = serialize(graph, media, prefixes=prefixes)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.get("/sparql", response_class=Response, responses=QUERY_RESPONSES)
def sparql_get(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    sandbox: SandboxDep,
    query: QueryParam = None,
    default_graph_uri: Annotated[GraphsParam, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[GraphsParam, Query(alias="named-graph-uri")] = None,
    format: FormatParam = None,  # noqa: A002 - the protocol's parameter name
) -> Response:
    """Run a SPARQL query given as ``?query=``; without one, describe the service."""
    accept = request.headers.get("accept")
    if len(request.query_params.getlist("query")) > 1:
        # SPARQL 1.1 Protocol 2.1.1: exactly one query string.
        raise QueryError("give exactly one 'query' parameter")
    if query is None:
        return describe_service(request, engine, accept, format)
    return execute(
        engine,
        sandbox,
        settings,
        query,
        accept,
        format,
        default_graph_uri or [],
        named_graph_uri or [],
    )


QUERY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            QUERY_MEDIA: {
                "schema": {"type": "string"},
                "example": "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
            },
            FORM_MEDIA: {
                "schema": {
                    "type": "object",
                    "required": ["query"],
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    },
                }
            },
        },
    }
}


def _form(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise QueryError(f"unreadable form body: {exc}") from exc


@router.post(
    "/sparql", response_class=Response, responses=QUERY_RESPONSES, openapi_extra=QUERY_BODY
)
async def sparql_post(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    sandbox: SandboxDep,
    default_graph_uri: Annotated[GraphsParam, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[GraphsParam, Query(alias="named-graph-uri")] = None,
    format: FormatParam = None,  # noqa: A002 - the protocol's parameter name
) -> Response:
    """Run a SPARQL query sent as ``application/sparql-query`` or form-encoded."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    defaults, named = list(default_graph_uri or []), list(named_graph_uri or [])
    if content_type == FORM_MEDIA:
        form = _form(body)
        queries = form.get("query", [])
        if len(queries) != 1:
            raise QueryError("give exactly one 'query' form field")
        query = queries[0]
        defaults += form.get("default-graph-uri", [])
        named += form.get("named-graph-uri", [])
    elif content_type == QUERY_MEDIA:
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError("the query is not UTF-8") from exc
    else:
        raise UnsupportedMedia(f"send the query as {QUERY_MEDIA} or {FORM_MEDIA}")
    return await run_in_threadpool(
        execute,
        engine,
        sandbox,
        settings,
        query,
        request.headers.get("accept"),
        format,
        defaults,
        named,
    )


UPDATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            UPDATE_MEDIA: {"schema": {"type": "string"}},
            FORM_MEDIA: {
                "schema": {
                    "type": "object",
                    "required": ["update"],
                    "properties": {"update": {"type": "string"}},
                }
            },
        },
    }
}


def run_update(engine: Engine, sandbox: QueryRunner, update: str) -> None:
    """Guard, plan and time an update through the runner, then apply the plan in one write.

    The runner parses (deep stack, time limit) and, on the embedded store, tries
    the plan on a copy of the data first, so the writer's lock is taken only for
    an update that finished within ``HANKEKG_SPARQL_TIMEOUT_S``. An update with
    no operation (a comment, a lone ``PREFIX``) changes nothing and is answered 204.

    Raises:
        QueryError: malformed, refused (SERVICE, LOAD, the derived default graph).
        QueryTimeout: past the time or memory limit, or no worker free.
    """
    if len(update) > MAX_QUERY_CHARS:
        raise QueryError(f"the update is longer than {MAX_QUERY_CHARS} characters")
    reason = too_deep(update)
    if reason:
        raise QueryError(reason)
    try:
        plan = sandbox.prepare_update(
            update, engine.settings.sparql_timeout_s, base=engine.settings.base
        )
    except QueryRefused as exc:
        raise QueryError(str(exc)) from exc
    except QuerySyntaxError as exc:
        raise QueryError(f"malformed SPARQL update: {exc}") from exc
    except (QueryKilled, QueryBusy) as exc:
        logger.warning("SPARQL update stopped: %s", exc)
        raise QueryTimeout(f"the update was not applied: {exc}") from exc
    if not plan:
        return
    try:
        engine.apply_update(plan, planned=True)
    finally:
        sandbox.invalidate()


@router.post(
    "/sparql/update",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Applied."}, **problems(400, 401, 403, 413, 415, 422)},
    dependencies=[TokenDep],
    openapi_extra=UPDATE_BODY,
)
async def sparql_update(request: Request, engine: EngineDep, sandbox: SandboxDep) -> Response:
    """Apply a SPARQL 1.1 Update (bearer token required; off without a token)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type == FORM_MEDIA:
        updates = _form(body).get("update", [])
        if len(updates) != 1:
            raise QueryError("give exactly one 'update' form field")
        update = updates[0]
    elif content_type == UPDATE_MEDIA:
        try:
            update = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError("the update is not UTF-8") from exc
    else:
        raise UnsupportedMedia(f"send the update as {UPDATE_MEDIA} or {FORM_MEDIA}")
    await run_in_threadpool(run_update, engine, sandbox, update)
    return Response(status_code=204)
