"""The app factory: ``create_app(settings)``.

Heavy objects (store, index, encoder, linker) are loaded once in the lifespan
and kept on ``app.state``; routes reach them through ``api/deps.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors
from api.engine import Engine
from api.routes import health, projects, search, sparql, ui
from graph.config import Settings

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the FastAPI app for ``settings`` (or reuse an already open ``engine``)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = engine is None
        app.state.engine = engine or Engine(settings)
        app.state.engine.warm_up()
        try:
            yield
        finally:
            if own:
                app.state.engine.close()

    app = FastAPI(
        title="hankekg",
        version="0.1.0",
        description=(
            "Knowledge graph and bilingual semantic search over Finnish social, health and "
            "rehabilitation development projects."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    for router in (health.router, search.router, projects.router, sparql.router, ui.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
