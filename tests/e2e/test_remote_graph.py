"""A stateless service over a remote graph: ``HANKEKG_GRAPH_BACKEND=sparql`` on a
real ``oxigraph serve``.

One engine ingests the seeds into the server; a second one, over an empty
``HANKEKG_HOME``, answers pages, filtered search and SPARQL from the server
alone (it rebuilds its local search index from the graph when it opens, until
the index moves to its own store). Re-ingesting the same documents changes
nothing on the server.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from api.engine import Engine
from graph.store.sparql import SparqlStore
from graph.vocab import HK, SCHEMA
from tests.conftest import SEEDS, LiveServer, make_settings
from tests.graph_servers import SparqlServer, oxigraph_server

pytestmark = pytest.mark.slow


def _settings(home: Path, server: SparqlServer) -> dict[str, object]:
    return {
        "home": home,
        "graph_backend": "sparql",
        "sparql_query_url": server.query_url,
        "sparql_update_url": server.update_url,
        "sparql_graph_store_url": server.graph_store_url,
    }


def _dump(server: SparqlServer) -> bytes:
    store = SparqlStore(server.query_url, server.update_url)
    out = io.BytesIO()
    store.dump(out, "nquads")
    store.close()
    return b"".join(sorted(out.getvalue().splitlines()))


def test_an_empty_home_serves_pages_search_and_sparql_from_the_server(tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "oxigraph") as server:
        settings = _settings(tmp_path / "writer", server)
        writer = Engine(make_settings(**settings))  # type: ignore[arg-type]
        assert not writer.ingest_paths([SEEDS]).failed
        writer.close()
        before = _dump(server)
        assert before

        empty = tmp_path / "replica"
        replica = Engine(make_settings(**{**settings, "home": empty}))  # type: ignore[arg-type]
        try:
            row = replica.store.select(
                f"""SELECT ?p ?f ?n WHERE {{ ?p a <{HK.Project}> ; <{SCHEMA.funder}> ?f ;
                    <{SCHEMA.name}> ?n }} LIMIT 1"""
            )[0]
            project, funder, name = str(row["p"]), str(row["f"]), str(row["n"])
            with LiveServer(replica) as live:
                page = httpx.get(
                    f"{live.url}/api/projects/{project.rsplit('/', 1)[-1]}", timeout=120
                )
                assert page.status_code == 200 and name in page.json()["names"].values()
                hits = httpx.get(
                    f"{live.url}/api/search", params={"q": name, "funder": funder}, timeout=120
                )
                assert hits.status_code == 200
                assert project in {h["iri"] for h in hits.json()["results"]}
                count = httpx.get(
                    f"{live.url}/sparql",
                    params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?p a hk:Project }"},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=120,
                )
                assert count.status_code == 200
                assert int(count.json()["results"]["bindings"][0]["n"]["value"]) >= 2
                similarity = httpx.get(
                    f"{live.url}/sparql",
                    params={
                        "query": "SELECT ?s WHERE { ?p a hk:Project "
                        'BIND(hkf:similarity(?p, "kuntoutus") AS ?s) }'
                    },
                    timeout=120,
                )
                assert similarity.status_code == 400
                assert "hkf:similarity" in similarity.text
            report = replica.ingest_paths([SEEDS])
            assert report.unchanged and not report.added and not report.replaced
        finally:
            replica.close()
        assert _dump(server) == before
