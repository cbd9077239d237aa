"""``hankekg serve``: the API, the SPARQL endpoint and the UI over ``HANKEKG_HOME``.

Registered on the app in :mod:`api.cli`. While it runs it records its URL and
pid in the home (``server.json``), so read commands ask it over HTTP instead of
opening the store it holds (``api/cli_remote.py``), and it warns when the base
IRI the home mints under would not dereference on the port it listens on.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated
from urllib.parse import urlsplit

import typer

from api.cli_remote import SERVER_FILE
from api.cli_store import open_engine
from graph.config import Settings


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the API, SPARQL endpoint and UI (home from HANKEKG_HOME)."""
    import uvicorn

    from api.app import create_app
    from api.serve_guard import server_options

    settings = Settings()
    warning = base_mismatch(settings.base, port)
    if warning:
        sys.stderr.write(f"warning: {warning}\n")
    settings.home.mkdir(parents=True, exist_ok=True)
    # Read commands name this server when they find the store locked. A server
    # killed by a signal leaves the file behind; readers check that its pid lives.
    record = settings.home / SERVER_FILE
    record.write_text(json.dumps({"url": f"http://{host}:{port}", "pid": os.getpid()}), "utf-8")
    try:
        # Opened here, not in the app's lifespan, so a store that fails to open is
        # one line and an exit code, not uvicorn's traceback.
        with open_engine("serve", read=False) as engine:
            engine.warm_up()
            uvicorn.run(
                create_app(settings, engine),
                host=host,
                port=port,
                log_level="info",
                **server_options(settings.header_timeout_s),  # api/serve_guard.py
            )
    finally:
        record.unlink(missing_ok=True)


#: Hosts that name this machine: a base IRI on one of them is a development base.
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}  # noqa: S104 - names, not binds


def base_mismatch(base: str, port: int) -> str | None:
    """One line saying why IRIs minted under ``base`` will not dereference on a server
    at ``port`` of this machine, or ``None`` when they will (or ``base`` is public:
    a proxy in front decides where it serves)."""
    parsed = urlsplit(base)
    if (parsed.hostname or "") not in LOOPBACK:
        return None
    minted = parsed.port or (443 if parsed.scheme == "https" else 80)
    if minted == port:
        return None
    suggested = f"{parsed.scheme}://{parsed.hostname}:{port}/"
    return (
        f"IRIs are minted under {base} but this server listens on port {port}, so they "
        f"will not dereference here: serve on port {minted}, or set "
        f"HANKEKG_BASE_IRI={suggested} and ingest again (make run PORT={port} does both)"
    )
