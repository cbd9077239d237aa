"""Domain errors -> ``application/problem+json`` (RFC 9457), mapped once."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph.errors import HankeKGError

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
#: RFC 9110 §15.5.2: every 401 names its scheme; RFC 6750 §3 gives Bearer's form.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hankekg"'}


def problem(
    status: int,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """A problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    @app.exception_handler(HankeKGError)
    async def domain_error(_: Request, exc: HankeKGError) -> JSONResponse:
        return problem(exc.status, exc.title, str(exc), CHALLENGE if exc.status == 401 else None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        return problem(422, "Invalid request", "the request did not validate", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Keep the exception's headers (``Allow`` on a 405, ``WWW-Authenticate``).
        headers = dict(exc.headers or {})
        if exc.status_code == 401:
            headers = {**CHALLENGE, **headers}
        return problem(exc.status_code, "HTTP error", str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Never send a traceback or raw exception text to a client.
        logger.exception("unhandled error", exc_info=exc)
        return problem(500, "Internal error", "an unexpected error occurred; see the server log")
