"""Exports of a result list: CSV, JSON records, and a SPARQL query that reproduces it.

The same rows go out through the UI's download links, ``GET /api/search?format=csv``
(or ``format=records``) and ``hankekg search --format csv``. One row per ranked
project (or per document that names no project), in rank order; a page holds at
most :data:`api.services.EXPORT_MAX` rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from api.engine import Engine
from api.schemas import SearchResponse
from graph.csv_safe import neutralise
from graph.views.money import granted_total, money_of
from graph.views.projects import ProjectRow, display_names, pick_name, project_rows
from graph.vocab import SCHEMA

#: Money columns: the sum of the project's grants, its budget (or the ends of its
#: budget class), in euros, and the funders of its grants.
MONEY_COLUMNS = ("granted_eur", "budget_eur", "budget_min_eur", "budget_max_eur", "grant_funders")
#: Organisation roles in column order (``participant``: taking part with no other role).
ROLES = ("funder", "coordinator", "implementer", "partner", "steeringGroupMember", "participant")
COLUMNS: tuple[str, ...] = (
    "rank",
    "iri",
    "name_fi",
    "name_en",
    "start_date",
    "end_date",
    "status",
    *(f"org_{r}" for r in ROLES),
    "places",
    "themes",
    "source_url",
    *MONEY_COLUMNS,
)
#: The status as the UI and the API's ``status`` filter name it ("StatusEnded" -> "ended").
STATUS_LABELS = {"StatusEnded": "ended", "StatusOngoing": "ongoing", "StatusPlanned": "planned"}
#: Separator inside one cell that lists several values.
JOINER = "; "


def records(engine: Engine, response: SearchResponse, lang: str = "fi") -> list[dict[str, Any]]:
    """The response's hits as export rows, in rank order (lists kept as lists)."""
    by_iri = {r.iri: r for r in project_rows(engine.store, [h.iri for h in response.results], lang)}
    money = money_columns(engine, [h.iri for h in response.results], lang)
    out = []
    for hit in response.results:
        row = by_iri.get(hit.iri) or ProjectRow(hit.iri, dict(hit.names))
        out.append(
            {
                "rank": hit.rank,
                "iri": hit.iri,
                "name_fi": row.names.get("fi") or row.names.get("") or hit.name,
                "name_en": row.names.get("en", ""),
                "start_date": row.start_date or "",
                "end_date": row.end_date or "",
                "status": STATUS_LABELS.get(row.status or "", row.status or ""),
                **{f"org_{r}": row.roles.get(r, []) for r in ROLES},
                "places": row.places,
                "themes": row.themes,
                "source_url": row.sources or ([hit.source] if hit.source else []),
                **money.get(hit.iri, NO_MONEY),
            }
        )
    return out


#: The money columns of a project that states no sum (a list cell stays a list).
NO_MONEY: dict[str, Any] = {**dict.fromkeys(MONEY_COLUMNS, ""), "grant_funders": []}


def money_columns(engine: Engine, iris: list[str], lang: str) -> dict[str, dict[str, Any]]:
    """The :data:`MONEY_COLUMNS` of each project (plain numbers, no formatting)."""
    money = money_of(engine.store, iris)
    funders = [m.funder for views in money.values() for m in views if m.funder]
    names = display_names(engine.store, funders)
    out: dict[str, dict[str, Any]] = {}
    for iri, views in money.items():
        grants = [m for m in views if m.kind == "grant"]
        budget = next((m for m in views if m.kind == "budget" and m.value), None)
        budget_class = next((m for m in views if m.kind == "budget" and m.max_value), None)
        out[iri] = {
            "granted_eur": str(granted_total(views)) if grants else "",
            "budget_eur": budget.value if budget else "",
            "budget_min_eur": budget_class.min_value if budget_class else "",
            "budget_max_eur": budget_class.max_value if budget_class else "",
            "grant_funders": sorted(
                {pick_name(names.get(m.funder, {}), lang, m.funder) for m in grants if m.funder}
            ),
        }
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV with a header; list cells joined by ``"; "``, every cell
    spreadsheet-safe (:func:`graph.csv_safe.neutralise`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        cells = {k: JOINER.join(v) if isinstance(v, list) else str(v) for k, v in row.items()}
        writer.writerow({k: neutralise(v) for k, v in cells.items()})
    return buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    """Rows as a JSON array of objects."""
    return json.dumps(rows, ensure_ascii=False, indent=1)


def matched_query(engine: Engine, keys: Sequence[str], limit: int = 500) -> str:
    """A SPARQL query listing exactly the answer's projects (``keys``), in rank order.

    The matched set is drawn by the hybrid ranking and the match rule, which no
    SPARQL function reproduces; so the query names the set's members and their
    ranks. It needs no custom function and runs on every backend.
    """
    rows = "\n".join(f"    (<{key}> {rank})" for rank, key in enumerate(keys[:limit], start=1))
    return "\n".join(
        [
            f"PREFIX schema: <{SCHEMA}>",
            "SELECT ?p ?name ?rank WHERE {",
            "  VALUES (?p ?rank) {",
            *([rows] if rows else []),
            "  }",
            '  OPTIONAL { ?p schema:name ?name . FILTER(LANG(?name) = "fi") }',
            "}",
            "ORDER BY ?rank",
        ]
    )
