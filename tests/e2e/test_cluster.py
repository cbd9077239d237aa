"""``make cluster``: DEPLOY.md's topology on loopback, end to end.

A real ``oxigraph serve``, a PostgreSQL + pgvector run by ``python -m
search.index.pgserver serve``, a Dask scheduler and worker that only speak TLS,
and two ``hankekg serve`` replicas. Documents ingested through the Dask
cluster are found through both replicas with the same ranking; an upload
through one replica is found through the other; the CLI with the same
variables sees the same counts. Where nginx is installed (``make
setup-proxy``; ``make test`` installs it), DEPLOY.md's nginx proxy is in front:
a search through it answers like the replicas, an upload with the token through
it is found through each replica, and it still answers with one replica down.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.cluster import Cluster
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow


def _ranking(base: str, query: str) -> list[str]:
    response = httpx.get(f"{base}/api/search", params={"q": query, "k": 5}, timeout=120)
    response.raise_for_status()
    return [hit["iri"] for hit in response.json()["results"]]


def _found(base: str, document: str) -> bool:
    response = httpx.get(f"{base}/api/search", params={"q": "Rovaniemi"}, timeout=120)
    response.raise_for_status()
    return any(hit["document"] == document for hit in response.json()["results"])


def test_the_deployment_topology_runs_on_loopback(tmp_path: Path) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    with Cluster(tmp_path / "cluster", token="cluster-test-token") as cluster:  # noqa: S106
        started = [process for _, process in cluster.processes]
        proxy = cluster.proxy
        assert len(started) == (7 if proxy else 6)
        scheduler_log = (cluster.dir / "dask-scheduler.log").read_text()
        assert re.search(rf"Scheduler at: +{re.escape(cluster.scheduler)}\n", scheduler_log)
        out = cluster.ingest(seeds[:1])
        assert "added 1" in out
        # The document was prepared by the cluster's worker, which the ingest reached over TLS.
        assert "hankekg-quiet-worker" in (cluster.dir / "dask-worker.log").read_text()
        a, b = cluster.urls
        ranking = _ranking(a, "kuntoutus")
        assert ranking and ranking == _ranking(b, "kuntoutus")
        if proxy:
            assert _ranking(proxy, "kuntoutus") == ranking

        # Through the proxy when there is one (the token passes through it), else replica b.
        with open(seeds[1], "rb") as handle:
            created = httpx.post(
                f"{proxy or b}/api/documents",
                files={"file": (seeds[1].name, handle, "text/plain")},
                headers={"Authorization": f"Bearer {cluster.token}"},
                timeout=600,
            )
        assert created.status_code == 201, created.text
        document = created.json()["document"]
        assert document.startswith(cluster.base_iri)
        deadline = time.monotonic() + 30
        while not (_found(a, document) and _found(b, document)):
            assert time.monotonic() < deadline, "the upload is not found through both replicas"
            time.sleep(0.5)

        env = {**os.environ, **cluster.app_env(cluster.dir / "cli"), "PYTHONPATH": str(ROOT)}
        stats = subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-c", "from api.cli import app; app()", "stats"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        assert '"documents": 2' in stats.stdout

        if proxy:
            ranking = _ranking(a, "kuntoutus")  # the upload is in it now
            assert ranking == _ranking(proxy, "kuntoutus")
            replica_b = dict(cluster.processes)["replica-b"]
            replica_b.send_signal(signal.SIGTERM)
            replica_b.wait(60)
            # Every other request goes to the stopped replica first: proxy_next_upstream
            # passes it on to the one left, so each answers (and alike).
            for _ in range(4):
                assert _ranking(proxy, "kuntoutus") == ranking
            assert "connect() failed" in (cluster.dir / "proxy" / "error.log").read_text()
    assert all(process.poll() is not None for process in started)
