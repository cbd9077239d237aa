"""What ``hankekg ingest`` prints per document: each warning names its file once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.engine import Engine
from ingest.pipeline import IngestReport


def test_ingest_warnings_repeated_the_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "weather.txt"
    page.write_text("Sää on tänään pilvinen ja tuulinen koko maassa.\n", encoding="utf-8")
    name = str(page)

    def ingest_paths(self: Engine, paths: Any, **_: Any) -> IngestReport:
        return IngestReport(
            added=[name],
            warnings={name: [f"{name}: no project recognised", "a second, bare warning"]},
        )

    monkeypatch.setattr(Engine, "ingest_paths", ingest_paths)
    result = CliRunner().invoke(app, ["ingest", name], env={"HANKEKG_HOME": str(tmp_path / "h")})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    assert lines == [
        f"warning {name}: no project recognised",
        f"warning {name}: a second, bare warning",
    ]
