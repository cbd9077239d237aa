"""The change feed's contract, on both stores of it: a file in the home and the
``hk_changes`` table of the PostgreSQL index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.feed import ChangeFeed, FileFeed, PostgresFeed, feed_for


@pytest.fixture(params=["file", "postgres"])
def make_feed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A factory of feeds over one backing store (a second call: another replica's view)."""
    if request.param == "file":
        yield lambda keep=100: FileFeed(tmp_path / "feed" / "changes.jsonl", keep)
        return
    from search.index.postgres import PostgresIndex

    index = PostgresIndex(request.getfixturevalue("pg_url"))
    yield lambda keep=100: PostgresFeed(index.pool, keep)
    index.close()


def test_entries_are_appended_in_order_and_read_by_another_reader(make_feed: object) -> None:
    writer: ChangeFeed = make_feed()  # type: ignore[operator]
    reader: ChangeFeed = make_feed()  # type: ignore[operator]
    assert writer.head() == 0 and reader.since(0) == []
    one = writer.append("ingest", "v1", ["d1"], ["d1"], ["p1", "d1"])
    two = writer.append("update", "v1", [], ["d1"], None)
    assert (one.seq, two.seq) == (1, 2)
    entries = reader.since(0)
    assert entries is not None
    assert [(e.kind, e.version, e.subjects) for e in entries] == [
        ("ingest", "v1", ["p1", "d1"]),
        ("update", "v1", None),
    ]
    assert reader.since(1) == [two] and reader.since(2) == []
    assert reader.head() == 2 and reader.tail(1) == [two]
    writer.append("delete", "v2", ["d1"], ["d1"], ["d1"])
    later = reader.since(2)  # the reader sees what was appended after its last read
    assert later is not None and [e.kind for e in later] == ["delete"]


def test_a_pruned_feed_is_a_gap(make_feed: object) -> None:
    feed: ChangeFeed = make_feed(keep=3)  # type: ignore[operator]
    for i in range(1, 1001):
        if isinstance(feed, FileFeed) and i > 12:
            break
        feed.append("ingest", f"v{i}", [], [], [])
    assert feed.since(0) is None  # the first entries were pruned: rebuild
    assert feed.since(feed.head() - 1) is not None


def test_the_feed_lives_beside_the_index(tmp_path: Path) -> None:
    feed = feed_for(object(), tmp_path)
    assert isinstance(feed, FileFeed) and feed.path.parent == tmp_path / "feed"
