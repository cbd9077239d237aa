"""Plain functions behind both the CLI and the HTTP routes."""

from __future__ import annotations

from api.engine import Engine
from api.schemas import (
    EvidenceModel,
    Health,
    ProjectModel,
    RefModel,
    SearchHit,
    SearchResponse,
)
from graph.views import display_names, pick_name, project_view
from graph.vocab import HK, PROV
from search.hybrid import HybridSearcher, Mode

MAX_K = 100


def searcher(engine: Engine) -> HybridSearcher | None:
    """A searcher over the engine's current snapshot (``None`` when empty)."""
    if engine.snapshot is None or not engine.snapshot.chunks:
        return None
    engine.snapshot.check_encoder(engine.encoder.name, engine.encoder_fingerprint)
    return HybridSearcher(engine.snapshot, engine.encoder, expand=engine.expand_query)


def search(engine: Engine, query: str, k: int = 10, mode: Mode = "hybrid") -> SearchResponse:
    """Run a search and decorate the hits with names and sources."""
    k = max(1, min(k, MAX_K))
    current = searcher(engine)
    if current is None or not query.strip():
        return SearchResponse(query=query, mode=mode, k=k, results=[])
    result = current.search(query, k=k, mode=mode)
    names = display_names(engine.store, [h.key for h in result.hits])
    snapshot = current.snapshot
    hits = []
    for rank, hit in enumerate(result.hits, start=1):
        entry = snapshot.manifest.documents.get(hit.document)
        project_id = engine.iris.local_id(hit.project, "project") if hit.project else None
        hit_names = names.get(hit.key, {})
        fallback = (entry.title if entry and entry.title else None) or (
            entry.path if entry else hit.key
        )
        hits.append(
            SearchHit(
                rank=rank,
                iri=hit.key,
                id=project_id,
                names=hit_names,
                name=pick_name(hit_names, "fi", fallback),
                score=hit.score,
                snippet=hit.snippet,
                highlights=hit.highlights,
                document=hit.document,
                source=entry.path if entry else None,
            )
        )
    return SearchResponse(
        query=query, mode=mode, k=k, expanded_query=result.expanded_query, results=hits
    )


def project(engine: Engine, project_id: str, lang: str = "fi") -> ProjectModel:
    """One project by id (the last IRI segment) or full IRI."""
    iri = (
        project_id
        if project_id.startswith(("http://", "https://"))
        else f"{engine.iris.base}id/project/{project_id}"
    )
    view = project_view(engine.store, iri, lang)

    def refs(items: list) -> list[RefModel]:  # type: ignore[type-arg]
        return [RefModel(iri=r.iri, name=r.name, names=r.names) for r in items]

    return ProjectModel(
        iri=view.iri,
        id=engine.iris.local_id(view.iri, "project") or view.iri,
        names=view.names,
        description=view.description,
        start_date=view.start_date,
        end_date=view.end_date,
        status=view.status,
        roles={k: refs(v) for k, v in view.roles.items()},
        persons={k: refs(v) for k, v in view.persons.items()},
        places=refs(view.places),
        themes=refs(view.themes),
        parents=refs(view.parents),
        related=refs(view.related),
        publications=refs(view.publications),
        events=[{k: str(v) for k, v in e.items()} for e in view.events],
        target_groups=view.target_groups,
        documents=refs(view.documents),
        evidence=[EvidenceModel(**vars(e)) for e in view.evidence],
    )


def health(engine: Engine) -> Health:
    """Counts for ``/healthz`` and ``hankekg stats``."""
    count = (
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) "
        f"WHERE {{ ?p a <{HK.Project}> ; <{PROV.wasDerivedFrom}> ?d }}"
    )
    projects = next(iter(engine.store.query(count)))
    snapshot = engine.snapshot
    return Health(
        status="ok",
        documents=len(snapshot.manifest.documents) if snapshot else 0,
        projects=int(projects["n"].value),
        triples=len(engine.store),
        vectors=len(snapshot.vectors) if snapshot else 0,
        encoder=snapshot.manifest.encoder if snapshot else engine.settings.encoder,
    )
