"""The shell examples of README.md and docs/DEPLOY.md work as written.

Every ``sh``/``bash`` block is checked without running it: the make targets,
``hankekg`` commands and ``python -m`` modules it names exist, and no shell
variable sits inside single quotes (where it is sent literally: the README's
upload example once sent the text ``$HANKEKG_API_TOKEN`` and got a 401).

Blocks preceded by ``<!-- runnable -->`` are also run, with bash, against a
real ``hankekg serve`` on loopback over the seeds (their ``127.0.0.1:8000``
pointed at its port), with the write token in the environment and ``curl``
failing on any HTTP error.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS
from tests.graph_servers import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "DEPLOY.md"]
RUNNABLE = "<!-- runnable -->"
TOKEN = "docs-test-token"  # noqa: S105 - a test token
FENCE = re.compile(r"^```(sh|bash|shell)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced shell block of a document."""

    path: Path
    line: int
    text: str
    runnable: bool

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def shell_blocks(path: Path) -> list[Block]:
    """The ``sh``/``bash`` blocks of a Markdown file, each marked runnable or not."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            start = i
            i += 1
            body: list[str] = []
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            marked = start > 0 and lines[start - 1].strip() == RUNNABLE
            blocks.append(Block(path, start + 1, "\n".join(body), marked))
        i += 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for path in DOCS if path.exists() for block in shell_blocks(path)]


def single_quoted_variables(text: str) -> list[str]:
    """``$NAME`` or ``${NAME}`` inside single quotes, outside comments."""
    found: list[str] = []
    for line in text.splitlines():
        quote = ""
        for i, char in enumerate(line):
            if quote == "'":
                if char == "'":
                    quote = ""
                elif char == "$" and re.match(r"\$(\{|[A-Za-z_])", line[i:]):
                    found.append(line.strip())
                    break
            elif quote == '"':
                if char == '"' and line[i - 1] != "\\":
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char == "#" and (i == 0 or line[i - 1].isspace()):
                break
    return found


def commands(text: str) -> Iterator[list[str]]:
    """The simple commands of a block (continuations joined, comments dropped)."""
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        current: list[str] = []
        for word in [*words, ";"]:
            if word in {";", "&&", "||", "|", "&"}:
                if current:
                    yield current
                current = []
            else:
                current.append(word)


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))


def cli_commands() -> set[str]:
    import typer.main

    from api.cli import app

    group = typer.main.get_command(app)
    return set(getattr(group, "commands", {}))


def test_the_docs_have_shell_blocks_and_some_run() -> None:
    blocks = all_blocks()
    assert len(blocks) >= 5
    assert any(block.runnable for block in blocks)
    assert {block.path for block in blocks if block.runnable} == set(DOCS)


@pytest.mark.parametrize("block", all_blocks(), ids=str)
def test_a_shell_block_names_what_exists(block: Block) -> None:
    assert single_quoted_variables(block.text) == [], "a variable in single quotes is not expanded"
    targets, subcommands = make_targets(), cli_commands()
    for words in commands(block.text):
        while words and re.match(r"^[A-Z_]+=", words[0]):  # VAR=value command
            words = words[1:]
        if not words:
            continue
        program = Path(words[0]).name
        if program == "make":
            named = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            assert set(named) <= targets, f"no such make target: {set(named) - targets}"
        elif program == "hankekg":
            named = [w for w in words[1:] if not w.startswith("-")][:1]
            assert set(named) <= subcommands, f"no such hankekg command: {named}"
        elif program.startswith("python") and "-m" in words:
            module = words[words.index("-m") + 1]
            if module.split(".")[0] in {"api", "graph", "search", "ingest", "bench"}:
                assert importlib.util.find_spec(module) is not None, f"no module {module}"
        if words[0].startswith(".venv/bin/"):
            assert (ROOT / words[0]).exists() or not (ROOT / ".venv").exists(), words[0]


def test_single_quoted_variables_are_found() -> None:
    bad = "curl -H 'Authorization: Bearer $HANKEKG_API_TOKEN' http://x"
    good = "curl -H \"Authorization: Bearer $HANKEKG_API_TOKEN\" http://x  # not '$X'"
    assert single_quoted_variables(bad) == [bad]
    assert single_quoted_variables(good) == []
    assert single_quoted_variables("""echo "it's $HOME" 'fine'""") == []


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``hankekg serve`` over the seeds with a write token: (port, home)."""
    home = tmp_path_factory.mktemp("docs-home")
    env = {**os.environ, "HANKEKG_HOME": str(home), "HANKEKG_API_TOKEN": TOKEN}
    cli = [sys.executable, "-c", "from api.cli import app; app()"]
    subprocess.run([*cli, "ingest", str(SEEDS)], env=env, cwd=ROOT, check=True)  # noqa: S603
    port = free_port()
    log = home.parent / "docs-server.log"
    with open(log, "wb") as handle:
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [*cli, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text(errors="replace")[-3000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        yield str(port), home
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.slow
@pytest.mark.parametrize("block", [b for b in all_blocks() if b.runnable], ids=str)
def test_a_runnable_block_runs(block: Block, docs_server: tuple[str, Path], tmp_path: Path) -> None:
    port, home = docs_server
    shims = tmp_path / "bin"
    shims.mkdir()
    curl = shims / "curl"
    curl.write_text('#!/bin/sh\nexec /usr/bin/curl -sS --fail-with-body --max-time 120 "$@"\n')
    curl.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HANKEKG_HOME": str(home),
        "HANKEKG_API_TOKEN": TOKEN,
        "PYTHONPATH": str(ROOT),
    }
    script = block.text.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    done = subprocess.run(  # noqa: S603
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{block} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


def test_make_help_columns_line_up() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "help"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert len(lines) >= 10
    starts = {len(re.match(r"  make \S+ +", line).group(0)) for line in lines}  # type: ignore[union-attr]
    assert len(starts) == 1, done.stdout
    assert "$(" not in done.stdout, "a variable was printed unexpanded"


def test_apt_get_waits_for_the_dpkg_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    calls = re.findall(r"^.*apt-get.*$", makefile, flags=re.MULTILINE)
    assert calls
    for call in calls:
        assert "$(APT_GET)" in call or "DPkg::Lock::Timeout=" in call, call


def test_deploy_lists_every_setting() -> None:
    """DEPLOY.md's variable table names every ``HANKEKG_*`` setting there is."""
    from graph.config import Settings

    text = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    table = text[text.index("### Every variable, per process") :]
    named = set(re.findall(r"`(HANKEKG_[A-Z0-9_]+)`", table))
    settings = {f"HANKEKG_{name.upper()}" for name in Settings.model_fields}
    assert settings - named == set(), "add these to DEPLOY.md's table of variables"
    assert named - settings == set(), "DEPLOY.md names variables that do not exist"


def _deploy_nginx_block() -> str:
    text = (ROOT / "docs" / "DEPLOY.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```nginx\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, "DEPLOY.md has one nginx example"
    return str(blocks[0])


def test_make_cluster_runs_the_nginx_lines_deploy_shows() -> None:
    """``make cluster``'s proxy and DEPLOY.md's nginx example share upstream and location."""
    from api.cluster import NGINX_PROXY, nginx_upstream

    block = _deploy_nginx_block()
    assert nginx_upstream(["127.0.0.1:8001", "127.0.0.1:8002"]) in block
    assert NGINX_PROXY in block
    assert "proxy_next_upstream" in NGINX_PROXY  # one replica down: the other answers


def test_the_nginx_configs_pass_nginx_t(tmp_path: Path) -> None:
    """The generated config, and DEPLOY.md's with a throwaway certificate, pass ``nginx -t``."""
    from api.cluster import find_nginx, make_certificate, nginx_config

    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (make setup-proxy)")
    make_certificate(tmp_path / "certs")
    deploy = (
        _deploy_nginx_block()
        .replace("/etc/ssl/hankkeet.example.fi/fullchain.pem", str(tmp_path / "certs/dask.pem"))
        .replace("/etc/ssl/hankkeet.example.fi/privkey.pem", str(tmp_path / "certs/dask.key"))
        .replace("listen 443 ssl", f"listen 127.0.0.1:{free_port()} ssl")
    )
    generated = nginx_config(tmp_path, f"127.0.0.1:{free_port()}", ["127.0.0.1:8001"])
    # DEPLOY.md's block is the http part: put it inside the generated file's frame.
    frame = generated[: generated.index("upstream hankekg")]
    configs = {"generated": generated, "deploy": f"{frame}{deploy}}}\n"}
    for name, config in configs.items():
        path = tmp_path / f"{name}.conf"
        path.write_text(config)
        done = subprocess.run(  # noqa: S603 - the system's nginx
            [nginx, "-t", "-p", str(tmp_path), "-c", str(path), "-e", str(tmp_path / "error.log")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{name}: {done.stderr}"
