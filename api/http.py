"""HTTP done fully, for every route at once: HEAD, OPTIONS, ``Allow``, ``Vary`` and CORS.

One ASGI middleware (:class:`HttpSemantics`), installed outermost by
:func:`install`, so each rule holds for every router without each route
repeating it:

* **HEAD** on every GET route: the request runs as GET and the body is dropped
  (the headers, ``Content-Length`` included, are the GET's). A streamed body is
  cut after its first chunk, so ``HEAD /api/export`` does not serialise the
  whole dataset.
* **405** answers carry ``Allow`` listing every method of every route on that
  path (Starlette lists only the first route it met), and a plain ``OPTIONS``
  answers 204 with the same ``Allow``.
* **Vary: Accept** on every response of a content-negotiated resource (the
  linked-data IRIs, ``/ontology``, VoID, ``/sparql``, the export), 406 and
  other errors included, merged with whatever ``Vary`` is already there.
* **CORS for reading, on by default.** Any origin may ``GET``/``HEAD`` any
  resource and ``POST`` a query to ``/sparql``; preflights for those are
  answered. Nothing else is allowed cross-origin: no ``Authorization`` header,
  so a write with the bearer token cannot come from another origin unless
  ``HANKEKG_CORS_ORIGINS`` lists that origin (Starlette's ``CORSMiddleware``
  handles those origins, for every method).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.config import Settings

logger = logging.getLogger(__name__)

#: Methods a route can have; HEAD and OPTIONS are derived from them.
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
#: Paths whose responses depend on ``Accept`` (prefixes).
NEGOTIATED = ("/id/", "/ontology", "/.well-known/void", "/sparql", "/api/export")
#: Cross-origin writes that are still public: a SPARQL *query* by POST.
PUBLIC_POSTS = frozenset({"/sparql"})
#: Request headers a public cross-origin request may send (no Authorization).
PUBLIC_HEADERS = "Accept, Accept-Language, Content-Type"
#: Response headers a cross-origin script may read.
EXPOSED = "Link, Vary, X-Result-Truncated, Content-Disposition"
#: How long a browser may cache a preflight answer, in seconds.
PREFLIGHT_MAX_AGE = "600"


class _HeadDone(Exception):
    """Raised into a streaming app once a HEAD answer has been sent."""


def _merge_vary(headers: MutableHeaders, value: str) -> None:
    present = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if value.lower() not in (v.lower() for v in present):
        headers["vary"] = ", ".join([*present, value])


class HttpSemantics:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, router_app: FastAPI, cors_origins: Iterable[str]) -> None:
        self.app = app
        self.router_app = router_app
        self.configured = frozenset(cors_origins)

    def allowed(self, scope: Scope) -> list[str]:
        """The methods some route answers on this path (with HEAD and OPTIONS), or []."""
        found: list[str] = []
        for method in METHODS:
            probe = {**scope, "method": method}
            for route in self.router_app.router.routes:
                if route.matches(probe)[0] != Match.FULL:
                    continue
                # A mount (the static files) matches every method; it serves GET only.
                if isinstance(route, Mount):
                    return ["GET", "HEAD", "OPTIONS"]
                found.append(method)
                break
        if not found:
            return []
        if "GET" in found:
            found.insert(found.index("GET") + 1, "HEAD")
        return [*found, "OPTIONS"]

    def _public(self, method: str, path: str) -> bool:
        """Whether any origin may make this request."""
        return method in ("GET", "HEAD") or (method == "POST" and path in PUBLIC_POSTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        request_headers = Headers(scope=scope)
        origin = request_headers.get("origin")
        configured = origin is not None and (origin in self.configured or "*" in self.configured)
        preflight = "access-control-request-method" in request_headers
        if method == "OPTIONS" and not (configured and preflight):
            await self._options(scope, send, origin, request_headers)
            return
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        public_cors = origin is not None and not configured and self._public(method, path)
        negotiated = path.startswith(NEGOTIATED)
        started = False
        # Routing rewrites the scope in place (a mount moves the path to root_path).
        original = dict(scope)

        async def wrapped(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                status = message["status"]
                if status == 405:
                    allow = self.allowed(original)
                    if allow:
                        headers["allow"] = ", ".join(allow)
                if negotiated or status == 406:
                    _merge_vary(headers, "Accept")
                if public_cors:
                    headers["access-control-allow-origin"] = "*"
                    headers["access-control-expose-headers"] = EXPOSED
                if head:
                    started = True
                    await send(message)
                    return
            elif message["type"] == "http.response.body" and head:
                if started:
                    started = False
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                if message.get("more_body", False):
                    raise _HeadDone
                return
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        except _HeadDone:
            pass
        except BaseExceptionGroup as group:  # a streaming response's task group
            rest = group.subgroup(lambda e: not isinstance(e, _HeadDone))
            if rest is not None:
                raise rest from None

    async def _options(
        self, scope: Scope, send: Send, origin: str | None, headers: Headers
    ) -> None:
        """A plain OPTIONS (204 with ``Allow``) or a preflight for a public request."""
        allow = self.allowed(scope)
        if not allow:
            await _respond(send, 404, [])
            return
        answer = [("allow", ", ".join(allow))]
        wanted = headers.get("access-control-request-method")
        if origin is None or wanted is None:
            await _respond(send, 204, answer)
            return
        if wanted.upper() not in allow or not self._public(wanted.upper(), scope["path"]):
            # Not a public request: no CORS headers, so the browser refuses it.
            await _respond(send, 403, answer)
            return
        requested = headers.get("access-control-request-headers", "")
        asked = {h.strip().lower() for h in requested.split(",")}
        permitted = {h.strip().lower() for h in PUBLIC_HEADERS.split(",")}
        if asked - permitted - {""}:
            await _respond(send, 403, answer)
            return
        methods = "GET, HEAD, POST" if scope["path"] in PUBLIC_POSTS else "GET, HEAD"
        answer += [
            ("access-control-allow-origin", "*"),
            ("access-control-allow-methods", methods),
            ("access-control-allow-headers", PUBLIC_HEADERS),
            ("access-control-max-age", PREFLIGHT_MAX_AGE),
        ]
        await _respond(send, 204, answer)


async def _respond(send: Send, status: int, headers: list[tuple[str, str]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def install(app: FastAPI, settings: Settings) -> None:
    """Add CORS for the configured origins, then :class:`HttpSemantics` outermost."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            expose_headers=[h.strip() for h in EXPOSED.split(",")],
        )
    app.add_middleware(HttpSemantics, router_app=app, cors_origins=settings.cors_origins)
