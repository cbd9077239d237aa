"""Everything else on the remote backend: VoID, export over HTTP, the documents API,
``hankekg validate`` and related projects, on a real ``oxigraph serve``.

One engine with ``HANKEKG_GRAPH_BACKEND=sparql`` ingests the seeds into the server
and serves them. Each answer is checked against the server queried directly (or
against the embedded engine over the same seeds), so a feature that still read
local state, or lost the union default graph, would fail here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from rdflib import Graph, URIRef
from typer.testing import CliRunner

from api.cli import app
from api.engine import Engine
from graph.vocab import HK, VOID
from tests.api.conftest import AUTH, TEXT, TOKEN
from tests.conftest import ROVANIEMI, SEEDS, LiveServer, make_settings
from tests.graph_servers import SparqlServer, oxigraph_server

pytestmark = pytest.mark.slow


class Remote:
    """The product on the server backend, and the server itself."""

    def __init__(self, server: SparqlServer, live: LiveServer, engine: Engine) -> None:
        self.server, self.live, self.engine = server, live, engine

    def direct(self, query: str) -> list[dict[str, str]]:
        """``query`` posted straight to the server: rows of plain values."""
        response = httpx.post(
            self.server.query_url,
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        response.raise_for_status()
        body = response.json()
        if "boolean" in body:
            return [{"boolean": str(body["boolean"]).lower()}]
        return [{k: v["value"] for k, v in b.items()} for b in body["results"]["bindings"]]

    def count(self, query: str) -> int:
        return int(self.direct(query)[0]["n"])

    def ask(self, query: str) -> bool:
        return self.direct(query)[0]["boolean"] == "true"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    root = tmp_path_factory.mktemp("remote-features")
    with oxigraph_server(root / "oxigraph") as server:
        settings = make_settings(
            root / "home",
            graph_backend="sparql",
            sparql_query_url=server.query_url,
            sparql_update_url=server.update_url,
            sparql_graph_store_url=server.graph_store_url,
            api_token=TOKEN,
        )
        engine = Engine(settings)
        assert not engine.ingest_paths([SEEDS]).failed
        engine.warm_up()
        try:
            with LiveServer(engine) as live:
                yield Remote(server, live, engine)
        finally:
            engine.close()


def test_void_counts_are_the_servers(remote: Remote) -> None:
    response = httpx.get(
        f"{remote.live.url}/.well-known/void", headers={"Accept": "text/turtle"}, timeout=60
    )
    assert response.status_code == 200, response.text
    void = Graph().parse(data=response.text, format="turtle")
    base = remote.engine.settings.base
    dataset = URIRef(f"{base}.well-known/void#dataset")
    triples = remote.count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert triples > 1000
    assert int(void.value(dataset, VOID.triples)) == triples  # type: ignore[arg-type]
    projects = remote.count(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{HK.Project}> }}")
    partitions = {
        str(void.value(p, VOID["class"])): int(void.value(p, VOID.entities))  # type: ignore[arg-type]
        for p in void.objects(dataset, VOID.classPartition)
    }
    assert partitions[str(HK.Project)] == projects >= 2


def test_export_over_http_is_what_the_server_holds(remote: Remote) -> None:
    response = httpx.get(f"{remote.live.url}/api/export", params={"format": "nquads"}, timeout=120)
    assert response.status_code == 200
    quads = [line for line in response.text.splitlines() if line.strip()]
    assert len(quads) == remote.count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    graphs = {line.rsplit(" ", 2)[-2] for line in quads}
    document = sorted(graphs)[0].strip("<>")
    one = httpx.get(
        f"{remote.live.url}/api/export",
        params={"format": "nquads", "graph": document},
        timeout=60,
    )
    assert one.status_code == 200
    lines = [line for line in one.text.splitlines() if line.strip()]
    assert lines and all(line.endswith(f"<{document}> .") for line in lines)
    assert len(lines) == remote.count(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{document}> {{ ?s ?p ?o }} }}"
    )
    default = httpx.get(
        f"{remote.live.url}/api/export",
        params={"format": "turtle", "graph": "default"},
        timeout=60,
    )
    assert default.status_code == 200
    assert len(Graph().parse(data=default.text, format="turtle")) == remote.count(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    )


def test_documents_api_writes_and_deletes_on_the_server(remote: Remote) -> None:
    url = f"{remote.live.url}/api/documents"
    created = httpx.post(
        url, json={"text": TEXT, "title": "Vertaistuki"}, headers=AUTH, timeout=300
    )
    assert created.status_code == 201, created.text
    body = created.json()
    doc, doc_id, projects = body["document"], body["id"], body["projects"]
    assert remote.ask(f"ASK {{ GRAPH <{doc}> {{ <{doc}> ?p ?o }} }}")
    assert all(remote.ask(f"ASK {{ <{p}> a <{HK.Project}> }}") for p in projects)
    listing = httpx.get(url, timeout=60).json()
    assert doc in {d["iri"] for d in listing["items"]}
    detail = httpx.get(f"{url}/{doc_id}", timeout=60)
    assert detail.status_code == 200, detail.text
    assert detail.json()["iri"] == doc and detail.json()["triples"] == remote.count(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{doc}> {{ ?s ?p ?o }} }}"
    )
    deleted = httpx.delete(f"{url}/{doc_id}", headers=AUTH, timeout=300)
    assert deleted.status_code == 204, deleted.text
    assert not remote.ask(f"ASK {{ GRAPH <{doc}> {{ ?s ?p ?o }} }}")
    # The union default graph lost what only this document said.
    assert not remote.ask(f"ASK {{ <{doc}> ?p ?o }}")
    assert not any(remote.ask(f"ASK {{ <{p}> a <{HK.Project}> }}") for p in projects)
    assert httpx.get(f"{url}/{doc_id}", timeout=60).status_code == 404


def _validate(remote: Remote) -> tuple[int, str]:
    server = remote.server
    result = CliRunner().invoke(
        app,
        ["validate"],
        env={
            "HANKEKG_HOME": str(remote.engine.settings.home.parent / "validate-home"),
            "HANKEKG_GRAPH_BACKEND": "sparql",
            "HANKEKG_SPARQL_QUERY_URL": server.query_url,
            "HANKEKG_SPARQL_UPDATE_URL": server.update_url,
        },
    )
    return result.exit_code, result.output


def test_validate_reads_the_server(remote: Remote) -> None:
    code, out = _validate(remote)
    assert code == 0 and "conforms: True" in out, out
    # A project with no name, written on the server behind the product's back.
    broken = f"{remote.engine.settings.base}id/project/nimeton"
    graph = f"{remote.engine.settings.base}id/document/broken"
    fact = f"<{broken}> a <{HK.Project}>, <https://schema.org/Project> ."
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ {fact} }} {fact} }}"
    httpx.post(remote.server.update_url, data={"update": update}, timeout=60).raise_for_status()
    try:
        code, out = _validate(remote)
        assert code == 1 and "nimeton" in out, out
    finally:
        cleanup = f"DROP GRAPH <{graph}> ; DELETE DATA {{ {fact} }}"
        httpx.post(remote.server.update_url, data={"update": cleanup}, timeout=60)


def test_related_projects_match_the_embedded_store(remote: Remote, seeded_engine: Engine) -> None:
    project = str(
        remote.engine.store.select(
            f'SELECT ?p WHERE {{ ?p <https://schema.org/name> "{ROVANIEMI}"@fi }}'
        )[0]["p"]
    )
    project_id = project.rsplit("/", 1)[-1]
    response = httpx.get(f"{remote.live.url}/api/projects/{project_id}/related", timeout=120)
    assert response.status_code == 200, response.text
    over_http = response.json()["results"]
    from api import services

    embedded = services.related(seeded_engine, project_id).results
    assert over_http, "no related projects"
    assert [r["iri"] for r in over_http] == [r.iri for r in embedded]
    assert [[x["kind"] for x in r["reasons"]] for r in over_http] == [
        [x.kind for x in r.reasons] for r in embedded
    ]


def test_home_of_the_validate_cli_stays_empty(remote: Remote, tmp_path: Path) -> None:
    """``validate`` on the server backend needs no local graph: its home holds no store."""
    _validate(remote)
    home = remote.engine.settings.home.parent / "validate-home"
    assert not (home / "oxigraph").exists()


def test_open_in_sparql_runs_on_the_server_and_lists_the_answer(remote: Remote) -> None:
    page = httpx.get(f"{remote.live.url}/", params={"q": "kuntoutus"}, timeout=60).text
    href = re.search(r'href="(/sparql-ui\?[^"]+)" data-export="sparql"', page)
    assert href is not None
    query = parse_qs(urlsplit(html.unescape(href.group(1))).query)["query"][0]
    answer = httpx.get(
        f"{remote.live.url}/api/search", params={"q": "kuntoutus", "k": 100}, timeout=60
    ).json()
    rows = remote.direct(query)  # straight to the server: no hkf:similarity there
    assert [r["p"] for r in rows] == [h["iri"] for h in answer["results"]]
    assert len(rows) == answer["total"] >= 1
