"""Dependency aliases: routes reach the engine and settings through these."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.engine import Engine
from graph.config import Settings


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
