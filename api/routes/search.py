"""Search: ``GET /api/search``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api import results_export, services
from api.deps import EngineDep
from api.schemas import ExportRow, SearchResponse
from graph.errors import QueryError
from search.filters import Filters
from search.hybrid import Mode
from search.money_filter import amount_range

router = APIRouter(prefix="/api", tags=["search"])

IriList = Annotated[list[str] | None, Query(max_length=services.MAX_FILTER_VALUES)]


@router.get(
    "/search",
    response_model=SearchResponse | list[ExportRow],
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The search response; with format=records, the ranked projects "
            "as export rows; with format=csv, the same rows as CSV.",
        }
    },
)
def search(
    engine: EngineDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=services.MAX_QUERY_CHARS,
            description="Finnish, English or Swedish query. Without it, every project "
            "the filters allow, in name order (browsing).",
        ),
    ] = None,
    k: Annotated[
        int,
        Query(
            ge=1,
            le=services.EXPORT_MAX,
            description=f"Results per page: at most {services.MAX_K}, "
            f"or {services.EXPORT_MAX} with format=csv or records.",
        ),
    ] = 10,
    offset: Annotated[
        int, Query(ge=0, le=services.MAX_OFFSET, description="Results to skip (paging).")
    ] = 0,
    mode: Annotated[Mode, Query(description="lexical, dense or hybrid.")] = "hybrid",
    lang: Annotated[
        Literal["fi", "en", "sv"] | None, Query(description="Query language (detected if absent).")
    ] = None,
    place: IriList = None,
    funder: IriList = None,
    organisation: IriList = None,
    theme: IriList = None,
    year_from: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    status: Annotated[
        list[Literal["ended", "ongoing", "planned"]] | None, Query(max_length=3)
    ] = None,
    language: Annotated[
        list[Literal["fi", "en", "sv"]] | None,
        Query(max_length=3, description="Document language."),
    ] = None,
    amount_min: Annotated[
        float | None,
        Query(
            ge=0,
            le=1e12,
            description="Lowest amount in euros: the project's granted total, or its stated "
            "budget when no grant is stated (a budget class must lie wholly in the range). "
            "Projects with no stated sum are left out.",
        ),
    ] = None,
    amount_max: Annotated[
        float | None, Query(ge=0, le=1e12, description="Highest amount in euros (as amount_min).")
    ] = None,
    boost: Annotated[bool, Query(description="Boost what the query names.")] = True,
    match: Annotated[
        services.Match,
        Query(
            description="precise: the projects the evidence says match (the encoder's "
            "calibrated rule; an off-topic query answers with none); broad: every ranked "
            "project, weaker matches too."
        ),
    ] = "precise",
    format: Annotated[  # noqa: A002 - the URL parameter's name
        Literal["json", "csv", "csv-excel", "records"],
        Query(
            description="json: this response; csv or records (a JSON array): one row per "
            "answered project with names, period, status, organisations by role, places, "
            "themes and source URL; csv-excel: the same CSV with a UTF-8 byte order mark, "
            "so that Excel opens it with ä and ö intact."
        ),
    ] = "json",
) -> SearchResponse | list[ExportRow] | Response:
    """Rank projects for a free-text query, with graph filters and facets."""
    filters = Filters(
        places=tuple(place or ()),
        funders=tuple(funder or ()),
        organisations=tuple(organisation or ()),
        themes=tuple(theme or ()),
        year_from=year_from,
        year_to=year_to,
        statuses=tuple(status or ()),
        languages=tuple(language or ()),
    )
    if q is not None and not q.strip():
        raise QueryError("the query is blank: leave q out to browse by filters")
    export = format != "json"
    response = services.run_search(
        engine,
        q or "",
        k=k,
        mode=mode,
        filters=filters,
        offset=offset,
        lang=lang,
        use_boosts=boost,
        facets=not export,
        max_k=services.EXPORT_MAX if export else services.MAX_K,
        match=match,
        amount=amount_range(amount_min, amount_max),
    ).response
    if not export:
        return response
    rows = results_export.records(engine, response)
    if format in ("csv", "csv-excel"):
        # Excel reads a CSV as the system code page unless it starts with a BOM.
        bom = "\ufeff" if format == "csv-excel" else ""
        return Response(
            bom + results_export.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="hankekg-search.csv"'},
        )
    return [ExportRow(**row) for row in rows]
