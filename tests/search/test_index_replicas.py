"""Stateless API replicas: two ``hankekg serve`` processes, each with its own empty
``HANKEKG_HOME``, share a real ``oxigraph serve`` (``HANKEKG_GRAPH_BACKEND=sparql``)
and a real PostgreSQL + pgvector (``HANKEKG_INDEX_BACKEND=postgres``).

A document uploaded through one is in the other's search results, project page
and SPARQL answers within seconds; a delete through the other is gone from the
first; then 16 clients share the two replicas without an error.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from graph.processes import stop_processes
from tests.conftest import SEEDS
from tests.graph_servers import SparqlServer, free_port, oxigraph_server

pytestmark = pytest.mark.slow

TOKEN = "replica-test-token"  # noqa: S105 - a test token
WAIT_S = 10.0


def _start(
    home: Path, graph: SparqlServer, database_url: str
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start one ``hankekg serve`` process; returns it, its base URL and its log."""
    port = free_port()
    env = {
        **os.environ,
        "HANKEKG_HOME": str(home),
        "HANKEKG_GRAPH_BACKEND": "sparql",
        "HANKEKG_SPARQL_QUERY_URL": graph.query_url,
        "HANKEKG_SPARQL_UPDATE_URL": graph.update_url,
        "HANKEKG_SPARQL_GRAPH_STORE_URL": graph.graph_store_url or "",
        "HANKEKG_INDEX_BACKEND": "postgres",
        "HANKEKG_DATABASE_URL": database_url,
        "HANKEKG_API_TOKEN": TOKEN,
        "HANKEKG_WORKERS": "2",
    }
    log = home.parent / f"{home.name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-c", "from api.cli import app; app()", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    return process, f"http://127.0.0.1:{port}", log


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace")[-3000:])
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{base} did not start: {log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def replicas(homes: list[Path], graph: SparqlServer, database_url: str) -> Iterator[list[str]]:
    """``hankekg serve`` processes started together (as a deployment would: they migrate
    the shared database under an advisory lock); yields their base URLs once all answer."""
    started = [_start(home, graph, database_url) for home in homes]
    try:
        for process, base, log in started:
            _wait_ready(process, base, log)
        yield [base for _, base, _ in started]
    finally:
        stop_processes([process for process, _, _ in started], grace_s=30, kill_wait_s=10)


def eventually(check: Callable[[], bool], seconds: float = WAIT_S) -> float:
    """Seconds until ``check()`` holds; fails after ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def _search(base: str, q: str) -> list[dict[str, object]]:
    response = httpx.get(f"{base}/api/search", params={"q": q}, timeout=60)
    response.raise_for_status()
    results: list[dict[str, object]] = response.json()["results"]
    return results


def test_two_replicas_share_graph_and_index(tmp_path: Path, pg_url: str) -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with (
        oxigraph_server(tmp_path / "oxigraph") as graph,
        replicas([tmp_path / "home-a", tmp_path / "home-b"], graph, pg_url) as (a, b),
    ):
        assert _search(b, "kuntoutus") == []
        with open(seed, "rb") as handle:
            created = httpx.post(
                f"{a}/api/documents",
                files={"file": (seed.name, handle, "text/plain")},
                headers=auth,
                timeout=600,
            )
        assert created.status_code == 201, created.text
        body = created.json()
        document, project = body["document"], body["projects"][0]
        project_id = project.rsplit("/", 1)[-1]

        eventually(lambda: any(h["document"] == document for h in _search(b, "kuntoutus")))
        assert httpx.get(f"{b}/api/projects/{project_id}", timeout=60).status_code == 200
        ask = f"ASK {{ GRAPH <{document}> {{ ?s ?p ?o }} }}"
        answer = httpx.get(
            f"{b}/sparql",
            params={"query": ask},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert answer.json()["boolean"] is True

        doc_id = document.rsplit("/", 1)[-1]
        deleted = httpx.delete(f"{b}/api/documents/{doc_id}", headers=auth, timeout=120)
        assert deleted.status_code == 204, deleted.text
        eventually(lambda: all(h["document"] != document for h in _search(a, "kuntoutus")))
        assert httpx.get(f"{a}/healthz", timeout=30).json()["documents"] == 0

        # put it back, then 16 clients over both replicas
        with open(seed, "rb") as handle:
            again = httpx.post(
                f"{b}/api/documents",
                files={"file": (seed.name, handle, "text/plain")},
                headers=auth,
                timeout=600,
            )
        assert again.status_code == 201, again.text
        eventually(lambda: bool(_search(a, "kuntoutus")))
        errors: list[str] = []
        done = [0]
        stop = time.monotonic() + 20
        queries = ["kuntoutus", "työikäiset Rovaniemi", "vertaistuki", "rehabilitation"]

        def client(i: int) -> None:
            base = (a, b)[i % 2]
            with httpx.Client(timeout=60) as http:
                n = 0
                while time.monotonic() < stop:
                    r = http.get(f"{base}/api/search", params={"q": queries[n % len(queries)]})
                    if r.status_code != 200:
                        errors.append(f"{base} {r.status_code} {r.text[:200]}")
                    n += 1
                done[0] += n

        threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:5]
        assert done[0] >= 16
