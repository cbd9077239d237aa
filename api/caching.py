"""Validators and freshness for the read-only GETs: ``ETag``, ``Last-Modified``, 304s.

The linked-data documents, VoID, the ontology, the export, search and SPARQL
GETs answer from the committed data, so their validators come from the data
version (:meth:`api.engine.Engine.data_version`), not from the body:

* ``ETag`` is weak (RFC 9110 §8.8.1: the same data gives equivalent, not
  byte-identical, answers, e.g. a search's timing) and names the data version,
  the request's path and query, and the headers the answer varies on
  (``Accept``, ``Accept-Language``). A nonce of this process is in it too: the
  graph-update counter starts again at a restart.
* ``Last-Modified`` is when this process first saw the data version.
* A matching ``If-None-Match`` (or, without one, an ``If-Modified-Since`` not
  older than ``Last-Modified``) is answered 304 before the route runs, so a
  revalidation costs no query.
* ``Cache-Control: public, max-age=60``: a cache may reuse an answer for a
  minute, then must revalidate (a write shows within that minute).
* A SPARQL query calling ``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()`` or
  ``BNODE()`` gets none of this: its answer changes without the data changing.

A data version is local to one process: replicas over a shared index see each
other's commits (the index version), not each other's SPARQL updates.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import unquote_plus

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths whose GETs answer from the data alone (prefixes).
CACHED = ("/id/", "/.well-known/void", "/ontology", "/api/export", "/api/search", "/sparql")
#: How long a cache may reuse an answer without asking.
CACHE_CONTROL = "public, max-age=60"


#: SPARQL functions whose value is not a function of the data: an answer using one is
#: not "the same" for the same data version, so it gets no validators.
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def _cached(scope: Scope) -> bool:
    path: str = scope["path"]
    if path == "/sparql/update" or not any(path == p or path.startswith(p) for p in CACHED):
        return False
    if path == "/sparql":
        query = unquote_plus(scope.get("query_string", b"").decode("latin-1"))
        return not _VOLATILE.search(query)
    return True


class Validators:
    """ASGI middleware adding validators to the cached GETs and answering 304s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.nonce = uuid.uuid4().hex
        self.seen: dict[object, float] = {}

    def _version(self, scope: Scope) -> tuple[object, float] | None:
        engine = getattr(scope["app"].state, "engine", None)
        if engine is None:
            return None
        version = engine.data_version()
        if version not in self.seen:
            if len(self.seen) > 64:
                self.seen.clear()
            self.seen[version] = float(int(time.time()))
        return version, self.seen[version]

    def _etag(self, scope: Scope, version: object) -> str:
        headers = Headers(scope=scope)
        parts = [
            self.nonce,
            repr(version),
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("accept", ""),
            headers.get("accept-language", ""),
        ]
        return 'W/"' + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32] + '"'

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not _cached(scope):
            await self.app(scope, receive, send)
            return
        found = self._version(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        version, modified = found
        etag = self._etag(scope, version)
        last_modified = formatdate(modified, usegmt=True)
        if _fresh(Headers(scope=scope), etag, modified):
            headers = [
                (b"etag", etag.encode()),
                (b"last-modified", last_modified.encode()),
                (b"cache-control", CACHE_CONTROL.encode()),
                (b"vary", b"Accept"),
            ]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_validators(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                headers["ETag"] = etag
                headers["Last-Modified"] = last_modified
                headers.setdefault("Cache-Control", CACHE_CONTROL)
            await send(message)

        await self.app(scope, receive, send_with_validators)


def _fresh(headers: Headers, etag: str, modified: float) -> bool:
    """Whether the client's copy is current (RFC 9110 §13.1.2, §13.1.3, §13.2.2)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        # Weak comparison: W/"x" and "x" match. "*" is left to the route: whether a
        # representation exists at all is only known by running it.
        bare = etag.removeprefix("W/")
        return any(t.removeprefix("W/") == bare for t in tags)
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return parsedate_to_datetime(since).timestamp() >= modified
    except (TypeError, ValueError, IndexError):
        return False  # an invalid date is ignored (RFC 9110 §13.1.3)
