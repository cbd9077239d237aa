"""Liveness: ``GET /healthz``."""

from __future__ import annotations

from fastapi import APIRouter

from api import services
from api.deps import EngineDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(engine: EngineDep) -> Health:
    """Service status with document, project, triple and vector counts."""
    return services.health(engine)
