"""Deep JSON is a clear 422, never a RecursionError or minutes of work (issue 23, finding 5).

A JSON upload nested 600 lists or 900 objects deep failed with a ``RecursionError``
in ``graph/load/loader.py`` ``_flatten`` (now in ``graph/load/json_record.py``) and a
500; and ``_flatten`` flattened each object's values twice, so a record nested only
30 objects deep took 2^30 steps.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from graph.errors import DocumentError
from graph.load.json_record import MAX_JSON_DEPTH, json_depth
from graph.load.loader import load_bytes


def _nested(kind: str, depth: int) -> str:
    if kind == "lists":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _record(inner: str) -> bytes:
    return (
        '{"name": "Syvä hanke", "description": "Hanke kokeili.", "extra": ' + inner + "}"
    ).encode()


@pytest.mark.parametrize(("kind", "depth"), [("lists", 600), ("objects", 900), ("lists", 100_000)])
def test_deep_json_is_a_document_error_not_a_recursion_error(kind: str, depth: int) -> None:
    with pytest.raises(DocumentError, match="nested more than"):
        load_bytes(_record(_nested(kind, depth)), name="deep.json", max_bytes=10_000_000)


def test_objects_nested_to_the_limit_flatten_once_per_level() -> None:
    """60 nested objects: flattening each value twice per level never finished."""
    doc = load_bytes(
        _record(_nested("objects", MAX_JSON_DEPTH - 2)), name="ok.json", max_bytes=10_000_000
    )
    assert doc.fields["extra"].count("a: ") == MAX_JSON_DEPTH - 2


def test_json_depth_counts_without_recursion() -> None:
    assert json_depth(1) == 0
    assert json_depth({"a": [1, {"b": []}]}) == 4
    assert json_depth(json.loads(_nested("lists", 500))) > MAX_JSON_DEPTH


def test_deep_json_upload_is_422(tmp_path: object) -> None:
    from pathlib import Path

    from api.app import create_app
    from api.engine import Engine
    from tests.conftest import make_settings

    assert isinstance(tmp_path, Path)
    engine = Engine(make_settings(tmp_path, api_token="t" * 32))
    try:
        with TestClient(create_app(engine=engine)) as client:
            for kind, depth in (("lists", 600), ("objects", 900)):
                answer = client.post(
                    "/api/documents",
                    files={
                        "file": ("deep.json", _record(_nested(kind, depth)), "application/json")
                    },
                    headers={"Authorization": "Bearer " + "t" * 32},
                )
                assert answer.status_code == 422, answer.text
                assert "nested more than" in answer.json()["detail"]
    finally:
        engine.close()
