"""Search: ``GET /api/search``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import services
from api.deps import EngineDep
from api.schemas import SearchResponse
from search.hybrid import Mode

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchResponse)
def search(
    engine: EngineDep,
    q: Annotated[
        str, Query(min_length=1, max_length=1000, description="Finnish or English query.")
    ],
    k: Annotated[int, Query(ge=1, le=services.MAX_K, description="Number of results.")] = 10,
    mode: Annotated[Mode, Query(description="lexical, dense or hybrid.")] = "hybrid",
) -> SearchResponse:
    """Rank projects for a free-text query."""
    return services.search(engine, q, k=k, mode=mode)
