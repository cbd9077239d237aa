"""JSON project records as text: one record rendered as "Label\\n\\nvalue" blocks.

The loader (:mod:`graph.load.loader`) hands a ``.json`` document here; each
key's value is flattened to one string (lists joined with "; ", objects by their
name or as "key: value" pairs) and shown under the label the label/value parser
in :mod:`graph.load.layout` knows for that key, so extraction reads a record as
it reads a project page. Records nested deeper than :data:`MAX_JSON_DEPTH` are
refused before they are walked.
"""

from __future__ import annotations

import json
from typing import Any

from graph.errors import DocumentError
from graph.load.layout import JSON_FIELD_LABELS

#: The deepest JSON record read. Real records nest a few levels (a list of
#: organisations with their names); 600 nested lists used to end in a
#: RecursionError and a 500, and nested objects flattened in exponential time.
MAX_JSON_DEPTH = 64


def json_to_text(raw: str, *, name: str) -> tuple[str, dict[str, str], str | None, str | None]:
    """Render a JSON project record as "Label\\n\\nvalue" blocks.

    Returns ``(text, fields, url, title)``; ``fields`` maps each record key to
    its value flattened to a string (lists joined with "; ").

    Raises:
        DocumentError: the JSON is invalid or not an object.
    """
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise DocumentError(
            f"{name}: JSON nested more than {MAX_JSON_DEPTH} levels deep (a project record "
            "nests a few)"
        ) from exc
    depth = json_depth(record)
    if depth > MAX_JSON_DEPTH:
        raise DocumentError(
            f"{name}: JSON nested more than {MAX_JSON_DEPTH} levels deep (a project "
            "record nests a few)"
        )
    if isinstance(record, list) and len(record) == 1 and isinstance(record[0], dict):
        record = record[0]
    if not isinstance(record, dict):
        raise DocumentError(f"{name}: a JSON document must be one project record (an object)")
    fields: dict[str, str] = {}
    blocks: list[str] = []
    for key, value in record.items():
        flat = _flatten(value)
        if not flat:
            continue
        fields[str(key)] = flat
        label = JSON_FIELD_LABELS.get(str(key).lower().replace("-", "_"))
        if label is None:
            label = str(key).replace("_", " ").capitalize()
        shown = flat.replace("; ", "\n") if isinstance(value, list) else flat
        blocks.append(f"{label}\n\n{shown}")
    url = fields.get("url") or fields.get("homepage") or fields.get("website")
    title = fields.get("name") or fields.get("title") or fields.get("nimi")
    return "\n\n".join(blocks), fields, url, title


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_JSON_DEPTH:
            return deepest  # deep enough to refuse; no need to walk the rest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _flatten(value: Any) -> str:
    """One JSON value as text (callers have checked its depth: recursion is bounded)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "; ".join(v for v in (_flatten(x) for x in value) if v)
    if isinstance(value, dict):
        for key in ("name", "nimi", "title", "label"):
            if key in value:
                return _flatten(value[key])
        # each value flattened once: twice per level was exponential in the depth
        parts = ((k, _flatten(v)) for k, v in value.items())
        return ", ".join(f"{k}: {flat}" for k, flat in parts if flat)
    return str(value)
