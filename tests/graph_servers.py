"""Real SPARQL servers for the tests: ``oxigraph serve`` and Virtuoso 7, and an
authenticating proxy (Basic or Digest) to put in front of one.

Each is started on a free loopback port over a temporary directory and stopped
(and its files removed) afterwards. Nothing is mocked: the contract suite and
the stateless-service test talk to the same servers a deployment would.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.server
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from graph.processes import stop_processes


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
    stop_processes([process], grace_s=15, kill_wait_s=5)


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


@dataclass
class AuthLog:
    """What an :func:`auth_proxy` saw: requests challenged, let through, refused."""

    challenged: int = 0
    authorised: int = 0
    refused: int = 0
    schemes: set[str] = field(default_factory=set)


def _digest_params(header: str) -> dict[str, str]:
    return {k.lower(): (quoted or bare) for k, quoted, bare in _DIGEST_PARAM.findall(header)}


_DIGEST_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


@contextlib.contextmanager
def auth_proxy(
    upstream: SparqlServer, user: str, password: str, scheme: str
) -> Iterator[tuple[SparqlServer, AuthLog]]:
    """A reverse proxy on a free loopback port that lets a request through to
    ``upstream`` only with ``user``/``password`` given by HTTP ``scheme``
    (``basic``, or ``digest``: RFC 7616 MD5 with ``qop=auth``, its own nonces).

    ``oxigraph serve`` has no authentication of its own; deployments put it behind
    such a proxy, and this one checks the credentials for real.
    """
    realm = "hankekg-test"
    nonces: set[str] = set()
    log = AuthLog()
    lock = threading.Lock()
    origin = upstream.query_url.split("/", 3)
    base = f"{origin[0]}//{origin[2]}"

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - what Digest MD5 is

    def allowed(method: str, path: str, header: str) -> bool:
        if scheme == "basic" and header.startswith("Basic "):
            expected = base64.b64encode(f"{user}:{password}".encode()).decode()
            return hmac.compare_digest(header[6:].strip(), expected)
        if scheme == "digest" and header.startswith("Digest "):
            p = _digest_params(header[7:])
            if p.get("username") != user or p.get("nonce") not in nonces or p.get("uri") != path:
                return False
            ha1 = md5(f"{user}:{realm}:{password}")
            ha2 = md5(f"{method}:{path}")
            want = md5(f"{ha1}:{p['nonce']}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
            return p.get("qop") == "auth" and hmac.compare_digest(p.get("response", ""), want)
        return False

    class Handler(http.server.BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            header = self.headers.get("Authorization", "")
            if not allowed(self.command, self.path, header):
                with lock:
                    log.refused += bool(header)
                    log.challenged += 1
                    nonce = secrets.token_hex(16)
                    nonces.add(nonce)
                challenge = (
                    f'Basic realm="{realm}"'
                    if scheme == "basic"
                    else f'Digest realm="{realm}", nonce="{nonce}", qop="auth", algorithm=MD5'
                )
                self.send_response(401)
                self.send_header("WWW-Authenticate", challenge)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with lock:
                log.authorised += 1
                log.schemes.add(header.split(" ", 1)[0].lower())
            forward = {
                k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")
            }
            # One connection per request: handler threads share no client state.
            answer = httpx.request(self.command, base + self.path, content=body, headers=forward)
            self.send_response(answer.status_code)
            for name in ("content-type",):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 - http.server names

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    here = f"http://127.0.0.1:{server.server_address[1]}"

    def moved(url: str | None) -> str | None:
        return None if url is None else here + url[len(base) :]

    try:
        yield (
            SparqlServer(
                moved(upstream.query_url) or "",
                moved(upstream.update_url) or "",
                moved(upstream.graph_store_url),
                f"{upstream.name}+{scheme}",
            ),
            log,
        )
    finally:
        server.shutdown()
        server.server_close()
