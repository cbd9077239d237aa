"""Real SPARQL servers for the tests: ``oxigraph serve`` and Virtuoso 7.

Each is started on a free loopback port over a temporary directory and stopped
(and its files removed) afterwards. Nothing is mocked: the contract suite and
the stateless-service test talk to the same servers a deployment would.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class SparqlServer:
    """Where a running server answers."""

    query_url: str
    update_url: str
    graph_store_url: str | None
    name: str


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server binary from the PyPI package, if installed."""
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@contextlib.contextmanager
def oxigraph_server(directory: Path, timeout_s: float | None = None) -> Iterator[SparqlServer]:
    """``oxigraph serve`` on a free loopback port over ``directory``."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed: pip install oxigraph")
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    log = directory.parent / f"{directory.name}.log"
    args = [binary, "serve", "--location", str(directory), "--bind", f"127.0.0.1:{port}"]
    if timeout_s is not None:
        args += ["--timeout-s", str(int(timeout_s))]
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/query", process, 30, log)
        yield SparqlServer(f"{base}/query", f"{base}/update", f"{base}/store", "oxigraph")
    finally:
        _stop(process)


VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
ServerThreads = 10
CheckpointInterval = 0
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {dir}
MaxClientConnections = 8
ServerThreads = 8
KeepAliveTimeout = 10
MaxKeepAlives = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def virtuoso_binary() -> str | None:
    """Debian's ``virtuoso-t`` (package ``virtuoso-opensource-7-bin``), if installed."""
    return shutil.which("virtuoso-t")


@contextlib.contextmanager
def virtuoso_server(directory: Path) -> Iterator[SparqlServer]:
    """Virtuoso 7 on free loopback ports over ``directory``, with SPARQL Update granted."""
    binary, isql = virtuoso_binary(), shutil.which("isql-vt")
    if binary is None or isql is None:
        raise RuntimeError("Virtuoso is not installed: apt-get install virtuoso-opensource-7-bin")
    directory.mkdir(parents=True, exist_ok=True)
    http, isql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=directory, http=http, isql=isql_port))
    log = directory / "virtuoso.out"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [binary, "+foreground", "+configfile", str(ini)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=directory,
        )
    base = f"http://127.0.0.1:{http}"
    try:
        _wait(f"{base}/sparql", process, 120, log)
        # The anonymous SPARQL user may update, and write every graph.
        grant = (
            "GRANT SPARQL_UPDATE TO \"SPARQL\";\nDB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);\n"
        )
        subprocess.run(  # noqa: S603
            [isql, f"127.0.0.1:{isql_port}", "dba", "dba"],
            input=grant.encode(),
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield SparqlServer(f"{base}/sparql", f"{base}/sparql", None, "virtuoso")
    finally:
        _stop(process)
