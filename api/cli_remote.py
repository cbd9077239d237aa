"""The CLI's read commands through a running server's HTTP API.

``hankekg serve`` holds the store (RocksDB has one writer), and records its URL
and pid in ``$HANKEKG_HOME/server.json``. While that server lives and answers,
``search``, ``sparql``, ``related``, ``stats``, ``export`` and ``validate`` ask it
over HTTP instead of opening the store: they answer at once (the server has
its models loaded) and print what they print without a server. HTTP problems
come back as the same domain errors, so exit codes do not change either.
"""

from __future__ import annotations

import io
import json
import logging
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from graph.errors import (
    HankeKGError,
    NotFound,
    QueryError,
    QueryTimeout,
    StoreUnavailable,
    Unauthorized,
)

logger = logging.getLogger(__name__)

#: Written by ``hankekg serve`` into the home it serves, removed when it stops.
SERVER_FILE = "server.json"
#: How long a liveness probe waits: a server that takes longer is treated as absent.
PROBE_TIMEOUT_S = 3.0
#: Reads may run as long as the server lets them (it enforces its own limits).
READ_TIMEOUT_S = 600.0
#: ``sparql --format`` values and the ``Accept`` header each sends (graph results:
#: Turtle whatever the format).
SPARQL_ACCEPT = {
    "json": "application/sparql-results+json, text/turtle;q=0.9",
    "table": "application/sparql-results+json, text/turtle;q=0.9",
    "csv": "text/csv, text/turtle;q=0.9",
    "tsv": "text/tab-separated-values, text/turtle;q=0.9",
}
_ERRORS: dict[int, type[HankeKGError]] = {
    400: QueryError,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    408: QueryTimeout,
    422: QueryError,
    503: StoreUnavailable,
    504: QueryTimeout,
}


def recorded_server(home: Path) -> tuple[str, int] | None:
    """(URL, pid) of the server recorded in ``home``, if that process is alive."""
    with suppress(OSError, ValueError, KeyError, TypeError):
        record = json.loads((home / SERVER_FILE).read_text("utf-8"))
        pid = int(record["pid"])
        os.kill(pid, 0)
        return str(record["url"]), pid
    return None


def _reachable(url: str) -> str:
    """The URL to connect to: a server bound to every interface answers on loopback."""
    for wildcard, loopback in (("//0.0.0.0:", "//127.0.0.1:"), ("//[::]:", "//[::1]:")):
        url = url.replace(wildcard, loopback)
    return url.rstrip("/")


@dataclass(frozen=True)
class Remote:
    """A live ``hankekg serve`` that the CLI talks to."""

    url: str
    pid: int

    def _get(self, path: str, params: Any = None, accept: str | None = None) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        try:
            response = httpx.get(
                f"{self.url}{path}", params=params, headers=headers, timeout=READ_TIMEOUT_S
            )
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"the server at {self.url} did not answer: {exc}") from exc
        _raise_for_problem(response)
        return response

    def search(
        self,
        query: str,
        *,
        k: int,
        mode: str,
        fmt: str = "json",
        amount: tuple[float | None, float | None] = (None, None),
    ) -> httpx.Response:
        """``GET /api/search``: JSON (``SearchResponse``), or ``csv``/``records`` rows;
        ``amount``: the (lowest, highest) amount in euros, ``None`` for an open end."""
        params: dict[str, Any] = {"q": query, "k": k, "mode": mode, "format": fmt}
        for name, value in zip(("amount_min", "amount_max"), amount, strict=True):
            if value is not None:
                params[name] = value
        return self._get("/api/search", params)

    def related(self, project: str, *, k: int) -> dict[str, Any]:
        """``GET /api/projects/{id}/related`` as JSON (``RelatedResponse``)."""
        slug = project.rstrip("/").rsplit("/", 1)[-1]
        return dict(self._get(f"/api/projects/{slug}/related", {"k": k}).json())

    def health(self) -> str:
        """``GET /healthz``'s JSON text."""
        return self._get("/healthz").text

    def sparql(self, query: str, fmt: str) -> httpx.Response:
        """``POST /sparql`` with the query; the body is in the format's media type."""
        try:
            response = httpx.post(
                f"{self.url}/sparql",
                content=query.encode("utf-8"),
                headers={"Content-Type": "application/sparql-query", "Accept": SPARQL_ACCEPT[fmt]},
                timeout=READ_TIMEOUT_S,
            )
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"the server at {self.url} did not answer: {exc}") from exc
        _raise_for_problem(response)
        return response

    def export(self, fmt: str, graphs: list[str] | None, sink: IO[bytes]) -> int:
        """Stream ``GET /api/export`` into ``sink``; returns the bytes written."""
        params = httpx.QueryParams([("format", fmt), *(("graph", g) for g in graphs or [])])
        written = 0
        try:
            with httpx.stream(
                "GET", f"{self.url}/api/export", params=params, timeout=READ_TIMEOUT_S
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for_problem(response)
                for chunk in response.iter_bytes():
                    sink.write(chunk)
                    written += len(chunk)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"the server at {self.url} did not answer: {exc}") from exc
        return written

    def union_graph(self) -> Any:
        """Every quad of the dataset as one rdflib ``Graph`` (what ``validate`` checks)."""
        from rdflib import Dataset, Graph

        buffer = io.BytesIO()
        self.export("nquads", None, buffer)
        dataset = Dataset()
        dataset.parse(data=buffer.getvalue(), format="nquads")
        union = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            union.add((s, p, o))
        return union


