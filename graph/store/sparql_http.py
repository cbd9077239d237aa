"""The SPARQL 1.1 protocol on the wire, for :mod:`graph.store.sparql`: credentials
(Basic or Digest, as the server asks), and terms, rows and ASK answers decoded
from the SPARQL JSON results form, Virtuoso's variants included."""

from __future__ import annotations

import base64
import json
from collections.abc import Generator
from typing import Any

import httpx
import orjson
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from graph.store import results as sr
from graph.store.base import Row


class BasicOrDigest(httpx.Auth):
    """Credentials sent the way the server asks: Basic or Digest.

    The first request goes without them; the challenge of the 401 picks the
    scheme, and later requests use it straight away.
    """

    requires_request_body = True

    def __init__(self, user: str, password: str) -> None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._basic = f"Basic {token}"
        self._digest = httpx.DigestAuth(user, password)
        self._scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        if self._scheme == "basic":
            request.headers["Authorization"] = self._basic
            yield request
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").lower()
        if challenge.startswith("digest"):
            self._scheme = "digest"
            yield from self._digest.auth_flow(request)
        else:
            self._scheme = "basic"
            request.headers["Authorization"] = self._basic
            yield request


def from_json_term(term: dict[str, Any]) -> Node:
    """An rdflib term from the SPARQL JSON results form."""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        if term.get("xml:lang"):
            return Literal(value, lang=term["xml:lang"])
        datatype = term.get("datatype")
        if datatype and datatype != sr.XSD_STRING:
            return Literal(value, datatype=URIRef(datatype))
        return Literal(value)
    return Literal(json.dumps(value))


def select_rows(response: httpx.Response) -> list[Row]:
    """The rows of a SPARQL JSON SELECT answer, as rdflib terms (``None`` when unbound)."""
    body = orjson.loads(response.content)
    variables = body.get("head", {}).get("vars", [])
    return [
        {v: from_json_term(b[v]) if v in b else None for v in variables}
        for b in body.get("results", {}).get("bindings", [])
    ]


def select_values(response: httpx.Response) -> list[tuple[str | None, ...]]:
    """The rows of a SPARQL JSON SELECT answer as plain values in variable order
    (``None`` when unbound): no rdflib terms."""
    body = orjson.loads(response.content)
    variables = body.get("head", {}).get("vars", [])
    return [
        tuple(b[v]["value"] if v in b else None for v in variables)
        for b in body.get("results", {}).get("bindings", [])
    ]


def ask_value(body: dict[str, Any]) -> bool:
    """The answer of an ASK in SPARQL JSON results (Virtuoso 7 sends a one-row
    table with ``__ASK_RETVAL`` instead of ``boolean``)."""
    if "boolean" in body:
        return bool(body["boolean"])
    bindings = body.get("results", {}).get("bindings", [])
    if bindings and "__ASK_RETVAL" in bindings[0]:
        return bindings[0]["__ASK_RETVAL"].get("value") in ("1", "true")
    return False


def is_ask_answer(body: dict[str, Any]) -> bool:
    """Whether a SPARQL JSON results body answers an ASK."""
    return "boolean" in body or body.get("head", {}).get("vars") == ["__ASK_RETVAL"]
