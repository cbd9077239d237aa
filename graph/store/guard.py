"""The outbound-request guard: SERVICE and LOAD refused before evaluation.

A SPARQL text may make the engine reach the network in two ways: a ``SERVICE``
pattern (queries and the WHERE of updates) and ``LOAD`` (updates). Both are
refused before evaluation, in two steps:

* The text is first *normalised*: its ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes are
  expanded once, as SPARQL 1.1 (§19.2) says happens before parsing. The
  normalised text is what the guard checks **and** what the engine evaluates, so
  the two never read different escapes. A text still holding an escape after
  that (``\\u005Cu0053``, an escaped escape) is refused as ambiguous.
* It is then *tokenised* with the grammar's terminals (:mod:`graph.store.tokens`:
  strings with their escapes, IRIs, prefixed names with escapes, comments). A
  character no terminal accepts, a ``SERVICE`` or ``LOAD`` keyword, or a bare
  word that is no SPARQL 1.1 keyword (``DEFINE`` pragmas, SPARQL 1.2 syntax:
  what cannot be checked does not run) is refused.
* Only when the letters of ``service`` or ``load`` appear somewhere in the text
  (in a string, an IRI, a variable, a prefixed name or a comment: the tokens
  said they are no keyword) is the text also parsed with rdflib's SPARQL 1.1
  parser, and every node of the parse tree visited (subqueries, ``EXISTS``
  inside filters, ``OPTIONAL``/``UNION``/``MINUS`` branches, a variable
  endpoint, ``SILENT``). A keyword is spelled with exactly those letters (ASCII
  case aside), so a text without them cannot hold one, whatever a tokenizer
  makes of it; the slow parse (tens to hundreds of milliseconds) is paid only
  by the texts where a lexing mistake could matter.

rdflib's parser is slow on large texts and recursive, so the embedded store runs
this guard inside its query worker processes (:mod:`graph.store.sandbox`), under
the query's time and memory limits and with a deep stack, never in the server's
own threads. Every :class:`~graph.store.base.QueryRunner` must apply it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from graph.store import tokens

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


def _spells_outbound(text: str) -> bool:
    """Whether the letters of a SERVICE or LOAD keyword appear anywhere in ``text``.

    Both case mappings are tried, so letters that only some engine's Unicode
    case rules turn into ASCII (``ſ``, dotless ``ı``) count too.
    """
    upper, folded = text.upper(), text.casefold()
    return "SERVICE" in upper or "LOAD" in upper or "service" in folded or "load" in folded


def token_reason(text: str) -> str | None:
    """Why ``text`` (already :func:`normalise`-d) must not run, from its tokens, or ``None``.

    Raises:
        Refused: a character starts no terminal, or a bare word is no SPARQL 1.1 keyword.
    """
    try:
        bare = set(tokens.words(text))
    except tokens.Untokenisable as exc:
        raise Refused(f"malformed SPARQL: {exc}", unparsed=True) from None
    for keyword in sorted(bare & set(OUTBOUND_NODES.values())):
        return f"{keyword} is not allowed: this endpoint makes no outbound requests"
    unknown = sorted(bare - tokens.KEYWORDS)
    if unknown:
        raise Refused(
            f"malformed SPARQL (or beyond what the SERVICE guard can check): "
            f"{unknown[0]} is not a SPARQL 1.1 keyword",
            unparsed=True,
        )
    return None


#: IRI schemes some servers read as calls into their own engine (Virtuoso's built-in
#: functions and SQL procedures), never as data.
ENGINE_SCHEMES = ("bif:", "sql:")


def extension_reason(text: str, known_prefixes: Iterable[str] = ()) -> str | None:
    """Why ``text`` (already checked by :func:`check`) must not go to a SPARQL server,
    or ``None``: a prefixed name whose prefix neither the text nor ``known_prefixes``
    declares (SPARQL 1.1 needs a declaration; a server's built-in prefixes, such as
    Virtuoso's ``bif:`` and ``sql:``, call into the engine), or an IRI in such a scheme.
    """
    declared = set(known_prefixes)
    previous = ""
    for kind, value in tokens.terms(text):
        if kind == "pname":
            prefix = value.split(":", 1)[0]
            if previous.upper() == "PREFIX":
                declared.add(prefix)
            elif prefix not in declared:
                return (
                    f"the prefix {prefix}: is not declared: add PREFIX {prefix}: <...> "
                    "(server built-in prefixes are not passed on)"
                )
        elif kind == "iri" and value[1:].lower().startswith(ENGINE_SCHEMES):
            return f"{value} calls into the graph server's engine and is not passed on"
        previous = value
    return None


def check(text: str, update: bool = False) -> str:
    """The normalised text, ready to evaluate.

    Raises:
        Refused: it uses SERVICE or LOAD, or cannot be tokenised, parsed or normalised.
    """
    normalised = normalise(text)
    reason = token_reason(normalised)
    if reason is None and _spells_outbound(normalised):
        reason = outbound_reason(normalised, update=update)
    if reason is not None:
        raise Refused(reason)
    return normalised


def warm() -> None:
    """Build the parser's grammar now (seconds), so no query's time limit pays for it."""
    outbound_reason("ASK { ?s ?p ?o }")
