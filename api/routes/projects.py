"""Projects: ``GET /api/projects/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api import services
from api.deps import EngineDep
from api.schemas import ProjectModel, RelatedResponse

router = APIRouter(prefix="/api/projects", tags=["projects"])

ProjectId = Annotated[
    str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,199}$", description="Project id (IRI slug).")
]


@router.get("/{project_id}", response_model=ProjectModel)
def get_project(
    engine: EngineDep,
    project_id: ProjectId,
    lang: Annotated[str, Query(pattern="^(fi|en|sv)$")] = "fi",
) -> ProjectModel:
    """One project with its organisations, places, themes and evidence."""
    return services.project(engine, project_id, lang)


@router.get("/{project_id}/related", response_model=RelatedResponse)
def get_related(
    engine: EngineDep,
    project_id: ProjectId,
    k: Annotated[int, Query(ge=1, le=services.MAX_K)] = 10,
    lang: Annotated[str, Query(pattern="^(fi|en|sv)$")] = "fi",
) -> RelatedResponse:
    """Related projects by text similarity and shared graph neighbours, with reasons."""
    return services.related(engine, project_id, k=k, lang=lang)
