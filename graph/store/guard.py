"""The outbound-request guard: SERVICE and LOAD decided on a real SPARQL parse tree.

A SPARQL text may make the engine reach the network in two ways: a ``SERVICE``
pattern (queries and the WHERE of updates) and ``LOAD`` (updates). Both are
refused before evaluation. The decision is made on the syntax tree of rdflib's
SPARQL 1.1 parser (the grammar of the specification, with its own lexer for
strings, IRIs, prefixed names with escapes and comments), never on tokens:

* The text is first *normalised*: its ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes are
  expanded once, as SPARQL 1.1 (§19.2) says happens before parsing. The
  normalised text is what the guard parses **and** what the engine evaluates, so
  the two never read different escapes. A text still holding an escape after
  that (``\\u005Cu0053``, an escaped escape) is refused as ambiguous.
* A text the guard's parser does not accept is refused (400), even if Oxigraph
  might accept it (SPARQL 1.2 syntax, for instance): what cannot be checked does
  not run.
* Every node of the parse tree is visited: subqueries, ``EXISTS`` inside
  filters, ``OPTIONAL``/``UNION``/``MINUS`` branches, a variable endpoint,
  ``SILENT``.

rdflib's parser is slow on large texts and recursive, so the embedded store runs
this guard inside its query worker processes (:mod:`graph.store.sandbox`), under
the query's time and memory limits and with a deep stack, never in the server's
own threads. Every :class:`~graph.store.base.QueryRunner` must apply it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: Parse-tree node names that make the engine reach the network.
OUTBOUND_NODES: dict[str, str] = {
    "ServiceGraphPattern": "SERVICE",
    "Load": "LOAD",
}

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Refused(Exception):
    """The text may not run; the message says why (a 400 for the client)."""

    def __init__(self, message: str, unparsed: bool = False) -> None:
        super().__init__(message)
        self.unparsed = unparsed
        """The guard's parser did not accept the text (it may still be valid for Oxigraph)."""


def normalise(text: str) -> str:
    """``text`` with its ``\\u``/``\\U`` code point escapes expanded once.

    Raises:
        Refused: an escape names no character, or the expansion leaves an escape.
    """

    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise Refused(f"the escape {match.group(0)} names no character")
        return chr(code)

    expanded = _ESCAPE.sub(expand, text)
    if expanded != text and _ESCAPE.search(expanded):
        raise Refused("an escape sequence spells another escape sequence: write the text plainly")
    return expanded


def _walk(node: Any) -> Iterator[str]:
    """Names of every parse-tree node under ``node`` (CompValues are dicts with a name)."""
    stack = [node]
    while stack:
        item = stack.pop()
        name = getattr(item, "name", None)
        if isinstance(item, dict):
            if isinstance(name, str):
                yield name
            stack.extend(item.values())
        elif isinstance(item, list | tuple) or type(item).__name__ == "ParseResults":
            stack.extend(item)


def outbound_reason(text: str, update: bool = False) -> str | None:
    """Why ``text`` (already :func:`normalise`-d) must not run, or ``None``.

    Raises:
        Refused: the guard's parser does not accept the text.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseUpdate(text) if update else parseQuery(text)
    except ParseException as exc:
        kind = "update" if update else "query"
        where = f"line {exc.lineno}, column {exc.col}"
        raise Refused(
            f"malformed SPARQL {kind} (or beyond what the SERVICE guard can check): "
            f"{exc.msg} at {where}",
            unparsed=True,
        ) from exc
    except RecursionError:
        raise Refused("the text is too deeply structured for the SERVICE guard", True) from None
    for name in _walk(tree):
        keyword = OUTBOUND_NODES.get(name)
        if keyword is not None:
            return f"{keyword} is not allowed: this endpoint makes no outbound requests"
    return None


def check(text: str, update: bool = False) -> str:
    """The normalised text, ready to evaluate.

    Raises:
        Refused: it uses SERVICE or LOAD, or cannot be parsed or normalised.
    """
    normalised = normalise(text)
    reason = outbound_reason(normalised, update=update)
    if reason is not None:
        raise Refused(reason)
    return normalised
