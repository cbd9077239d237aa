"""How the CLI's commands reach a home: the engine, the write home, or its server.

Read commands need an existing ``HANKEKG_HOME``. While ``hankekg serve`` holds
the store (RocksDB allows one writer, and pyoxigraph's read-only open of a store
another process writes is undefined behaviour), the read commands that can ask
its HTTP API do (:func:`server_for`, ``api/cli_remote.py``); the others answer
with one line (:class:`StoreInUse`) that names the running server and the HTTP
route that does the same thing. Kept apart from ``api/cli.py`` so every command
module (``cli_home``, ``cli_query``, ``cli_serve``) opens a home the same way
without importing the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from api import cli_remote
from api.engine import Engine
from graph.config import Settings
from graph.errors import HankeKGError
from ingest.home_check import check_home

if TYPE_CHECKING:
    from ingest.home import WriteHome

#: The HTTP route that does what each read command does, for the "store in use" error.
HTTP_ROUTES = {
    "stats": "GET {url}/healthz",
    "search": "GET {url}/api/search?q=...",
    "sparql": "GET or POST {url}/sparql",
    "export": "GET {url}/api/export?format=...",
    "related": "GET {url}/api/projects/{{id}}/related",
    "ingest": "POST {url}/api/documents (with the bearer token)",
}


class StoreInUse(HankeKGError):
    """Another process (a running server) holds the store."""

    title = "Store in use"
    status = 409
    exit_code = 9


class HomeMissing(HankeKGError):
    """A read command was pointed at a ``HANKEKG_HOME`` that does not exist."""

    title = "No such home"
    status = 404
    exit_code = 6


def server_for(command: str) -> cli_remote.Remote | None:
    """The live server of ``HANKEKG_HOME`` that a read command should ask, if any."""
    return cli_remote.find(Settings().home, command)


def in_use(home: Path, command: str) -> StoreInUse:
    """The one-line error for a store held by another process."""
    server = cli_remote.recorded_server(home)
    holder = (
        f"the server at {server[0]} (pid {server[1]})"
        if server
        else "another process (a running hankekg serve?)"
    )
    route = HTTP_ROUTES.get(command)
    if route is None:
        hint = "stop the server first"
    else:
        hint = "use " + route.format(url=server[0] if server else "") + " while it runs"
    return StoreInUse(f"the store in {home.resolve()} is in use by {holder}; {hint}")


@contextmanager
def held_elsewhere(home: Path, command: str) -> Iterator[None]:
    """Turn the store's lock error, raised inside the block, into :class:`StoreInUse`.

    RocksDB refuses a second writer with an ``OSError`` naming its lock; any other
    ``OSError`` passes through unchanged.
    """
    try:
        yield
    except OSError as exc:
        if "lock" not in str(exc).lower():
            raise
        raise in_use(home, command) from exc


@contextmanager
def open_engine(command: str, read: bool = True) -> Iterator[Engine]:
    """Open the engine for ``HANKEKG_HOME``; errors propagate to the app's ``_Group``.

    Raises:
        HomeMissing: ``read`` and the home (or its store) does not exist.
        StoreInUse: a running server holds the store.
    """
    settings = Settings()
    check_home(settings)  # a damaged home is one line (exit 11), never "no store"
    if read and settings.graph_backend == "oxigraph" and not settings.store_path.is_dir():
        raise HomeMissing(
            f"HANKEKG_HOME {settings.home.resolve()} holds no store: "
            "set HANKEKG_HOME, or ingest documents first (hankekg ingest PATH)"
        )
    with held_elsewhere(settings.home, command):
        engine = Engine(settings)
    with closing(engine):
        yield engine


@contextmanager
def open_home(command: str) -> Iterator[WriteHome]:
    """Open ``HANKEKG_HOME`` for writing without the engine (no index is read).

    Raises:
        HomeMissing: the home (or its store) does not exist.
        StoreInUse: a running server holds the store.
    """
    from ingest.home import WriteHome

    settings = Settings()
    check_home(settings)
    if settings.graph_backend == "oxigraph" and not settings.store_path.is_dir():
        raise HomeMissing(f"HANKEKG_HOME {settings.home.resolve()} holds no store")
    with held_elsewhere(settings.home, command):
        home = WriteHome(settings)
    with closing(home):
        yield home
