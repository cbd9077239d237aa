"""The one rule for URLs taken from data: absolute ``http``/``https`` with a host.

The upload form's ``source_url``, a ``URL:`` header line of a ``.txt``, a JSON
record's ``url`` field and every link a page shows follow it (``api/security.py``
re-exports :func:`is_http_url` for the templates and the upload routes). A URL
read from inside a document that breaks it (``javascript:``, ``vbscript:``,
``data:``, a path) is dropped by the loader, with a warning in the ingest report.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Schemes a data-derived link may use.
LINK_SCHEMES = frozenset({"http", "https"})

# Control characters and whitespace: browsers strip them from a URL before
# reading the scheme ("java\tscript:"), so a URL holding any is never a link.
UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def is_http_url(value: object) -> bool:
    """Whether ``value`` is an absolute ``http``/``https`` URL with a host."""
    if not isinstance(value, str) or not value or UNSAFE_CHARS.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in LINK_SCHEMES and bool(parts.hostname)
