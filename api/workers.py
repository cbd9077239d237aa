"""Where request work that is not I/O runs (a bounded thread pool), and the write token check.

Routes reach the pool and the SPARQL sandbox through ``api/deps.py``; the app's
lifespan creates them (``api/app.py``).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from graph.config import Settings
from graph.errors import HankeKGError, Unauthorized

P = ParamSpec("P")
T = TypeVar("T")


class WritesDisabled(HankeKGError):
    """Writes need ``HANKEKG_API_TOKEN``, and none is configured."""

    title = "Writes disabled"
    status = 403
    exit_code = 8


async def run_cpu(
    pool: ThreadPoolExecutor, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run ``fn`` in the bounded pool, off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, functools.partial(fn, *args, **kwargs))


#: The bearer scheme, declared in OpenAPI on every route that depends on it, so
#: generated clients send the token. Errors are ours (problem+json), not FastAPI's.
bearer = HTTPBearer(
    scheme_name="bearerAuth",
    description="Writes: `Authorization: Bearer <HANKEKG_API_TOKEN>`.",
    auto_error=False,
)


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Check ``Authorization: Bearer <HANKEKG_API_TOKEN>``.

    Raises:
        WritesDisabled: no token is configured, so writes are off.
        Unauthorized: the header is missing or wrong.
    """
    settings: Settings = request.app.state.settings
    if not settings.api_token:
        raise WritesDisabled("writes are disabled: set HANKEKG_API_TOKEN to enable them")
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.strip().encode(), settings.api_token.encode()):
        raise Unauthorized("a valid 'Authorization: Bearer <token>' header is required")


TokenDep = Depends(require_token)
