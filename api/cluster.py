"""The deployment topology of ``docs/DEPLOY.md``, started on loopback (``make cluster``).

One ``oxigraph serve`` for the graph, one PostgreSQL + pgvector for the search
index (``python -m search.index.pgserver serve``, the small-deployment
recipe), a Dask scheduler and a worker that talk TLS with a throwaway
certificate (Dask's security settings, as ``DEPLOY.md`` configures them), and
two ``hankekg serve`` replicas that share graph and index, behind an nginx
reverse proxy when ``nginx`` is installed (``DEPLOY.md``'s upstream and
location block, generated from :data:`NGINX_PROXY` here, in plain HTTP on
loopback). The documents given are ingested through the cluster
(``hankekg ingest --scheduler tls://...``).
Each process gets exactly the variables ``DEPLOY.md`` lists for it, and logs
to a file under the cluster's directory.

Run it with ``python -m api.cluster [--dir DIR] [DOCS ...]``; it stops every
process on Ctrl-C or SIGTERM. The end-to-end test drives :class:`Cluster`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import TracebackType

import httpx

from graph.processes import stop_processes
from search.index import pgserver

#: How long one process may take to answer (a replica loads its models first).
START_TIMEOUT_S = 300.0
HOST = "127.0.0.1"


#: The proxy lines DEPLOY.md's nginx example shows and ``make cluster``'s nginx runs
#: (``tests/e2e/test_docs_commands.py`` checks that DEPLOY.md holds them verbatim).
NGINX_SERVER = "    server {address} max_fails=2 fail_timeout=10s;\n"
NGINX_PROXY = """\
    client_max_body_size 12m;            # HANKEKG_MAX_REQUEST_BYTES (10 MB) and headers
    proxy_read_timeout 600s;             # uploads are extracted and embedded before the answer
    location / {
        proxy_pass http://hankekg;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_next_upstream error timeout http_502 http_503;
    }
"""


def nginx_upstream(addresses: list[str]) -> str:
    """DEPLOY.md's ``upstream hankekg`` block for the replicas at ``host:port`` ADDRESSES."""
    servers = "".join(NGINX_SERVER.format(address=address) for address in addresses)
    return f"upstream hankekg {{\n{servers}}}\n"


def nginx_config(prefix: Path, listen: str, addresses: list[str]) -> str:
    """A whole nginx configuration for one unprivileged process: everything it writes
    (pid, logs, temporary files) under PREFIX, plain HTTP on LISTEN, DEPLOY.md's
    upstream and proxy lines. One process (``master_process off``) runs as whoever
    starts it, so it never switches to a user that cannot write PREFIX."""
    temp = "".join(
        f"    {kind}_temp_path {prefix / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "daemon off;\nmaster_process off;\n"
        f"pid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} notice;\n"
        "events {\n    worker_connections 256;\n}\nhttp {\n"
        f"    access_log {prefix / 'access.log'};\n{temp}"
        f"{nginx_upstream(addresses)}server {{\n    listen {listen};\n{NGINX_PROXY}}}\n}}\n"
    )


