"""HTTP security for every response: safe links, security headers, request framing.

* :func:`safe_url` decides whether a value taken from data (a SPARQL result IRI,
  a document's ``source_url``, ``owl:sameAs``, a publication URL) may become an
  ``<a href>``: only absolute ``http``/``https`` URLs and this site's own paths
  do. Anything else (``javascript:``, ``data:``, ``vbscript:``, protocol-relative
  ``//host``) is shown as text. Templates use it as the ``safe_url`` filter.
* :class:`SecurityHeaders` adds a strict Content-Security-Policy (no inline
  script or style, no framing), ``X-Content-Type-Options: nosniff``, a
  ``Referrer-Policy`` and ``X-Frame-Options`` to every response, and refuses a
  request that carries both ``Content-Length`` and ``Transfer-Encoding`` with 400
  and ``Connection: close`` (RFC 9112 §6.1: such a message is a smuggling
  vector; the server must not reuse the connection).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.urls import LINK_SCHEMES, UNSAFE_CHARS, is_http_url

_UNSAFE_CHARS = UNSAFE_CHARS
__all__ = ["LINK_SCHEMES", "is_http_url", "safe_url"]

#: The policy of every page: scripts, styles and images only from this origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def safe_url(value: object) -> str | None:
    """``value`` when it may be an ``href``: an http(s) URL or a path on this site.

    Returns ``None`` for everything else, so a template shows the value as text.
    """
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("/") and not value.startswith("//"):
        return None if _UNSAFE_CHARS.search(value) else value
    return value if is_http_url(value) else None


def install_filters(env: Any) -> None:
    """Register :func:`safe_url` as the ``safe_url`` filter of a Jinja environment."""
    env.filters["safe_url"] = safe_url


_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def _hashes(html: str, tag: str) -> str:
    """CSP hash sources for the inline ``<script>``/``<style>`` blocks of ``html``."""
    out = []
    for found, body in _INLINE.findall(html):
        if found == tag:
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            out.append(f"'sha256-{digest}'")
    return " ".join(out)


#: Where ``make setup`` puts the Swagger UI and ReDoc bundles (from package-lock.json).
VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
VENDOR_URL = "/static/vendor"


def with_docs_policy(response: HTMLResponse, inline_styles: bool = False) -> HTMLResponse:
    """FastAPI's Swagger UI / ReDoc page with a policy made for it.

    Those pages load their bundle from this site and start it with a small inline
    block; the policy allows exactly those blocks (by hash), no other origin, and
    still forbids framing. ReDoc builds its styles at run time (styled-components),
    so its page alone allows inline styles (``inline_styles``); styles cannot run code.
    """
    html = bytes(response.body).decode("utf-8")
    styles = "'unsafe-inline'" if inline_styles else _hashes(html, "style")
    response.headers["content-security-policy"] = (
        f"default-src 'none'; script-src 'self' {_hashes(html, 'script')}; "
        f"style-src 'self' {styles}; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; worker-src 'self' blob:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return response


def _docs_missing(name: str) -> JSONResponse:
    """503 when the docs bundles were not installed: the page never falls back to a CDN."""
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "API docs not installed",
            "status": 503,
            "detail": f"{name} is not under api/static/vendor/: run `make setup`. "
            "The OpenAPI document is at /openapi.json.",
        },
        status_code=503,
        media_type="application/problem+json",
    )


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI) and ``/redoc`` from this site's own copies of their
    bundles, under :func:`with_docs_policy` (the app is made without FastAPI's, which
    load them from a CDN: nothing at run time may need the network)."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False, response_model=None)
    def swagger() -> HTMLResponse | JSONResponse:
        if not (VENDOR / "swagger-ui-bundle.js").is_file():
            return _docs_missing("swagger-ui-bundle.js")
        return with_docs_policy(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{VENDOR_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{VENDOR_URL}/swagger-ui.css",
                swagger_favicon_url=f"{VENDOR_URL}/favicon-32x32.png",
            )
        )

    @app.get("/redoc", include_in_schema=False, response_model=None)
    def redoc() -> HTMLResponse | JSONResponse:
        if not (VENDOR / "redoc.standalone.js").is_file():
            return _docs_missing("redoc.standalone.js")
        return with_docs_policy(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{VENDOR_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{VENDOR_URL}/favicon-32x32.png",
                with_google_fonts=False,
            ),
            inline_styles=True,
        )


def _host(scope: Scope) -> bytes | None:
    """The request's ``Host`` header (lower-cased), if any."""
    for name, value in scope.get("headers") or []:
        if name.lower() == b"host":
            return bytes(value).lower()
    return None


def _relative_location(
    headers: list[tuple[bytes, bytes]], host: bytes | None
) -> list[tuple[bytes, bytes]]:
    """Make a ``Location`` that points back at the request's own Host relative.

    Starlette's trailing-slash redirect builds an absolute URL from the Host the
    client sent, so a spoofed Host came back in the 307. A relative reference
    (RFC 9110 §10.2.2) sends the browser to the same path on the host it used.
    """
    out = []
    for name, value in headers:
        if name.lower() == b"location" and host is not None:
            parts = urlsplit(value.decode("latin-1"))
            if parts.netloc and parts.netloc.lower().encode("latin-1") == host:
                relative = parts.path or "/"
                if parts.query:
                    relative += "?" + parts.query
                value = relative.encode("latin-1")
        out.append((name, value))
    return out


def _bad_framing(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a request declares its body length twice (Content-Length and Transfer-Encoding)."""
    names = {name.lower() for name, _ in headers}
    return b"content-length" in names and b"transfer-encoding" in names


class SecurityHeaders:
    """Security headers on every response; 400 for ambiguous request framing."""

    def __init__(self, app: ASGIApp, csp: str = CSP) -> None:
        self.app = app
        self.csp = csp.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _bad_framing(list(scope.get("headers") or [])):
            await self._refuse_framing(send)
            return

        host = _host(scope)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _relative_location(list(message.get("headers") or []), host)
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in HEADERS if h[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", self.csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _refuse_framing(self, send: Send) -> None:
        body = (
            b'{"type":"about:blank","title":"Bad request","status":400,"detail":'
            b'"a request may not carry both Content-Length and Transfer-Encoding"}'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                    (b"content-security-policy", self.csp),
                    *HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
