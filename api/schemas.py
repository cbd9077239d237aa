"""Pydantic request and response models of the HTTP API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """Liveness and a few counts."""

    status: str = Field(examples=["ok"], description="``ok``, or ``degraded`` while writes fail.")
    detail: str | None = Field(default=None, description="Why the service is degraded.")
    documents: int
    projects: int
    triples: int = Field(description="Triples in the default graph (the union of the graphs).")
    quads: int = Field(description="Quads in the named graphs (one graph per source document).")
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
    source: str | None = Field(
        default=None, description="URL of that document, or its file name (never a server path)."
    )


class FacetValueModel(BaseModel):
    """One facet value and how many results carry it."""

    value: str = Field(description="IRI, or a code for status and language.")
    label: str
    count: int
    kind: str | None = Field(
        default=None, description="For places in the web UI: Municipality, Region, ..."
    )
    children: list[FacetValueModel] = Field(
        default_factory=list, description="For themes in the web UI: concepts under a group."
    )
    granted_eur: float | None = Field(
        default=None,
        description="Funder and place facets: the euros granted over the answer's projects "
        "(a funder: its grants; a place: the granted totals of its projects). Absent: none stated.",
    )


class InterpretedEntity(BaseModel):
    """A place or organisation recognised in the query."""

    iri: str
    label: str
    surface: str = Field(description="The words of the query that named it.")
    kind: str


class Interpreted(BaseModel):
    """What the query names; used as boosts, offered as filters."""

    places: list[InterpretedEntity] = Field(default_factory=list)
    organisations: list[InterpretedEntity] = Field(default_factory=list)
    funders: list[InterpretedEntity] = Field(default_factory=list)
    years: list[int] | None = Field(default=None, description="[from, to]")


class SearchFilters(BaseModel):
    """The filters a search ran with."""

    place: list[str] = Field(default_factory=list)
    funder: list[str] = Field(default_factory=list)
    organisation: list[str] = Field(default_factory=list)
    theme: list[str] = Field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    status: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    amount_min: float | None = Field(default=None, description="Lowest amount, euros.")
    amount_max: float | None = Field(default=None, description="Highest amount, euros.")
    amount_basis: str | None = Field(
        default=None,
        description="With an amount range: what it is compared with. granted_else_budget: "
        "the project's granted total, or its stated budget (a budget class wholly inside "
        "the range) when no grant is stated.",
    )


class SearchResponse(BaseModel):
    """Ranked results for a query, with facets and what the query named."""

    query: str
    mode: str
    k: int
    offset: int = 0
    total: int = Field(
        default=0,
        description="Projects in the answer: the matched set (match=precise) or every "
        "ranked project (match=broad). Facets, map, timeline and exports count the same set.",
    )
    match: Literal["precise", "broad"] = Field(
        default="precise", description="How the answer was drawn (see the match parameter)."
    )
    broad_total: int = Field(
        default=0, description="Projects a broad search (match=broad) ranks for this query."
    )
    language: str | None = Field(default=None, description="Query language (given or detected).")
    expanded_query: str | None = Field(
        default=None, description="Finnish words the cross-lingual bridge added."
    )
    filters: SearchFilters = Field(default_factory=SearchFilters)
    interpreted: Interpreted = Field(default_factory=Interpreted)
    facets: dict[str, list[FacetValueModel]] = Field(default_factory=dict)
    years: list[int] | None = Field(default=None, description="Year range of the results.")
    results: list[SearchHit]


class ExportRow(BaseModel):
    """One ranked project of a search export (``format=records``; CSV has the same columns)."""

    rank: int
    iri: str
    name_fi: str
    name_en: str = ""
    start_date: str = ""
    end_date: str = ""
    status: str = ""
    org_funder: list[str] = Field(default_factory=list)
    org_coordinator: list[str] = Field(default_factory=list)
    org_implementer: list[str] = Field(default_factory=list)
    org_partner: list[str] = Field(default_factory=list)
    org_steeringGroupMember: list[str] = Field(default_factory=list)  # noqa: N815 - role name
    org_participant: list[str] = Field(
        default_factory=list, description="Organisations taking part with no stated role."
    )
    places: list[str] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    source_url: list[str] = Field(
        default_factory=list, description="URL of each source document, or its file name."
    )
    granted_eur: str = Field(default="", description="The sum of the project's grants, euros.")
    budget_eur: str = Field(default="", description="The stated total budget, euros.")
    budget_min_eur: str = Field(default="", description="A budget class's lower end, euros.")
    budget_max_eur: str = Field(default="", description="A budget class's upper end, euros.")
    grant_funders: list[str] = Field(default_factory=list, description="Who granted the sums.")


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
    subject: str | None = Field(
        default=None, description="The fact's subject: the project, or one that mentions it."
    )


class MoneyModel(BaseModel):
    """A grant to the project (``schema:MonetaryGrant``) or its budget (``hk:budget``)."""

    kind: str = Field(description="grant or budget")
    iri: str
    value: str | None = Field(default=None, description="The amount (xsd:decimal).")
    min_value: str | None = Field(default=None, description="A budget class's lower end.")
    max_value: str | None = Field(default=None, description="A budget class's upper end.")
    currency: str = "EUR"
    funder: RefModel | None = None
    valid_from: str | None = None
    valid_through: str | None = None
    approximate: bool = False


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
    described: bool = Field(
        default=True,
        description="False for a project the corpus only mentions: no document is about it.",
    )
    mentioned_by: list[RefModel] = Field(
        default_factory=list, description="Projects that name this one as related or parent."
    )
    money: list[MoneyModel] = Field(
        default_factory=list, description="Grants to the project and its budget, grants first."
    )


class ReasonModel(BaseModel):
    """Why a project is related: a shared neighbour or similar text."""

    kind: str = Field(examples=["funder"], description="theme, funder, organisation, place, text")
    label: str = Field(examples=["Raha-automaattiyhdistys"])
    iri: str | None = None
    weight: float


class RelatedModel(BaseModel):
    """A related project with its score parts and reasons."""

    iri: str
    id: str | None = None
    name: str
    names: dict[str, str] = Field(default_factory=dict)
    score: float
    text: float = Field(description="Text similarity part, 0-1.")
    graph: float = Field(description="Shared-neighbour (Adamic-Adar) part, 0-1.")
    reasons: list[ReasonModel]


class RelatedResponse(BaseModel):
    """Projects related to one project."""

    project: str
    results: list[RelatedModel]
