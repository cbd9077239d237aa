"""A SPARQL 1.1 tokenizer for the outbound-request guard (the grammar's terminals, §19.8).

The guard (:mod:`graph.store.guard`) needs to know, fast, which bare words of a
text are keywords: a ``SERVICE`` or ``LOAD`` keyword makes the engine reach the
network, and a bare word that is no SPARQL 1.1 keyword (Virtuoso's ``DEFINE``
pragmas, SPARQL 1.2 additions) is syntax the guard cannot vouch for. Everything
else (strings, IRIs, prefixed names, variables, comments, numbers, language
tags, punctuation) is data to the guard.

The terminals follow the specification's productions exactly, including the
escapes of strings (``ECHAR``) and of local names (``PLX``). A text with a
character no terminal accepts is not tokenised at all (:class:`Untokenisable`):
what cannot be read is not run. Only the standard library is used: this runs in
the query worker processes too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_ECHAR = r"\\[tbnrf\\\"']"
_EXPONENT = r"[eE][+-]?[0-9]+"

#: (kind, pattern), tried in this order at each position; the first match wins.
#: Long strings come before short ones and IRIs before ``<``, as the
#: specification's longest-match rule has it.
TERMINALS: tuple[tuple[str, str], ...] = (
    ("ws", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    ("string", rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''"),
    ("string", rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*"""'),
    ("string", rf"'(?:[^'\\\n\r]|{_ECHAR})*'"),
    ("string", rf'"(?:[^"\\\n\r]|{_ECHAR})*"'),
    ("pname", rf"(?:{_PREFIX})?:(?:{_LOCAL})?"),
    ("bnode", rf"_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?"),
    ("var", rf"[?$][{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", rf"[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}"),
    ("number", r"[0-9]*\.[0-9]+|[0-9]+"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("punct", r"\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.=<>!+\-*/^|?]"),
)

_SCANNER = re.compile("|".join(f"(?P<t{i}>{p})" for i, (_, p) in enumerate(TERMINALS)))
_KINDS = {f"t{i}": kind for i, (kind, _) in enumerate(TERMINALS)}

#: Every bare word of SPARQL 1.1 Query and Update (keywords and built-in function
#: names; matched without regard to ASCII case), plus ``a``, ``true`` and ``false``;
#: upper-cased, as :func:`words` gives them.
KEYWORDS = frozenset(
    word.upper()
    for word in """
    a true false base prefix select construct describe ask where from named distinct reduced
    as order by asc desc limit offset group having values undef optional graph union minus
    filter bind service silent not in exists
    count sum min max avg sample group_concat separator
    str lang langmatches datatype bound iri uri bnode rand abs ceil floor round concat strlen
    ucase lcase encode_for_uri contains strstarts strends strbefore strafter year month day
    hours minutes seconds timezone tz now uuid struuid md5 sha1 sha256 sha384 sha512 coalesce
    if strlang strdt sameterm isiri isuri isblank isliteral isnumeric regex substr replace
    load clear drop create add move copy insert delete data with using default all into to
    """.split()
)


class Untokenisable(ValueError):
    """The text holds a character that starts no SPARQL 1.1 terminal."""


def words(text: str) -> Iterator[str]:
    """The bare words of ``text`` (keywords, or words that are none), upper-cased.

    Raises:
        Untokenisable: at the first character no terminal accepts.
    """
    return (value.upper() for kind, value in terms(text) if kind == "word")


def terms(text: str) -> Iterator[tuple[str, str]]:
    """Every token of ``text`` but white space and comments, as (kind, text) pairs.

    Raises:
        Untokenisable: at the first character no terminal accepts.
    """
    position, end = 0, len(text)
    while position < end:
        match = _SCANNER.match(text, position)
        if match is None or match.end() == position:
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            raise Untokenisable(f"unexpected {text[position]!r} at line {line}, column {column}")
        kind = _KINDS[match.lastgroup or ""]
        if kind not in ("ws", "comment"):
            yield kind, match.group()
        position = match.end()


def prologue_end(text: str) -> int:
    """Where the leading prologue of ``text`` ends (its ``BASE``/``PREFIX`` declarations).

    The offset just after the last declaration's IRI (0 when there is none), so
    operations a writer puts before a user's update can go after the user's own
    declarations, where SPARQL allows them.

    Raises:
        Untokenisable: at the first character no terminal accepts.
    """
    position, end, last = 0, len(text), 0
    expect: list[str] = []  # the token kinds the current declaration still needs
    while position < end:
        match = _SCANNER.match(text, position)
        if match is None or match.end() == position:
            raise Untokenisable(f"unexpected {text[position]!r} at offset {position}")
        kind, value = _KINDS[match.lastgroup or ""], match.group()
        position = match.end()
        if kind in ("ws", "comment"):
            continue
        if expect:
            if kind != expect.pop(0):
                return last
            if not expect:
                last = position
        elif kind == "word" and value.upper() == "BASE":
            expect = ["iri"]
        elif kind == "word" and value.upper() == "PREFIX":
            expect = ["pname", "iri"]
        else:
            return last
    return last
