"""The one settings object, read from ``HANKEKG_*`` environment variables.

It is built once at an entry point (the CLI or ``create_app``) and passed down;
nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``HANKEKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HANKEKG_", extra="ignore")

    home: Path = Field(default=Path("var"), description="Where the store and indexes live.")
    base_iri: str = Field(
        default="http://localhost:8000/", description="Base under which IRIs are minted."
    )
    encoder: str = Field(
        default="e5-small-q4",
        description="'e5-small-q4' or 'sentence-transformers:<model id or path>'.",
    )
    max_document_bytes: int = Field(default=5_000_000, description="Largest document accepted.")
    document_budget_s: float = Field(
        default=120.0,
        ge=0,
        description="Seconds one new document's extraction and embedding may take before it "
        "is refused (0: no limit).",
    )
    sparql_timeout_s: float = Field(default=10.0, description="SPARQL query time limit.")
    sparql_max_rows: int = Field(default=10_000, description="Most result rows returned.")
    sparql_max_bytes: int = Field(
        default=10_000_000,
        ge=1_000,
        description="Most bytes of one SPARQL answer, in every format (cut answers say so).",
    )
    max_request_bytes: int = Field(default=10_000_000, description="Largest request body.")
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client may take to send a request's headers (hankekg serve).",
    )
    api_token: str | None = Field(default=None, description="Bearer token for writes.")
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed every method by CORS; any origin may read (GET, SPARQL).",
    )
    dataset_license: str = Field(
        # The reference data includes YSO labels under CC BY 4.0, so the dataset is too.
        default="https://creativecommons.org/licenses/by/4.0/",
        description="Licence IRI of the dataset (dct:license in VoID).",
    )
    workers: int = Field(default=4, description="Threads for CPU-heavy request work.")
    ingest_batch: int = Field(
        default=32, ge=1, description="Documents per ingest commit (more as the index grows)."
    )
    dask_scheduler: str | None = Field(
        default=None, description="Dask scheduler (tcp://HOST:PORT) for ingest workers."
    )
    graph_backend: str = Field(
        default="oxigraph",
        description="Graph store: 'oxigraph' (embedded under home) or 'sparql' (a SPARQL 1.1 "
        "server).",
    )
    sparql_query_url: str | None = Field(
        default=None, description="SPARQL 1.1 Query endpoint of the graph server."
    )
    sparql_update_url: str | None = Field(
        default=None, description="SPARQL 1.1 Update endpoint of the graph server."
    )
    sparql_graph_store_url: str | None = Field(
        default=None, description="Graph Store HTTP Protocol endpoint (optional; bulk loads)."
    )
    sparql_user: str | None = Field(default=None, description="Graph server user name.")
    sparql_password: str | None = Field(default=None, description="Graph server password.")
    index_backend: Literal["local", "postgres"] = Field(
        default="local", description="Search index engine: 'local' files or 'postgres'."
    )
    database_url: str | None = Field(
        default=None, description="postgresql://... for HANKEKG_INDEX_BACKEND=postgres."
    )
    refresh_interval_s: float = Field(
        default=2.0,
        ge=0,
        description="How often a server looks for new writes (its own or other replicas') "
        "and rebuilds the derived tables (facets, filters, names) before a search needs "
        "them; 0 leaves that to the first search.",
    )
    reference_dir: Path = Field(
        default=Path(__file__).resolve().parent.parent / "data" / "reference",
        description="Reference data (municipalities, organisations, YSO).",
    )

    @property
    def store_path(self) -> Path:
        """Directory of the Oxigraph store."""
        return self.home / "oxigraph"

    @property
    def index_path(self) -> Path:
        """Directory of the vector and lexical indexes."""
        return self.home / "index"

    @property
    def base(self) -> str:
        """The base IRI, always ending with a slash."""
        return self.base_iri if self.base_iri.endswith("/") else self.base_iri + "/"
