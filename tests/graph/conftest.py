"""Session fixtures for the graph tests: the real spaCy model, reference data,
linker and extractor, each built once per test session."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from graph.extract import Extractor, load_nlp
from graph.iris import Iris
from graph.link.linker import Linker
from graph.link.reference import Reference
from graph.link.themes import ThemeMatcher

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT / "data" / "reference"
SEEDS_DIR = ROOT / "data" / "seeds"
DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"
BASE = "http://localhost:8000/"
#: A fixed "today" so that project status (ended / ongoing) is reproducible.
TODAY = date(2026, 1, 1)


@pytest.fixture(scope="session")
def nlp() -> Any:
    return load_nlp()


@pytest.fixture(scope="session")
def iris() -> Iris:
    return Iris(BASE)


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference.load(REFERENCE_DIR)


@pytest.fixture(scope="session")
def linker(reference: Reference, iris: Iris) -> Linker:
    return Linker(reference, iris)


@pytest.fixture(scope="session")
def theme_matcher() -> ThemeMatcher:
    return ThemeMatcher.from_csv(REFERENCE_DIR / "yso_subset.csv")


@pytest.fixture(scope="session")
def extractor(
    nlp: Any, linker: Linker, iris: Iris, reference: Reference, theme_matcher: ThemeMatcher
) -> Extractor:
    return Extractor(nlp, linker, iris, reference, themes=theme_matcher, today=TODAY)
