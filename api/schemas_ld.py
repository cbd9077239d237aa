"""Pydantic models of the linked-data surface: problems, documents, pagination."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.errors import PROBLEM


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = Field(default="about:blank", examples=["about:blank"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["no document http://localhost:8000/id/document/0123456789abcdef"])
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Validation errors, for 422 responses."
    )


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json errors with ``codes``."""
    descriptions = {
        400: "Malformed request or query",
        401: "Missing or wrong bearer token",
        403: "Writes are disabled",
        404: "Not found",
        406: "No acceptable representation",
        413: "Request body too large",
        415: "Unsupported media type",
        422: "The request or document did not validate",
        503: "Query timed out or the service is busy",
    }
    return {
        code: {
            "model": Problem,
            "description": descriptions.get(code, "Error"),
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


class DocumentText(BaseModel):
    """A document sent as JSON text."""

    text: str = Field(
        min_length=1,
        max_length=5_000_000,
        description="Document text (plain text or Markdown).",
        examples=["Hankkeen nimi\n\nPäihdekuntoutujien vertaistuki Jyväskylässä\n\n..."],
    )
    title: str | None = Field(default=None, max_length=500, examples=["Vertaistuki Jyväskylässä"])
    source_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^https?://\S+$",
        examples=["https://example.org/hanke/vertaistuki"],
    )


class DocumentCreated(BaseModel):
    """What an upload produced."""

    document: str = Field(
        description="Document IRI.", examples=["http://localhost:8000/id/document/0123456789abcdef"]
    )
    id: str = Field(
        description="Document id for /api/documents/{id}.", examples=["0123456789abcdef"]
    )
    projects: list[str] = Field(description="IRIs of the projects found in it.")
    status: str = Field(description="added, replaced or unchanged.", examples=["added"])
    warnings: list[str] = Field(default_factory=list)


class DocumentSummary(BaseModel):
    """One ingested document."""

    id: str = Field(examples=["0123456789abcdef"])
    iri: str
    sha256: str
    path: str = Field(description="Source path or upload name.")
    title: str | None = None
    language: str | None = Field(default=None, examples=["fi"])
    projects: list[str] = Field(default_factory=list)


class DocumentDetail(DocumentSummary):
    """One document with its source URL, ingest time and text length."""

    url: str | None = None
    ingested_at: str | None = None
    characters: int | None = None
    triples: int = Field(description="Triples in the document's named graph.")


class Page(BaseModel):
    """Pagination of a list: ``offset``/``limit`` in, ``total`` and ``next`` out."""

    offset: int = Field(ge=0)
    limit: int = Field(ge=1)
    total: int = Field(ge=0)
    next: str | None = Field(default=None, description="URL of the next page, if any.")


class DocumentList(BaseModel):
    """A page of documents."""

    page: Page
    items: list[DocumentSummary]


def body_content(media_types: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """OpenAPI ``content`` for non-model bodies: JSON ones are any JSON, others text."""
    return {
        m: {"schema": {}} if m.endswith("json") else {"schema": {"type": "string"}}
        for m in media_types
    }
