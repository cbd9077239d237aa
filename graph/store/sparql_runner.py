"""The runner for untrusted SPARQL queries on a graph server (``/sparql``).

The embedded store runs untrusted queries in sandboxed worker processes
(:mod:`graph.store.sandbox`); on a server the server computes, so this runner
only guards the text and sends one request per query with a deadline.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from graph.errors import QueryError
from graph.store import guard, updates
from graph.store.base import Job, Outcome, QueryRefused

if TYPE_CHECKING:
    from graph.store.sparql import SparqlStore


class RemoteQueryRunner:
    """Untrusted queries on a server: one HTTP request each, with a deadline.

    The server computes; hankekg only waits, so there is nothing to kill here
    beyond the connection (a server's own query timeout is configured on it).
    """

    def __init__(self, store: SparqlStore) -> None:
        self.store = store

    def run(self, job: Job, token: object, timeout_s: float) -> Outcome:
        """Guard ``job``, then run it within ``timeout_s`` (``token``: nothing is cached).

        The server would follow a SERVICE clause itself, so the guard decides
        here, before the request (in this thread: there is no worker process).

        Raises:
            QueryRefused: SERVICE, or a text the guard cannot parse.
        """
        text = self._guard(job.query, update=False)
        if job.base:
            # The server resolves relative IRIs against the request's own BASE.
            text = f"BASE <{job.base}>\n{text}"
        return self.store._run(dataclasses.replace(job, query=text), timeout_s)

    def prepare_update(self, text: str, timeout_s: float, base: str | None = None) -> str:
        """Guard and plan ``text`` here (``timeout_s`` unused: the server computes, and
        its own update timeout is configured on it; there is no copy to try it on).

        Raises:
            QueryRefused: SERVICE, LOAD, a refused update, or a text the guard cannot parse.
        """
        checked = self._guard(text, update=True)
        try:
            return updates.plan(checked, union=self.store.union, scope=self.store.scope, base=base)
        except QueryError as exc:
            raise QueryRefused(str(exc)) from None

    def _guard(self, text: str, update: bool) -> str:
        """The guarded, normalised text.

        Raises:
            QueryRefused: SERVICE, LOAD, or a text the guard cannot parse.
        """
        try:
            checked = guard.check(text, update=update)
        except guard.Refused as exc:
            raise QueryRefused(str(exc)) from exc
        reason = guard.extension_reason(checked, self.store._prefixes)
        if reason is not None:
            raise QueryRefused(reason)
        return checked

    def invalidate(self) -> None:
        """Nothing cached, nothing to drop."""

    def prestart(self) -> None:
        """Nothing to start."""

    def close(self) -> None:
        """Nothing to release (the store owns the connections)."""