def _raise_for_problem(response: httpx.Response) -> None:
    """Raise the domain error for an HTTP error answer (``application/problem+json``)."""
    if response.status_code < 400:
        return
    detail = ""
    with suppress(ValueError, AttributeError):
        problem = response.json()
        detail = str(problem.get("detail") or problem.get("title") or "")
    if not detail:
        detail = f"HTTP {response.status_code} from {response.request.url}"
    raise _ERRORS.get(response.status_code, HankeKGError)(detail)


def find(home: Path, command: str) -> Remote | None:
    """The live server recorded in ``home``, if it answers ``/healthz``; else None."""
    recorded = recorded_server(home)
    if recorded is None:
        return None
    url = _reachable(recorded[0])
    try:
        alive = httpx.get(f"{url}/healthz", timeout=PROBE_TIMEOUT_S).status_code == 200
    except httpx.HTTPError:
        alive = False
    if not alive:
        logger.info("the server recorded in %s does not answer; opening the store", home)
        return None
    logger.info("%s: using the running server at %s (pid %d)", command, url, recorded[1])
    return Remote(url, recorded[1])


def sparql_rows(body: str) -> tuple[list[str], list[list[str]]]:
    """Variables and rows of a SPARQL JSON result (ASK: one ``boolean`` column)."""
    result = json.loads(body)
    if "boolean" in result:
        return ["boolean"], [[str(result["boolean"]).lower()]]
    names: list[str] = list(result["head"]["vars"])
    rows = [
        [_term(binding.get(name)) for name in names] for binding in result["results"]["bindings"]
    ]
    return names, rows


def _term(value: dict[str, str] | None) -> str:
    """A term as a table cell: IRIs bare, literals with their language tag."""
    if value is None:
        return ""
    text = value.get("value", "")
    if value.get("type") == "bnode":
        return f"_:{text}"
    if "xml:lang" in value:
        return f"{text} @{value['xml:lang']}"
    return text


def write_sparql(body: str, media_type: str, fmt: str, out: Any, raw: IO[str]) -> None:
    """Print a SPARQL answer: ``table`` as a rich table, others as the server sent them."""
    if fmt == "table" and "json" in media_type:
        from rich.table import Table

        names, rows = sparql_rows(body)
        table = Table(*names)
        for row in rows:
            table.add_row(*row, end_section=False)
        out.print(table)
        return
    if fmt == "json" and "json" in media_type:
        raw.write(json.dumps(json.loads(body), ensure_ascii=False, indent=2) + "\n")
        return
    raw.write(body if body.endswith("\n") else body + "\n")
