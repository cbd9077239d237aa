"""The web UI: server-rendered pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api import services
from api.deps import EngineDep

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))

router = APIRouter(tags=["ui"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    engine: EngineDep,
    q: Annotated[str, Query(max_length=1000)] = "",
) -> HTMLResponse:
    """The search page."""
    response = services.search(engine, q) if q.strip() else None
    return TEMPLATES.TemplateResponse(
        request, "search.html", {"q": q, "response": response, "lang": "fi"}
    )
