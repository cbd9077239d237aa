"""Schemathesis over the whole OpenAPI spec against a real server: no 5xx, no
schema violations, every status and content type documented."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.engine import Engine
from tests.api.conftest import TOKEN
from tests.conftest import LiveServer, make_settings

MAX_EXAMPLES = 40


def make_check(operation: Any, excluded: list[Any]) -> Any:
    """A hypothesis test of one operation with schemathesis' checks."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(timeout=30, excluded_checks=excluded)

    return check


def test_api_conforms_to_its_spec(ld_server: LiveServer) -> None:
    # Schemathesis' pytest plugin does not run on pytest 9, so each operation's
    # strategy is driven by hypothesis directly; the checks are schemathesis' own.
    schema = schemathesis.openapi.from_url(f"{ld_server.url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # A SPARQL text can be schema-valid (a string) and still not parse: a 400
        # there is right, so "schema-valid data is accepted" does not apply.
        excluded = [positive_data_acceptance] if operation.path.startswith("/sparql") else []
        try:
            make_check(operation, excluded)()
        except Exception as exc:  # collect every operation's failure, then report all
            failures.append(f"{operation.label}: {exc}")
    assert operations >= 10
    assert not failures, "\n\n".join(failures)


def test_every_operation_has_a_summary_and_problem_errors(ld_server: LiveServer) -> None:
    spec = httpx.get(f"{ld_server.url}/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")) or code == "default":
                    assert list(response["content"]) == ["application/problem+json"], (
                        method,
                        path,
                        code,
                    )


# -- strict validators and a generated client (issue 11, item 5) ---------------------

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"


@pytest.fixture(scope="module")
def spec_file(ld_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served spec, saved as a file for the command-line validators."""
    path = tmp_path_factory.mktemp("spec") / "openapi.json"
    path.write_bytes(httpx.get(f"{ld_server.url}/openapi.json").content)
    return path


def test_spec_referenced_an_undefined_documenttext(spec_file: Path) -> None:
    spec = json.loads(spec_file.read_text("utf-8"))
    validate(spec)  # openapi-spec-validator: every $ref resolves, the 3.1 schema holds
    assert "DocumentText" in spec["components"]["schemas"]


def test_spec_passes_redocly_lint(spec_file: Path) -> None:
    if not REDOCLY.exists():
        pytest.fail("redocly is not installed: run `make setup` (npm ci)")
    env = {
        **os.environ,
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    }
    result = subprocess.run(
        [str(REDOCLY), "lint", str(spec_file), "--format=json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    report = json.loads(result.stdout)
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert result.returncode == 0 and not errors, errors


def test_spec_declared_no_bearer_scheme(spec_file: Path) -> None:
    spec = json.loads(spec_file.read_text("utf-8"))
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    writes = {("post", "/api/documents"), ("delete", "/api/documents/{document_id}")}
    writes.add(("post", "/sparql/update"))
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if (method, path) in writes:
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
            else:  # reads (a SPARQL query by POST included) are public
                assert operation["security"] == [], (method, path)


CLIENT_TEXT = """Hankkeen nimi

Vertaistuki Kajaanissa

Hanke kehitti vertaistukea Kajaanissa vuosina 2016-2018. Hankkeen rahoitti
Raha-automaattiyhdistys ja sitä hallinnoi Kajaanin kaupunki.
"""


#: The generator configuration README tells users to pass (its one-line command).
GENERATOR_CONFIG = Path(__file__).resolve().parents[2] / "docs" / "openapi-python-client.yaml"


@pytest.fixture(scope="module")
def write_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server over its own writable engine with the test token."""
    engine = Engine(make_settings(tmp_path_factory.mktemp("client-home"), api_token=TOKEN))
    with LiveServer(engine) as server:
        yield server
    engine.close()


@pytest.mark.slow
def test_generated_client_lost_the_json_body_and_the_token(
    write_server: LiveServer, tmp_path: Path
) -> None:
    # openapi-python-client annotates a two-body operation with ``Unset`` without
    # importing it (its template loses a loop variable); postponed annotations, added
    # by the post-hook of the configuration README gives, make the generated module
    # importable as it is. Run as README says: from the server's URL, with that file.
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate"]
        + ["--url", f"{write_server.url}/openapi.json", "--config", str(GENERATOR_CONFIG)]
        + ["--meta", "none", "--output-path", str(tmp_path / "hk_client")],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("hk_client.client")
        upload = importlib.import_module("hk_client.api.documents.upload_document")
        delete = importlib.import_module("hk_client.api.documents.delete_document")
        models = importlib.import_module("hk_client.models")
        types = importlib.import_module("hk_client.types")
        client = client_module.AuthenticatedClient(
            base_url=write_server.url, token=TOKEN, timeout=httpx.Timeout(300)
        )
        anonymous = client_module.Client(base_url=write_server.url)
        assert not hasattr(anonymous, "token")  # uploads need the authenticated client

        as_json = upload.sync_detailed(client=client, body=models.DocumentText(text=CLIENT_TEXT))
        assert as_json.status_code == 201, as_json.content
        assert isinstance(as_json.parsed, models.DocumentCreated)
        assert as_json.parsed.projects

        body_class = next(
            getattr(models, name) for name in dir(models) if name.startswith("UploadDocument")
        )
        document = types.File(
            payload=io.BytesIO(CLIENT_TEXT.replace("Kajaani", "Kuopio").encode()),
            file_name="kuopio.txt",
            mime_type="text/plain",
        )
        as_file = upload.sync_detailed(client=client, body=body_class(file=document))
        assert as_file.status_code == 201, as_file.content
        assert as_file.parsed.document != as_json.parsed.document

        wrong = client_module.AuthenticatedClient(base_url=write_server.url, token="wrong")
        refused = upload.sync_detailed(client=wrong, body=models.DocumentText(text=CLIENT_TEXT))
        assert refused.status_code == 401
        assert isinstance(refused.parsed, models.Problem)

        gone = delete.sync_detailed(as_json.parsed.id, client=client)
        assert gone.status_code == 204
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "hk_client" or m.startswith("hk_client.")]:
            del sys.modules[name]
