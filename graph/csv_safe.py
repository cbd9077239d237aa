"""Spreadsheet-safe CSV cells (OWASP "CSV Injection").

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a leading tab or carriage return can hide one; a document titled
``=HYPERLINK("http://evil.example/","x")`` would then be a live link in every
export. :func:`neutralise` prefixes such a cell with a single quote, which
spreadsheets show as text and do not display. Plain numbers (``-5``, ``+3.2e4``)
are left alone: they cannot hold a formula, and a signed number must stay one.

Every CSV the product writes goes through it: the result-list exports
(``api/results_export.py``: the UI's CSV link, ``/api/search?format=csv``,
``hankekg search --format csv``) and SPARQL CSV results
(``graph/store/results.py``). Standard library only: it runs in the query
worker processes too.
"""

from __future__ import annotations

import re

#: What a spreadsheet may read as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet (a leading ``'`` before a formula start)."""
    if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell
