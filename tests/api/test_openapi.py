"""Schemathesis over the whole OpenAPI spec against a real server: no 5xx, no
schema violations, every status and content type documented."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import LiveServer

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
