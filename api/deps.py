"""Dependency aliases: routes reach the engine and settings through these."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import Depends, Request

from api.engine import Engine
from graph.config import Settings
from graph.store.base import QueryRunner


def get_engine(request: Request) -> Engine:
    """The engine built in the app's lifespan."""
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_sandbox(request: Request) -> QueryRunner:
    """The runner for untrusted SPARQL queries built in the app's lifespan."""
    sandbox: QueryRunner = request.app.state.sparql
    return sandbox


def get_pool(request: Request) -> ThreadPoolExecutor:
    """The bounded pool for CPU-heavy work (``HANKEKG_WORKERS`` threads)."""
    pool: ThreadPoolExecutor = request.app.state.pool
    return pool


SandboxDep = Annotated[QueryRunner, Depends(get_sandbox)]
PoolDep = Annotated[ThreadPoolExecutor, Depends(get_pool)]
