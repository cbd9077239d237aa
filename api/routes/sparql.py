"""SPARQL 1.1 query endpoint: ``GET|POST /sparql``."""

from __future__ import annotations

import re
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep
from graph.errors import QueryError

router = APIRouter(tags=["sparql"])

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def run_query(engine: EngineDep, query: str, accept: str) -> Response:
    """Execute ``query`` and serialise the result for ``accept``."""
    if "SERVICE" in query.upper() and _has_service(query):
        raise QueryError("SERVICE is not allowed: this endpoint makes no outbound requests")
    try:
        result = engine.store.query(query)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL query: {exc}") from exc
    if isinstance(result, ox.QueryTriples):
        media = next((m for m in GRAPH_FORMATS if m in accept), "text/turtle")
        body = ox.serialize(result, format=GRAPH_FORMATS[media]) or b""
        return Response(body, media_type=media)
    media = next((m for m in RESULT_FORMATS if m in accept), "application/sparql-results+json")
    body = result.serialize(format=RESULT_FORMATS[media]) or b""
    return Response(body, media_type=media)


def _has_service(query: str) -> bool:
    """Whether the parsed query uses SERVICE (strings and comments do not count)."""
    stripped = re.sub(r'"[^"\n]*"|\'[^\'\n]*\'|#[^\n]*', " ", query)
    return re.search(r"\bSERVICE\b", stripped, re.IGNORECASE) is not None


@router.get("/sparql", response_class=Response)
def sparql_get(
    engine: EngineDep,
    request: Request,
    query: Annotated[str, Query(max_length=100_000, description="SPARQL 1.1 query.")],
) -> Response:
    """Run a SPARQL 1.1 query given in the ``query`` parameter."""
    return run_query(engine, query, request.headers.get("accept", ""))


@router.post("/sparql", response_class=Response)
async def sparql_post(engine: EngineDep, request: Request) -> Response:
    """Run a SPARQL 1.1 query sent as ``application/sparql-query`` or form-encoded."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        query = str(form.get("query", ""))
    else:
        query = (await request.body()).decode("utf-8", errors="replace")
    if not query.strip():
        raise QueryError("no query given")
    return await run_in_threadpool(run_query, engine, query, request.headers.get("accept", ""))
