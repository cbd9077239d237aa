"""Domain errors, free of any web or CLI framework.

They are mapped once to HTTP problem responses (``api/errors.py``) and once to
CLI exit codes (``api/cli.py``).
"""

from __future__ import annotations


class HankeKGError(Exception):
    """Base class of every error the product reports to a user."""

    #: Short, stable title used in problem responses.
    title = "Error"
    #: HTTP status the API answers with.
    status = 500
    #: CLI exit code.
    exit_code = 1


class DocumentError(HankeKGError):
    """A document cannot be ingested (empty, binary, too large, undecodable)."""

    title = "Unprocessable document"
    status = 422
    exit_code = 3


class QueryError(HankeKGError):
    """A query (SPARQL or search) is malformed or not allowed."""

    title = "Bad query"
    status = 400
    exit_code = 4


class QueryTimeout(HankeKGError):
    """A query ran past its time limit and was stopped."""

    title = "Query timed out"
    status = 503
    exit_code = 5


class NotFound(HankeKGError):
    """An ID or IRI is unknown."""

    title = "Not found"
    status = 404
    exit_code = 6


class EncoderMismatch(HankeKGError):
    """The index was built with another encoder than the one asked to query it."""

    title = "Encoder mismatch"
    status = 409
    exit_code = 7


class Unauthorized(HankeKGError):
    """A write was attempted without the right bearer token."""

    title = "Unauthorized"
    status = 401
    exit_code = 8


class CorruptIndex(HankeKGError):
    """An index snapshot (or index database) fails its checksums or cannot be read."""

    title = "Corrupt index"
    status = 503
    exit_code = 9


class StoreUnavailable(HankeKGError):
    """The graph server cannot be reached or failed (the remote backend)."""

    title = "Graph store unavailable"
    status = 503
    exit_code = 10


#: What to do about a damaged home (the README's "Recovering a home" says more).
RECOVERY_HINT = (
    "nothing was changed; run `hankekg doctor` for details, then `hankekg restore BACKUP` "
    "(or put the missing files back)"
)


class DamagedHome(HankeKGError):
    """A home's store or index is missing parts or corrupt; nothing was changed.

    Raised instead of opening, so no open ever starts an empty store over data,
    deletes what a manual recovery would need, or settles an empty side by
    emptying the other.
    """

    title = "Damaged home"
    status = 503
    exit_code = 11


class StorageFull(HankeKGError, OSError):
    """A write failed because the disk (or the file size limit) is full.

    Also an :class:`OSError`, as the error it stands for: callers that handle
    failed writes as ``OSError`` go on doing so. ``/healthz`` says ``degraded``
    until a write succeeds again.
    """

    title = "Storage full"
    status = 507
    exit_code = 13
