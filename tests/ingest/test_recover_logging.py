"""How the writer's recovery reports an index that disagrees with the graph.

A new replica joining a shared graph with an empty local index once logged
ERROR "graph and index disagree", although building the index is exactly what
it should do; a committed index that disagrees is still an ERROR.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from ingest.commit import Writer


class _Store:
    def documents(self) -> dict[str, str]:
        return {"http://example.org/doc/1": "aa", "http://example.org/doc/2": "bb"}


class _Index:
    def __init__(self, version: str | None) -> None:
        self._version = version

    def version(self) -> str | None:
        return self._version

    def recover(self, in_graph: dict[str, str]) -> set[str] | None:
        return None  # nothing in the index matches the graph


def _recover(version: str | None) -> list[set[str] | None]:
    rebuilt: list[set[str] | None] = []
    writer = Writer(
        cast(Any, _Store()), cast(Any, _Index(version)), lambda: cast(Any, None), rebuilt.append
    )
    writer.recover()
    return rebuilt


def test_a_new_replica_logged_an_error_for_the_expected_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.commit")
    assert _recover(None) == [None]
    assert [r.levelno for r in caplog.records] == [logging.INFO]
    assert "new replica" in caplog.text and "2 documents" in caplog.text


def test_a_committed_index_that_disagrees_is_still_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.commit")
    assert _recover("snapshot-7") == [None]
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "graph and index disagree" in caplog.text
