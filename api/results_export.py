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
from graph.views import ProjectRow, project_rows
from graph.vocab import SCHEMA

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
)
#: The status as the UI and the API's ``status`` filter name it ("StatusEnded" -> "ended").
STATUS_LABELS = {"StatusEnded": "ended", "StatusOngoing": "ongoing", "StatusPlanned": "planned"}
#: Separator inside one cell that lists several values.
JOINER = "; "


def records(engine: Engine, response: SearchResponse, lang: str = "fi") -> list[dict[str, Any]]:
    """The response's hits as export rows, in rank order (lists kept as lists)."""
    by_iri = {r.iri: r for r in project_rows(engine.store, [h.iri for h in response.results], lang)}
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
            }
        )
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV with a header; list cells joined by ``"; "``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: JOINER.join(v) if isinstance(v, list) else v for k, v in row.items()})
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
