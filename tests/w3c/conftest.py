"""The W3C suite's summary: passed, failed and refused per manifest, printed after the run."""

from __future__ import annotations

import pytest

from tests.w3c.outcomes import OUTCOMES, summary


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the table when any suite test ran."""
    if OUTCOMES:
        terminalreporter.section("W3C SPARQL 1.1 test suite")
        for line in summary():
            terminalreporter.write_line(line)
