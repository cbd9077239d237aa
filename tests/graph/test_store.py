"""The embedded Oxigraph store: the contract suite, plus what only it does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.store.oxigraph import OxigraphStore
from graph.vocab import SCHEMA
from tests.graph.store_contract import G1, GraphStoreContract, P, names


class TestEmbeddedOxigraph(GraphStoreContract):
    """The contract against Oxigraph on disk (the query sandbox needs checkpoints)."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[OxigraphStore]:
        store = OxigraphStore(tmp_path / "oxigraph")
        yield store
        store.close()


def test_union_is_rebuilt_for_a_store_written_without_it(tmp_path: Path) -> None:
    """A home written before the default graph was kept as the union gets one on open."""
    legacy = ox.Store(str(tmp_path))
    legacy.update(f'INSERT DATA {{ GRAPH <{G1}> {{ <{P}> <{SCHEMA.name}> "Vanha" }} }}')
    legacy.flush()
    del legacy
    store = OxigraphStore(tmp_path)
    assert names(store) == ["Vanha"]
    store.close()
