"""A graph server that goes away is an outage (503), not a slow query (504).

The SPARQL endpoint's runner once reported a refused connection to the graph
server as "Query timed out".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import StoreUnavailable
from graph.store.base import Job
from graph.store.sparql import SparqlStore
from tests.graph_servers import oxigraph_binary, oxigraph_server

pytestmark = pytest.mark.skipif(oxigraph_binary() is None, reason="oxigraph serve is absent")


def test_a_refused_connection_was_reported_as_a_timeout(tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "graph") as server:
        store = SparqlStore(server.query_url, server.update_url)
        runner = store.query_runner(tmp_path, 1)
        job = Job("ASK { ?s ?p ?o }", "application/sparql-results+json", None, 10)
        assert runner.run(job, None, 10).body
    # The server is stopped now: its port refuses connections.
    with pytest.raises(StoreUnavailable, match="graph server"):
        runner.run(job, None, 10)
    store.close()
