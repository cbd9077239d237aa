"""``hankekg organisations --possible-duplicates``: grouping of likely duplicates."""

from __future__ import annotations

from graph.duplicates import find_duplicates, signature
from graph.finnish import morphology


def test_word_order_and_case_differences_are_grouped() -> None:
    rows = [
        ("http://x/id/organisation/a", "Kallion peruspalvelukuntayhtymä", False),
        ("http://x/id/organisation/b", "Peruspalvelukuntayhtymä Kallio", False),
        ("http://x/id/organisation/c", "Oulun kaupunki", False),
    ]
    groups = find_duplicates(rows)
    assert [g.iris for g in groups] == [
        ("http://x/id/organisation/a", "http://x/id/organisation/b")
    ]


def test_shared_acronym_is_grouped_and_legal_form_ignored() -> None:
    morph = morphology()
    assert signature("Pohjois-Savon Kylät ry", morph) == signature("Pohjois-Savon Kylät", morph)
    rows = [
        ("http://x/id/organisation/ara", "ARA", True),
        ("http://x/id/organisation/ara-2", "ARA", True),
        ("http://x/id/organisation/ara-2", "Asumisen kehittämiskeskus", False),
    ]
    groups = find_duplicates(rows, morph)
    assert len(groups) == 1 and groups[0].reason == "same acronym"


def test_one_iri_is_never_a_duplicate_of_itself() -> None:
    rows = [
        ("http://x/id/organisation/kela", "Kela", True),
        ("http://x/id/organisation/kela", "Kansaneläkelaitos", False),
    ]
    assert find_duplicates(rows) == []
