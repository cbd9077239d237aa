"""The app factory: ``create_app(settings)``.

Heavy objects (store, index, encoder, linker) are loaded once in the lifespan
and kept on ``app.state``; routes reach them through ``api/deps.py`` and
``api/workers.py``. The lifespan also starts the bounded pool for CPU-heavy
work and the SPARQL query sandbox (killable worker processes).

Settings used here: ``cors_origins`` (CORS), ``max_request_bytes`` (413 above
it), ``workers`` (pool threads and SPARQL worker processes).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors, http
from api.caching import Validators
from api.engine import Engine
from api.refresh import Refresher
from api.routes import documents, export, health, linked_data, projects, search, sparql, ui
from api.schemas_ld import DocumentText, Problem
from api.security import SecurityHeaders, install_docs
from api.serve_guard import UrlLimit
from graph.config import Settings
from graph.errors import HankeKGError

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
#: Bodies smaller than this go uncompressed (gzip's own overhead would not pay).
GZIP_MIN_BYTES = 1024


class BodyLimit:
    """Answer 413 to request bodies over ``limit`` bytes (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._reject(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(f"the request body is larger than {self.limit} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        response = errors.problem(
            413, "Request too large", f"the request body is larger than {self.limit} bytes"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": bytes(response.body)})


class _TooLarge(HankeKGError):
    """Raised inside the app when a streamed body passes the limit (a 413 problem)."""

    title = "Request too large"
    status = 413


def _problem_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema with every error documented as problem+json.

    Errors of every route go through ``api/errors.py``, so FastAPI's default 422
    (``HTTPValidationError`` as JSON) would be a lie; it is replaced, and a
    ``default`` problem response covers the statuses a route does not list.
    """
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        # Relative: clients resolve it against wherever they fetched the spec.
        servers=[{"url": "/", "description": "This server"}],
        license_info={"name": "MIT", "identifier": "MIT"},
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    # Referenced by the upload body, which is read by hand (multipart or JSON).
    components["DocumentText"] = DocumentText.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    ref = {"$ref": "#/components/schemas/Problem"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            # Reads are public: an explicit empty requirement, so strict linters
            # (redocly's security-defined) see it was meant. Writes carry bearerAuth.
            operation.setdefault("security", [])
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    response["content"] = {errors.PROBLEM: {"schema": ref}}
            responses.setdefault(
                "default",
                {
                    "description": "Error (problem details)",
                    "content": {errors.PROBLEM: {"schema": ref}},
                },
            )
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    app.openapi_schema = schema
    return schema


def _summaries_from_docstrings(router: APIRouter) -> None:
    """Use each route's one-line docstring as its OpenAPI summary."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not route.summary and route.endpoint.__doc__:
            route.summary = route.endpoint.__doc__.strip().splitlines()[0].rstrip(".")


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the FastAPI app for ``settings`` (or reuse an already open ``engine``).

    An engine passed in is used as it is (its owner warms it up and closes it);
    one built here is warmed up in the lifespan and closed after.
    """
    settings = settings or (engine.settings if engine is not None else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = engine is None
        app.state.engine = engine or Engine(settings)
        if own:
            app.state.engine.warm_up()
        app.state.pool = ThreadPoolExecutor(
            max_workers=max(1, settings.workers), thread_name_prefix="hankekg-cpu"
        )
        app.state.sparql = app.state.engine.store.query_runner(
            settings.home / "sparql-snapshots", settings.workers
        )
        app.state.sparql.prestart()
        refresher = (
            Refresher(app.state.engine, settings.refresh_interval_s).start()
            if settings.refresh_interval_s > 0
            else None
        )
        try:
            yield
        finally:
            if refresher is not None:
                refresher.close()
            app.state.sparql.close()
            app.state.pool.shutdown(wait=False, cancel_futures=True)
            if own:
                app.state.engine.close()

    app = FastAPI(
        title="hankekg",
        version="0.1.0",
        description=(
            "Knowledge graph and bilingual semantic search over Finnish social, health and "
            "rehabilitation development projects. Linked data: SPARQL 1.1 at /sparql, "
            "dereferenceable IRIs under /id/, the ontology at /ontology, VoID at "
            "/.well-known/void."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # operationId = the route function's name: generated clients get
        # upload_document(), not upload_document_api_documents_post().
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = settings
    errors.install(app)
    routers = (
        health.router,
        search.router,
        projects.router,
        documents.router,
        export.router,
        sparql.router,
        linked_data.router,
        ui.router,
    )
    for router in routers:
        _summaries_from_docstrings(router)
        app.include_router(router)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Added first, so it sits inside CORS and its 413 answers still carry CORS headers.
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    # ETag / Last-Modified / 304 from the data version, then gzip for large bodies
    # (the export stays streamed: GZipMiddleware compresses chunk by chunk).
    app.add_middleware(Validators)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(UrlLimit)  # our own 414 (api/serve_guard.py), inside the headers
    http.install(app, settings)  # HEAD, OPTIONS, Allow, Vary, CORS
    # Outermost, so every answer (413s and CORS preflights included) carries the headers.
    app.add_middleware(SecurityHeaders)
    app.openapi = lambda: _problem_openapi(app)  # type: ignore[method-assign]
    return app