def find_nginx() -> str | None:
    """The nginx binary: on PATH, else Debian's (``/usr/sbin`` is not on a user's PATH)."""
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").exists():
        found = "/usr/sbin/nginx"
    return found


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _beside_python(name: str) -> str:
    """A console script of this environment (``.venv/bin/NAME``), else from PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: make setup")
    return found


def dask_tls_env(certs: Path) -> dict[str, str]:
    """Dask's security settings as variables: TLS required, one CA, a certificate
    per role (here one self-signed certificate serves as CA and for every role)."""
    cert, key = str(certs / "dask.pem"), str(certs / "dask.key")
    env = {
        "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
        "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": cert,
    }
    for role in ("SCHEDULER", "WORKER", "CLIENT"):
        env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__CERT"] = cert
        env[f"DASK_DISTRIBUTED__COMM__TLS__{role}__KEY"] = key
    return env


def make_certificate(certs: Path) -> None:
    """A self-signed certificate for the Dask processes (openssl, 30 days)."""
    certs.mkdir(parents=True, exist_ok=True)
    certs.chmod(0o700)
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the system's openssl
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=hankekg-dask",
            "-keyout",
            str(certs / "dask.key"),
            "-out",
            str(certs / "dask.pem"),
        ],
        check=True,
        capture_output=True,
    )


class Cluster:
    """Graph server, PostgreSQL, Dask scheduler + worker and two replicas; a context manager."""

    def __init__(self, directory: Path, token: str | None = None) -> None:
        self.dir = directory.resolve()
        self.token = token or secrets.token_urlsafe(24)
        self.graph_port, self.pg_port, self.dask_port = free_port(), free_port(), free_port()
        self.replica_ports = [free_port(), free_port()]
        self.nginx = find_nginx()
        self.proxy_port = free_port() if self.nginx else None
        # The public address mints the IRIs: the proxy's, else the first replica's.
        self.base_iri = f"http://{HOST}:{self.proxy_port or self.replica_ports[0]}/"
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        # The database's unprivileged user must reach its data directory: keep it under
        # the cluster's directory when it can, else in a directory of its own in /var/tmp.
        self._pg_parent: Path | None = None

    # -- what each process gets ----------------------------------------------------

    @property
    def scheduler(self) -> str:
        """The Dask scheduler's address (TLS)."""
        return f"tls://{HOST}:{self.dask_port}"

    @property
    def database_url(self) -> str:
        """The index database (the ``postgres`` superuser, trusted on loopback)."""
        return f"postgresql://postgres@{HOST}:{self.pg_port}/postgres"

    @property
    def urls(self) -> list[str]:
        """The replicas' base URLs."""
        return [f"http://{HOST}:{port}" for port in self.replica_ports]

    @property
    def proxy(self) -> str | None:
        """The reverse proxy's base URL, or None without nginx."""
        return None if self.proxy_port is None else f"http://{HOST}:{self.proxy_port}"

    def app_env(self, home: Path) -> dict[str, str]:
        """The variables of a replica or an ingest process (``DEPLOY.md``'s table)."""
        graph = f"http://{HOST}:{self.graph_port}"
        return {
            "HANKEKG_HOME": str(home),
            "HANKEKG_BASE_IRI": self.base_iri,
            "HANKEKG_GRAPH_BACKEND": "sparql",
            "HANKEKG_SPARQL_QUERY_URL": f"{graph}/query",
            "HANKEKG_SPARQL_UPDATE_URL": f"{graph}/update",
            "HANKEKG_SPARQL_GRAPH_STORE_URL": f"{graph}/store",
            "HANKEKG_INDEX_BACKEND": "postgres",
            "HANKEKG_DATABASE_URL": self.database_url,
            "HANKEKG_API_TOKEN": self.token,
            "HANKEKG_DASK_SCHEDULER": self.scheduler,
            **dask_tls_env(self.dir / "certs"),
        }

    # -- starting and stopping -----------------------------------------------------

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = self.dir / f"{name}.log"
        with open(log, "ab") as handle:
            process = subprocess.Popen(  # noqa: S603 - our own programs
                command,
                env={**os.environ, **env},
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append((name, process))

    def _wait(self, name: str, ready: Callable[[], bool]) -> None:
        """Wait until ``ready()`` holds; fail with the process's log when it exits."""
        process = dict(self.processes)[name]
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                log = (self.dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} did not start:\n{log}")
            time.sleep(0.3)

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            return httpx.get(url, timeout=5).status_code < 500
        except httpx.HTTPError:
            return False

    @staticmethod
    def _listens(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex((HOST, port)) == 0

    def start(self) -> Cluster:
        """Start every process and wait until each answers."""
        self.dir.mkdir(parents=True, exist_ok=True)
        make_certificate(self.dir / "certs")
        tls = dask_tls_env(self.dir / "certs")
        self._spawn(
            "graph",
            [
                _beside_python("oxigraph"),
                "serve",
                "--location",
                str(self.dir / "graph"),
                "--bind",
                f"{HOST}:{self.graph_port}",
            ],
            {},
        )
        pg_parent = self.dir
        if os.geteuid() == 0 and not pgserver.reachable_by_others(self.dir):
            self._pg_parent = Path(tempfile.mkdtemp(prefix="hankekg-cluster-", dir="/var/tmp"))  # noqa: S108
            self._pg_parent.chmod(0o755)
            pg_parent = self._pg_parent
        self._spawn(
            "postgres",
            [
                sys.executable,
                "-m",
                "search.index.pgserver",
                "serve",
                "--data",
                str(pg_parent / "pg"),
                "--host",
                HOST,
                "--port",
                str(self.pg_port),
            ],
            {},
        )
        dask = _beside_python("dask")
        self._spawn(
            "dask-scheduler",
            [dask, "scheduler", "--host", HOST, "--port", str(self.dask_port), "--protocol", "tls"]
            + ["--no-dashboard"],
            tls,
        )
        self._wait("graph", lambda: self._answers(f"http://{HOST}:{self.graph_port}/query"))
        self._wait("postgres", lambda: self._listens(self.pg_port))
        self._wait("dask-scheduler", lambda: self._listens(self.dask_port))
        self._spawn(
            "dask-worker",
            [dask, "worker", self.scheduler, "--nworkers", "1", "--nthreads", "1"]
            + ["--host", HOST, "--no-dashboard", "--memory-limit", "3GiB"],
            tls,
        )
        cli = [sys.executable, "-c", "from api.cli import app; app()"]
        for name, port in zip(("replica-a", "replica-b"), self.replica_ports, strict=True):
            env = {**self.app_env(self.dir / name), "OMP_WAIT_POLICY": "PASSIVE"}
            self._spawn(name, [*cli, "serve", "--host", HOST, "--port", str(port)], env)
        for name, url in zip(("replica-a", "replica-b"), self.urls, strict=True):
            self._wait(name, partial(self._answers, f"{url}/healthz"))
        if self.nginx is not None and self.proxy is not None:
            prefix = self.dir / "proxy"
            prefix.mkdir(exist_ok=True)
            conf = prefix / "nginx.conf"
            backends = [f"{HOST}:{port}" for port in self.replica_ports]
            conf.write_text(nginx_config(prefix, f"{HOST}:{self.proxy_port}", backends))
            # -e: the error log before the configuration is read (not /var/log/nginx).
            command = [
                self.nginx,
                "-p",
                str(prefix),
                "-c",
                str(conf),
                "-e",
                str(prefix / "error.log"),
            ]
            self._spawn("proxy", command, {})
            self._wait("proxy", partial(self._answers, f"{self.proxy}/healthz"))
        return self

    def ingest(self, paths: list[Path]) -> str:
        """``hankekg ingest --scheduler`` into the shared graph and index; its output."""
        cli = [sys.executable, "-c", "from api.cli import app; app()"]
        done = subprocess.run(  # noqa: S603 - our own CLI
            [*cli, "ingest", "--scheduler", self.scheduler, *map(str, paths)],
            env={**os.environ, **self.app_env(self.dir / "ingest")},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ingest failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout + done.stderr

    def stop(self) -> None:
        """Stop every process (replicas first), then remove the database's directory."""
        # Each leads its own session: one that outlasts SIGTERM is killed with its children.
        processes = [process for _, process in reversed(self.processes)]
        stop_processes(processes, grace_s=30, kill_wait_s=10, group=True)
        self.processes.clear()
        if self._pg_parent is not None:
            shutil.rmtree(self._pg_parent, ignore_errors=True)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Start the cluster, ingest ``DOCS``, print where everything is, wait for a signal."""
    parser = argparse.ArgumentParser(prog="python -m api.cluster", description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("var/cluster"))
    parser.add_argument("docs", nargs="*", type=Path, default=[Path("data/seeds")])
    args = parser.parse_args(argv)
    if args.dir.exists():
        shutil.rmtree(args.dir)
    stop = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    with Cluster(args.dir) as cluster:
        print(f"graph   http://{HOST}:{cluster.graph_port}/query (oxigraph serve)", flush=True)
        print(f"index   {cluster.database_url}", flush=True)
        print(f"dask    {cluster.scheduler} (TLS, certificate in {cluster.dir / 'certs'})")
        for url in cluster.urls:
            print(f"replica {url}", flush=True)
        if cluster.proxy is None:
            print("proxy   none: nginx is not installed (make setup-proxy installs it)", flush=True)
        else:
            print(f"proxy   {cluster.proxy} (nginx, config in {cluster.dir / 'proxy'})", flush=True)
        if args.docs:
            print(cluster.ingest(args.docs).strip().splitlines()[-1], flush=True)
        env = cluster.dir / "env"
        env.write_text(
            "".join(f"export {k}={v}\n" for k, v in cluster.app_env(cluster.dir / "cli").items())
        )
        env.chmod(0o600)
        print(f"the CLI's variables (token included): source {env}", flush=True)
        print("Ctrl-C stops the cluster", flush=True)
        try:
            while not stop:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
