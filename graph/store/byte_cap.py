"""A byte cap on SPARQL answers, beside the row cap.

The row limit bounds rows, not bytes: a 154-character query that concatenates
long texts (``BIND(CONCAT(?t, ?t, ?t, ?t) AS ?x)``) answered 116 MB in 10,000
rows. Every answer is therefore also cut at ``HANKEKG_SPARQL_MAX_BYTES``
(10 MB by default), in every result format, CONSTRUCT and DESCRIBE included,
and a cut answer says so (``X-Result-Truncated: true``) as a row cut does.

Two steps keep it cheap and exact. While rows are read, :class:`ByteBudget`
adds up the size of their values and stops reading once it passes the cap, so
a worker never holds much more than the cap. Then :func:`fit` serialises the
rows and, while the body is still over the cap (the format's own markup is
not counted in the estimate), drops rows from the end in proportion and
serialises again: the body that leaves is never larger than the cap.
Standard library only: it runs in the query worker processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

#: The default byte cap of one answer (``HANKEKG_SPARQL_MAX_BYTES``).
DEFAULT_MAX_BYTES = 10_000_000
#: Markup per value in the estimate (a JSON binding's keys, an XML element...).
PER_VALUE = 24

T = TypeVar("T")


def size_of(value: Any) -> int:
    """Estimated serialised size of a term: its strings' lengths plus markup."""
    if value is None:
        return 1
    if isinstance(value, str):
        return len(value) + PER_VALUE
    if isinstance(value, dict):
        return sum(size_of(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(size_of(v) for v in value)
    return len(str(value)) + PER_VALUE


class ByteBudget:
    """Counts the estimated bytes of the rows read; refuses a row once over the cap."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.spent = 0

    def take(self, row: Any) -> bool:
        """Count ``row``; ``False`` when it would take the answer past the cap."""
        cost = size_of(row)
        if self.spent + cost > self.max_bytes:
            return False
        self.spent += cost
        return True


def fit(
    serialise: Callable[[Sequence[T]], bytes], rows: Sequence[T], max_bytes: int
) -> tuple[bytes, int]:
    """Serialise the longest prefix of ``rows`` whose body is at most ``max_bytes``.

    Returns the body and the number of rows in it.
    """
    n = len(rows)
    body = serialise(rows)
    while len(body) > max_bytes and n > 0:
        # shrink in proportion to the overshoot, and by one row at least
        n = min(n - 1, int(n * max_bytes / len(body) * 0.98))
        n = max(n, 0)
        body = serialise(rows[:n])
    return body, n
