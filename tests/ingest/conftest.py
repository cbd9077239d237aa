"""Fixtures for the ingest pipeline: a small real corpus from the repository's own documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "data" / "seeds"
DOCUMENTS = ROOT / "tests" / "graph" / "documents"

#: Queries over the corpus below (Finnish and English), for comparing rankings.
QUERIES = [
    "vertaistuki korvaushoidossa",
    "omaishoitajien jaksaminen",
    "perhetyö lapsiperheiden tukena",
    "mielenterveyskuntoutujien asuminen",
    "kuntoutus Rovaniemellä",
    "nuorten työllistyminen Vantaalla",
    "work ability assessment",
    "peer support groups",
]


#: Extraction fixtures that cover every input format and both languages.
FIXTURES = [
    "en_label_value_workability.txt",
    "fi_freetext_lappi.txt",
    "fi_label_value_perhetyo.txt",
    "html_en_peer_support.html",
    "md_omaishoito.md",
    "record_mielenterveys.json",
]


def copy_corpus(folder: Path) -> Path:
    """The seeds and a few extraction fixture documents: eight documents in all."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*sorted(SEEDS.iterdir()), *(DOCUMENTS / name for name in FIXTURES)]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of real documents plus one that cannot be read (binary bytes)."""
    folder = copy_corpus(tmp_path_factory.mktemp("corpus"))
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02\xff" * 64)
    return folder
