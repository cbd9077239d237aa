"""Guards at the HTTP server's edge: a header-read timeout and our own 414.

* uvicorn's ``timeout_keep_alive`` closes an idle connection between
  requests, but nothing bounds the time a client may take to send a request's
  headers: 19,950 connections that sent half a request stayed open for 63 s
  (and would have stayed for ever). :func:`guarded_protocol` gives uvicorn an
  h11 protocol that closes a connection whose request headers are not complete
  ``header_timeout_s`` after its first byte (or after it opened): a slow drip
  of bytes does not restart the clock. Its own 400 for a malformed request
  carries the security headers too.
* :class:`UrlLimit` answers a request whose target (path and query) is longer
  than :data:`MAX_URL_BYTES` (8 kB, as common servers; the SPARQL paths, whose
  ``query`` may hold 100,000 characters, :data:`MAX_SPARQL_URL_BYTES`) with a
  problem+json 414, inside the security
  headers middleware, instead of letting it reach routing; the server's h11
  buffer is raised above that length (:data:`H11_MAX_EVENT`), so our 414, not
  the server's bare 400, is what a long URL meets.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.security import CSP, HEADERS

#: The longest request target (path and query string) served; longer is a 414.
MAX_URL_BYTES = 8_192
#: The SPARQL paths take a query of up to 100,000 characters in the URL (percent-encoded,
#: up to three bytes each), as the SPARQL Protocol allows; their targets may be this long.
MAX_SPARQL_URL_BYTES = 320_000
#: uvicorn's h11 buffer for one incomplete event (the request line and headers): above
#: the longest target, so our 414 answers; past it, h11's 400 (with our headers).
H11_MAX_EVENT = 400_000


class UrlLimit:
    """A 414 problem for a request target longer than :data:`MAX_URL_BYTES`."""

    def __init__(self, app: ASGIApp, limit: int = MAX_URL_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("raw_path") or b""
            size = len(path) + len(scope.get("query_string") or b"")
            limit = MAX_SPARQL_URL_BYTES if path.startswith(b"/sparql") else self.limit
            if size > limit:
                detail = f"the URL is {size} bytes long; at most {limit} are read here"
                body = json.dumps(
                    {
                        "type": "about:blank",
                        "title": "URI too long",
                        "status": 414,
                        "detail": detail,
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 414,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode("ascii")),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class _HeaderTimeout(H11Protocol):
    """uvicorn's h11 protocol, with a deadline on each request's headers."""

    header_timeout_s = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # h11's client state is IDLE until a request's headers are complete
        if self.conn.their_state is h11.IDLE:
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """The 400 for a malformed request, with the security headers every answer has."""
        headers: list[tuple[bytes, bytes]] = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"connection", b"close"),
            (b"content-security-policy", CSP.encode("ascii")),
            *HEADERS,
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=msg.encode("ascii")),
            h11.EndOfMessage(),
        ):
            output = self.conn.send(event)
            if output:
                self.transport.write(output)
        self.transport.close()

    def _arm(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers did not arrive in time")
            self.transport.close()


def guarded_protocol(header_timeout_s: float) -> type[Any]:
    """An h11 protocol class for ``uvicorn.run(http=...)`` with this header timeout."""
    return type("HeaderTimeoutH11", (_HeaderTimeout,), {"header_timeout_s": header_timeout_s})


def server_options(header_timeout_s: float) -> dict[str, Any]:
    """The ``uvicorn.run`` keyword arguments the guards need."""
    return {
        "http": guarded_protocol(header_timeout_s),
        "h11_max_incomplete_event_size": H11_MAX_EVENT,
    }
