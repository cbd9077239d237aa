"""A text the guard (or the update planner) cannot parse never reaches the engine.

Before, the worker ran such a text through Oxigraph to get Oxigraph's own syntax
error: the engine read a text nobody had checked for SERVICE (issue 23, owned
by issue 24). Now the parser's message is the answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.store import guard
from graph.store.base import Job, QueryRefused
from graph.store.sandbox import Prepare, _prepare, evaluate


class NoEngine:
    """A store that fails the test if anything asks it to evaluate."""

    def query(self, *_: Any, **__: Any) -> None:
        raise AssertionError("the engine was asked to evaluate an unchecked text")


def test_an_unparseable_query_ran_in_the_engine_for_an_error_message() -> None:
    job = Job(
        query="SELECT * WHERE { ?s ?p 'service' . FILTER( }",
        select_media="application/sparql-results+json",
        graph_media=None,
        max_rows=5,
    )
    with pytest.raises(QueryRefused, match="malformed"):
        evaluate(NoEngine(), job)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 'service' ",  # the guard parses it
        "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 }",  # only the planner parses it
    ],
)
def test_an_unparseable_update_ran_in_the_engine_for_an_error_message(
    tmp_path: Path, text: str
) -> None:
    trial = tmp_path / "trial"  # the engine would open (and create) its store here
    with pytest.raises((guard.Refused, QueryRefused), match="malformed"):
        _prepare(Prepare(text, trial=str(trial)))
    assert not trial.exists()
