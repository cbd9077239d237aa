"""Pydantic request and response models of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    """Liveness and a few counts."""

    status: str = Field(examples=["ok"])
    documents: int
    projects: int
    triples: int
    vectors: int
    encoder: str


class SearchHit(BaseModel):
    """One ranked project (or a document that names no project)."""

    rank: int
    iri: str = Field(description="Project IRI, or the document IRI when no project was found.")
    id: str | None = Field(default=None, description="Project id for /api/projects/{id}.")
    names: dict[str, str] = Field(default_factory=dict, examples=[{"fi": "Työikäisten kuntoutus"}])
    name: str
    score: float
    snippet: str
    highlights: list[tuple[int, int]] = Field(
        default_factory=list, description="Matched spans (start, end) within the snippet."
    )
    document: str = Field(description="IRI of the source document of the best chunk.")
    source: str | None = Field(default=None, description="Source path or URL of that document.")


class SearchResponse(BaseModel):
    """Ranked results for a query."""

    query: str
    mode: str
    k: int
    expanded_query: str | None = None
    results: list[SearchHit]


class RefModel(BaseModel):
    """A linked entity."""

    iri: str
    name: str
    names: dict[str, str] = Field(default_factory=dict)


class EvidenceModel(BaseModel):
    """Where a fact was read."""

    predicate: str
    object: str
    quote: str
    start: int
    end: int
    extractor: str
    document: str
    score: float | None = None


class ProjectModel(BaseModel):
    """A project with its links and the evidence for them."""

    iri: str
    id: str
    names: dict[str, str]
    description: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    roles: dict[str, list[RefModel]] = Field(default_factory=dict)
    persons: dict[str, list[RefModel]] = Field(default_factory=dict)
    places: list[RefModel] = Field(default_factory=list)
    themes: list[RefModel] = Field(default_factory=list)
    parents: list[RefModel] = Field(default_factory=list)
    related: list[RefModel] = Field(default_factory=list)
    publications: list[RefModel] = Field(default_factory=list)
    events: list[dict[str, str]] = Field(default_factory=list)
    target_groups: list[str] = Field(default_factory=list)
    documents: list[RefModel] = Field(default_factory=list)
    evidence: list[EvidenceModel] = Field(default_factory=list)
