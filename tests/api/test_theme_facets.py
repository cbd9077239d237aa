"""The API's theme facet has the UI's shape: one hierarchy, one entry per label,
and a theme page counts what its facet counts."""

from __future__ import annotations

import pytest

from api import services
from api.engine import Engine
from graph.views.entities import theme_view
from search.filters import Filters

pytestmark = pytest.mark.slow


def test_theme_facets_are_groups_with_their_concepts_as_children(seeded_engine: Engine) -> None:
    themes = services.search(seeded_engine, "kuntoutus", match="broad").facets["theme"]
    labels = [v.label.casefold() for v in themes]
    assert len(labels) == len(set(labels)), labels  # no "Kuntoutus" next to "kuntoutus"
    assert any(v.children for v in themes)
    for value in themes:
        assert all(child.label.casefold() != value.label.casefold() for child in value.children)
        assert all(child.count <= value.count for child in value.children)


def test_a_theme_page_counts_what_its_facet_counts(seeded_engine: Engine) -> None:
    themes = services.search(seeded_engine, "kuntoutus", match="broad").facets["theme"]
    for value in [*themes, *(c for v in themes for c in v.children)]:
        page = theme_view(seeded_engine, value.value, "fi")
        narrowed = services.search(
            seeded_engine, "kuntoutus", match="broad", filters=Filters(themes=(value.value,))
        )
        # The broad answer holds every seed project, so the counts must be equal.
        assert len(page.projects) == value.count == narrowed.total, value.label
