"""Documents: upload, list, read and delete (``/api/documents``).

Writes need ``Authorization: Bearer <HANKEKG_API_TOKEN>`` and are off (403)
when no token is configured. Ingest and delete go through the engine, which
commits the graph and the index together, so a deleted document leaves no
trace in SPARQL or search.

A document's identity is its upload name: a multipart upload is named by its
file name, a JSON upload by its ``source_url`` (or, without one, by its
content). Uploading changed bytes under the same name replaces the old
version; the same bytes again change nothing (200 instead of 201).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.deps import EngineDep, PoolDep, SandboxDep
from api.engine import Engine, path_for_upload
from api.schemas_ld import (
    DocumentCreated,
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    DocumentText,
    Page,
    problems,
)
from api.security import is_http_url
from api.workers import TokenDep, run_cpu
from graph.errors import DocumentError, NotFound, QueryError
from graph.iris import slugify
from graph.vocab import PROV, SCHEMA

router = APIRouter(prefix="/api/documents", tags=["documents"])

DocumentId = Annotated[
    str, PathParam(pattern=r"^[0-9a-f]{16}$", description="Document id (16 hex digits).")
]

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string", "maxLength": 500},
                        "source_url": {"type": "string", "maxLength": 2000},
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/DocumentText"}},
        },
    }
}


def _summary(engine: Engine, iri: str) -> DocumentSummary:
    view = engine.snapshot
    entry = view.document(iri) if view is not None else None
    if entry is None:
        raise NotFound(f"no document {iri}")
    return DocumentSummary(
        id=engine.iris.local_id(iri, "document") or iri,
        iri=iri,
        sha256=entry.sha256,
        path=entry.path,
        title=entry.title,
        language=entry.language,
        projects=list(entry.projects),
    )


def _ingest(
    engine: Engine, data: bytes, name: str, url: str | None, title: str | None
) -> DocumentCreated:
    report = engine.ingest_bytes(data, name=name, url=url, title=title)
    path = next(iter(report.documents), None)
    if path is None:
        raise DocumentError("; ".join(report.failed.values()) or f"{name}: not ingested")
    iri = report.documents[path]
    status = "replaced" if report.replaced else "unchanged" if report.unchanged else "added"
    return DocumentCreated(
        document=iri,
        id=engine.iris.local_id(iri, "document") or iri,
        projects=report.projects.get(iri, []),
        status=status,
        warnings=report.warnings.get(path, []),
    )


async def _read_upload(request: Request) -> tuple[bytes, str, str | None, str | None]:
    """(bytes, name, url, title) from a multipart or JSON body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise DocumentError("send the document in a multipart field called 'file'")
        data = await upload.read()
        title = form.get("title")
        url = form.get("source_url")
        name = str(path_for_upload(upload.filename or "upload.txt"))
        return (
            data,
            name,
            _source_url(str(url) if isinstance(url, str) and url else None),
            str(title) if isinstance(title, str) and title else None,
        )
    if content_type == "application/json":
        try:
            body = DocumentText.model_validate_json(await request.body())
        except ValidationError as exc:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
            raise _Invalid(json.dumps(errors)) from exc
        data = body.text.encode("utf-8")
        key = body.source_url or hashlib.sha256(data).hexdigest()[:16]
        name = f"{slugify(key)}.txt"
        return data, name, _source_url(body.source_url), body.title
    raise _Unsupported("send multipart/form-data (field 'file') or application/json")


def _source_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL; both upload paths check it here, the same way.

    Raises:
        _Invalid: anything else (``javascript:``, ``data:``, a path...), which would
            otherwise be stored and shown as a link on project pages.
    """
    if url is None or is_http_url(url):
        return url
    raise _Invalid("source_url must be an http:// or https:// URL")


class _Invalid(DocumentError):
    title = "Invalid request"
    status = 422


class _Unsupported(QueryError):
    title = "Unsupported media type"
    status = 415


@router.post(
    "",
    status_code=201,
    response_model=DocumentCreated,
    responses={
        200: {"model": DocumentCreated, "description": "The same bytes were already in."},
        **problems(401, 403, 413, 415, 422),
    },
    dependencies=[TokenDep],
    openapi_extra=UPLOAD_BODY,
)
async def upload_document(
    request: Request, engine: EngineDep, pool: PoolDep, sandbox: SandboxDep
) -> Any:
    """Ingest one document (multipart file or JSON text); answer its document and project IRIs."""
    data, name, url, title = await _read_upload(request)
    created = await run_cpu(pool, _ingest, engine, data, name, url, title)
    if created.status == "unchanged":
        return JSONResponse(created.model_dump(), status_code=200)
    return created


@router.get("", response_model=DocumentList, responses=problems(422))
def list_documents(
    request: Request,
    engine: EngineDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page.")] = 50,
) -> DocumentList:
    """List ingested documents, a page at a time (ordered by path)."""
    view = engine.snapshot
    documents = view.documents() if view is not None else {}
    ordered = sorted(documents, key=lambda iri: (documents[iri].path, iri))
    items = [_summary(engine, iri) for iri in ordered[offset : offset + limit]]
    following = None
    if offset + limit < len(ordered):
        # Relative: a link built from the request's Host would echo a spoofed one.
        following = f"{request.url.path}?{urlencode({'offset': offset + limit, 'limit': limit})}"
    return DocumentList(
        page=Page(offset=offset, limit=limit, total=len(ordered), next=following), items=items
    )


@router.get("/{document_id}", response_model=DocumentDetail, responses=problems(404, 422))
def get_document(engine: EngineDep, document_id: DocumentId) -> DocumentDetail:
    """One document: source, language, projects, ingest time and size."""
    iri = engine.document_iri(document_id)
    summary = _summary(engine, iri)
    count = next(
        iter(
            engine.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        )
    )
    rows = list(
        engine.store.select(
            f"""SELECT ?url ?at (STRLEN(?text) AS ?len) WHERE {{ GRAPH <{iri}> {{
                  OPTIONAL {{ <{iri}> <{SCHEMA.url}> ?url }}
                  OPTIONAL {{ <{iri}> <{PROV.generatedAtTime}> ?at }}
                  OPTIONAL {{ <{iri}> <{SCHEMA.text}> ?text }} }} }} LIMIT 1"""
        )
    )
    row = rows[0] if rows else None

    def value(name: str) -> str | None:
        return str(row[name]) if row is not None and row[name] is not None else None

    length = value("len")
    return DocumentDetail(
        **summary.model_dump(),
        url=value("url"),
        ingested_at=value("at"),
        characters=int(length) if length is not None else None,
        triples=int(str(count["n"])),
    )


@router.delete(
    "/{document_id}",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Deleted."}, **problems(401, 403, 404, 422)},
    dependencies=[TokenDep],
)
async def delete_document(engine: EngineDep, pool: PoolDep, document_id: DocumentId) -> Response:
    """Delete a document's graph, vectors and lexical entries, atomically."""
    iri = engine.document_iri(document_id)
    await run_cpu(pool, engine.delete_document, iri)
    return Response(status_code=204)
