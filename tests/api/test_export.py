"""Export round trips: the dump reloaded into a fresh store is the same dataset."""

from __future__ import annotations

import io

import httpx
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from api.engine import Engine
from api.export import EXPORT_FORMATS, export
from graph.errors import QueryError
from graph.store.base import GraphStore
from graph.store.oxigraph import OxigraphStore
from tests.api.conftest import FIXTURE_GRAPH, fixture_graph
from tests.conftest import LiveServer


def graphs_of(store: GraphStore) -> dict[str, Graph]:
    """Every graph of a store as rdflib graphs (via N-Quads)."""
    out = io.BytesIO()
    store.dump(out, "nquads")
    dataset = Dataset()
    dataset.parse(data=out.getvalue().decode("utf-8"), format="nquads")
    return {str(g.identifier): g for g in dataset.graphs() if len(g)}


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_http_export_round_trips_as_isomorphic_graphs(
    ld_server: LiveServer, ld_engine: Engine, fmt: str
) -> None:
    response = httpx.get(f"{ld_server.url}/api/export", params={"format": fmt}, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(EXPORT_FORMATS[fmt].media_type)
    fresh = OxigraphStore(None)
    fresh.bulk_load(io.BytesIO(response.content), fmt)  # the union is rebuilt from the graphs
    expected = graphs_of(ld_engine.store)
    got = graphs_of(fresh)
    assert set(got) == set(expected)
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), name


def test_turtle_export_of_one_graph(ld_server: LiveServer) -> None:
    response = httpx.get(
        f"{ld_server.url}/api/export",
        params={"format": "turtle", "graph": str(FIXTURE_GRAPH)},
    )
    assert response.status_code == 200
    assert isomorphic(Graph().parse(data=response.text, format="turtle"), fixture_graph())


def test_unknown_graph_is_404(ld_server: LiveServer) -> None:
    response = httpx.get(
        f"{ld_server.url}/api/export", params={"graph": "http://localhost:8000/graph/none"}
    )
    assert response.status_code == 404
    assert httpx.get(f"{ld_server.url}/api/export", params={"format": "rtf"}).status_code == 422


def test_export_function_for_the_cli(ld_engine: Engine) -> None:
    out = io.BytesIO()
    count = export(ld_engine.store, "nquads", [str(FIXTURE_GRAPH)], out)
    assert count == len(fixture_graph())
    fresh = OxigraphStore(None)
    fresh.bulk_load(io.BytesIO(out.getvalue()), "nquads")
    assert isomorphic(graphs_of(fresh)[str(FIXTURE_GRAPH)], fixture_graph())
    with pytest.raises(QueryError):
        export(ld_engine.store, "rtf", None, io.BytesIO())
