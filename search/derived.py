"""Tables derived from the graph, patched from the change feed after each write.

The facet table (with the names it has looked up), the filter cache, the money
table (each project's grants and budget) and the related-projects neighbourhood
are read from the whole graph once (the index's own per-version tables, chunk
groups, key languages and centroids, are patched the same way by the index
engines: ``search/index/tables.py``). After a write, each is brought up to
date from the change feed (:mod:`ingest.feed`): the subjects the writes touched
are read again (one query each, restricted to those subjects by ``VALUES``)
and replace what the table held for them, so the cost follows what changed,
not the corpus. The whole table is read
again instead (the fallback) when the feed cannot explain the change: entries
were pruned, an entry's subjects are unknown (a reindex, an update to a
non-document graph, a hierarchy triple), or the index version the entries
end at is not the one being served (an append lost in a crash, or not yet
made).

Patching is a pure function of the store and the subject set: reading a
subject again that did not change leaves the table as it was, so an entry
applied twice (a table built between a commit and its append) is harmless.

The facet, neighbour and money tables are also kept between processes
(:meth:`DerivedTables.save`, called when the engine closes): each is written with
the feed entry it is current at, and the next process to open the home loads it
and patches it from the entries since, instead of reading the whole graph again
(a minute of a replica's start at N = 100,000). A file the feed cannot vouch for
(that entry is gone or different: another home, a restored backup, a pruned feed)
is ignored and the table read whole.

:func:`differences` compares a patched table with a rebuilt one; it backs
``hankekg verify --derived`` and the property test in
``tests/search/test_derived.py``.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from graph.views.projects import display_names
from ingest.feed import FeedEntry
from search import related
from search.filters import FacetTable, facet_rows, facet_table, patched_cache, rewarm
from search.index.tables import differences as table_differences
from search.layered import layered
from search.money_filter import ProjectSums, money_table, patch_money
from search.related import Neighbourhood, members_of, neighbour_rows, neighbourhood

if TYPE_CHECKING:
    from graph.link.linker import Linker
    from graph.store.base import GraphStore
    from ingest.feed import ChangeFeed
    from search.index.base import IndexView

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The shape of a saved table; a file of another is rebuilt (bump it when a table changes).
SAVED_FORMAT = 1


@dataclass
class Stats:
    """How a table was kept current (the bench and the tests read these)."""

    builds: int = 0
    loads: int = 0
    patches: int = 0
    patched_subjects: int = 0


class Patched(Generic[T]):
    """One derived table, current for a data version: built once, then patched.

    Args:
        build: reads the whole table (given the previous one, or ``None``).
        patch: the table after writes that touched the given subjects.
        feed: the change feed (``None``: no feed, every new version rebuilds).
        index_version: the index version served now (the feed's end must match it).
        saved: where :meth:`save` keeps the table between processes (``None``: never):
            a process that opens the home again loads it and patches it from the
            feed's entries since, instead of reading the whole graph (minutes at
            N = 100,000), unless the feed cannot explain what changed meanwhile.
    """

    def __init__(
        self,
        build: Callable[[T | None], T],
        patch: Callable[[T, set[str]], T],
        feed: ChangeFeed | None,
        index_version: Callable[[], str | None],
        saved: Path | None = None,
    ) -> None:
        self._build = build
        self._patch = patch
        self._feed = feed
        self._index_version = index_version
        self._saved = saved
        self._lock = threading.Lock()
        self._key: object = None
        self._value: T | None = None
        self._seq = 0
        self._version: str | None = None
        self.stats = Stats()
        self.patching = True
        """``False``: every new version rebuilds (the bench's baseline)."""

    def get(self, key: object) -> T:
        """The table for data version ``key`` (patched or rebuilt on a new key)."""
        with self._lock:
            if self._value is not None and self._key == key:
                return self._value
            value = self._value
            if value is None and self._saved is not None:
                value = self._load()
            if value is not None:
                pending = self._pending() if self.patching else None
                if pending is not None:
                    subjects, seq, version = pending
                    value = self._patch(value, subjects) if subjects else value
                    # the feed position moves only once the patch is made
                    self._seq, self._version = seq, version
                    self.stats.patches += 1
                    self.stats.patched_subjects += len(subjects)
                else:
                    value = self._rebuild(value)
            else:
                value = self._rebuild(None)
            self._value, self._key = value, key
            return value

    def peek(self) -> T | None:
        """The table as last built or patched (no feed read)."""
        return self._value

    def _rebuild(self, previous: T | None) -> T:
        # Feed position and version first: writes after them are applied again later.
        self._seq = self._feed.head() if self._feed is not None else 0
        self._version = self._index_version()
        self.stats.builds += 1
        return self._build(previous)

    def _pending(self) -> tuple[set[str], int, str | None] | None:
        """Subjects changed since the table was read, with the feed position and index
        version they bring it to; ``None`` where the feed cannot say."""
        if self._feed is None:
            return None
        entries = self._feed.since(self._seq)
        if entries is None:
            logger.info("the change feed has a gap: rebuilding a derived table")
            return None
        version = self._version
        subjects: set[str] = set()
        for entry in entries:
            if entry.subjects is None:
                return None
            subjects.update(entry.subjects)
            version = entry.version
        if version != self._index_version():
            return None  # a commit the feed does not (yet) record
        return subjects, (entries[-1].seq if entries else self._seq), version

    # -- kept between processes ---------------------------------------------------

    def save(self) -> bool:
        """Write the table with its feed position to ``saved`` (atomically); ``False``
        when there is nothing to tie it to (no table, no feed entry yet)."""
        with self._lock:
            if self._saved is None or self._value is None or self._feed is None or self._seq < 1:
                return False
            entry = self._entry_at(self._seq)
            if entry is None:
                return False
            self._saved.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._saved.with_suffix(".tmp")
            with open(tmp, "wb") as out:
                state = {"format": SAVED_FORMAT, "entry": entry, "version": self._version}
                pickle.dump({**state, "value": self._value}, out, pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._saved)
            return True

    def _load(self) -> T | None:
        """The saved table if the feed still holds the entry it was current at (the same
        entry: a home restored from a backup has other ones); else ``None``."""
        assert self._saved is not None
        try:
            with open(self._saved, "rb") as src:
                saved = pickle.load(src)  # noqa: S301 - written by save() into this home
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - a torn or older file is rebuilt, not fatal
            logger.warning("%s cannot be read: rebuilding the table", self._saved)
            return None
        if not isinstance(saved, dict) or saved.get("format") != SAVED_FORMAT:
            return None
        entry = saved.get("entry")
        if not isinstance(entry, FeedEntry):
            return None
        if self._entry_at(entry.seq) != entry:
            logger.info("%s is from another feed: rebuilding the table", self._saved)
            return None
        self._seq, self._version = entry.seq, saved.get("version")
        self.stats.loads += 1
        return cast(T, saved["value"])

    def _entry_at(self, seq: int) -> FeedEntry | None:
        assert self._feed is not None
        entries = self._feed.since(seq - 1)
        return entries[0] if entries and entries[0].seq == seq else None


# -- the tables: build and patch ---------------------------------------------


def patch_facets(store: GraphStore, table: FacetTable, subjects: set[str]) -> FacetTable:
    """``table`` with ``subjects``' rows read again (and their names forgotten)."""
    values, years = facet_rows(store, table.above, subjects)
    gone = dict.fromkeys(subjects)
    return FacetTable(
        values=layered(table.values).updated({**gone, **values}),
        years=layered(table.years).updated({**gone, **years}),
        # the names and sources looked up so far: a few thousand shown, not one per project
        names={k: v for k, v in table.names.items() if k not in subjects},
        sources={k: v for k, v in table.sources.items() if k not in subjects},
        above=table.above,
    )


def patch_neighbourhood(
    store: GraphStore, linker: Linker | None, hood: Neighbourhood, subjects: set[str]
) -> Neighbourhood:
    """``hood`` with ``subjects``' neighbours read again, members and degrees adjusted.

    Only the neighbours whose members change get a new member set, and a hub has none
    (:class:`~search.related.Neighbourhood`): the cost follows the subjects' links."""
    fresh = neighbour_rows(store, linker, subjects)
    left: dict[tuple[str, str], set[str]] = defaultdict(set)
    joined: dict[tuple[str, str], set[str]] = defaultdict(set)
    for project in subjects:
        for item in hood.neighbours.get(project, ()):
            left[item].add(project)
        for item in fresh.get(project, ()):
            joined[item].add(project)
    neighbours = layered(hood.neighbours).updated({**dict.fromkeys(subjects), **fresh})
    members: dict[tuple[str, str], frozenset[str] | None] = {}
    degree: dict[tuple[str, str], int | None] = {}
    for item in left.keys() | joined.keys():
        out, into = left.get(item, set()), joined.get(item, set())
        if out == into:
            continue
        before = hood.degree.get(item, 0)
        after = before - len(out) + len(into)
        degree[item] = after or None
        if after > related.HUB_DEGREE:
            members[item] = None  # a hub's members are not kept
        elif before > related.HUB_DEGREE:
            members[item] = frozenset(members_of(item, neighbours))
        else:
            members[item] = frozenset((hood.members.get(item, frozenset()) - out) | into) or None
    return Neighbourhood(
        neighbours,
        layered(hood.degree).updated(degree),
        layered(hood.members).updated(members),
    )


def filter_builder(
    store: GraphStore,
) -> Callable[[dict[str, set[Any]] | None], dict[str, set[Any]]]:
    """A new filter cache, holding again the graph patterns the previous one held."""

    def build(previous: dict[str, set[Any]] | None) -> dict[str, set[Any]]:
        cache: dict[str, set[Any]] = {}
        if previous:  # filled on first use otherwise
            rewarm(store, cache, list(previous))
        return cache

    return build


@dataclass
class DerivedTables:
    """The graph-derived tables of one engine, each kept current by the feed."""

    facets: Patched[FacetTable]
    filters: Patched[dict[str, set[Any]]]
    neighbours: Patched[Neighbourhood]
    money: Patched[Mapping[str, ProjectSums]]

    def save(self) -> list[str]:
        """Keep the tables read whole from the graph for the next process to open the
        home (the filter cache is small and warmed again); returns those saved."""
        kept: dict[str, Patched[Any]] = {
            "facets": self.facets,
            "neighbours": self.neighbours,
            "money": self.money,
        }
        return [name for name, table in kept.items() if table.save()]


def derived_tables(
    store: GraphStore,
    linker: Callable[[], Linker | None],
    feed: ChangeFeed | None,
    index_version: Callable[[], str | None],
    directory: Path | None = None,
) -> DerivedTables:
    """The facet table, the filter cache, the neighbourhood and the money table
    (``directory``: where :meth:`DerivedTables.save` keeps them)."""

    def saved(name: str) -> Path | None:
        return directory / f"{name}.pickle" if directory is not None else None

    return DerivedTables(
        facets=Patched(
            lambda _old: facet_table(store),
            lambda t, s: patch_facets(store, t, s),
            feed,
            index_version,
            saved("facets"),
        ),
        filters=Patched(
            filter_builder(store),
            lambda c, s: patched_cache(store, c, s),
            feed,
            index_version,
        ),
        neighbours=Patched(
            lambda _old: neighbourhood(store, linker()),
            lambda h, s: patch_neighbourhood(store, linker(), h, s),
            feed,
            index_version,
            saved("neighbours"),
        ),
        money=Patched(
            lambda _old: money_table(store),
            lambda t, s: patch_money(store, t, s),
            feed,
            index_version,
            saved("money"),
        ),
    )


# -- comparing patched with rebuilt ----------------------------------------------------


def differences(
    store: GraphStore,
    linker: Linker | None,
    facets: FacetTable | None,
    filters: dict[str, set[Any]] | None,
    hood: Neighbourhood | None,
    money: Mapping[str, ProjectSums] | None = None,
    limit: int = 20,
) -> list[str]:
    """Where patched tables differ from tables read whole from the store now
    (at most ``limit`` lines per table; empty when they agree)."""
    out: list[str] = []
    if facets is not None:
        fresh = facet_table(store)
        out += _diff("facet values", facets.values, fresh.values, limit)
        out += _diff("facet years", facets.years, fresh.years, limit)
        named = list(facets.names)
        if named:
            out += _diff("names", facets.names, display_names(store, named), limit, only=named)
    if filters is not None:
        rebuilt: dict[str, set[Any]] = {}
        rewarm(store, rebuilt, list(filters))
        out += _diff("filters", filters, rebuilt, limit, only=[k for k in rebuilt if k in filters])
    if hood is not None:
        fresh_hood = neighbourhood(store, linker)
        out += _diff("neighbours", hood.neighbours, fresh_hood.neighbours, limit)
        out += _diff("degrees", hood.degree, fresh_hood.degree, limit)
        out += _diff("members", hood.members, fresh_hood.members, limit)
    if money is not None:
        out += _diff("money", money, money_table(store), limit)
    return out


def _diff(
    what: str,
    patched: Mapping[Any, Any],
    rebuilt: Mapping[Any, Any],
    limit: int,
    only: Iterable[Any] | None = None,
) -> list[str]:
    keys = list(only) if only is not None else sorted(set(patched) | set(rebuilt), key=str)
    out: list[str] = []
    for key in keys:
        a, b = patched.get(key), rebuilt.get(key)
        if what == "names":
            a, b = a or {}, b or {}
        if a != b:
            out.append(f"{what}: {key}: patched {a!r}, rebuilt {b!r}")
            if len(out) >= limit:
                break
    return out


def group_by_kind(entries: Iterable[Any]) -> dict[str, int]:
    """How many feed entries of each kind (for ``verify --derived``'s summary)."""
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[entry.kind] += 1
    return dict(counts)


def replay(
    store: GraphStore,
    linker: Linker | None,
    feed: ChangeFeed,
    index_version: str | None,
    window: int,
    view: IndexView | None = None,
) -> list[str]:
    """``hankekg verify --derived``: read the tables whole, patch them with the
    subjects (graph tables) and documents (the index ``view``'s chunk groups, key
    languages and centroids) of the feed's last ``window`` entries, and compare
    with a rebuild; also check that the feed records the last commit. Empty when
    all agree."""
    problems: list[str] = []
    entries = feed.tail(window)
    if entries and entries[-1].version != index_version:
        problems.append(
            f"feed: the last entry is for index version {entries[-1].version}, "
            f"the index is at {index_version}: replicas will rebuild"
        )
    subjects = {s for e in entries if e.subjects is not None for s in e.subjects}
    facets = patch_facets(store, facet_table(store), subjects)
    cache: dict[str, set[Any]] = {}
    rewarm(store, cache, [])
    filters = patched_cache(store, cache, subjects)
    hood = patch_neighbourhood(store, linker, neighbourhood(store, linker), subjects)
    money = patch_money(store, money_table(store), subjects)
    problems += differences(store, linker, facets, filters, hood, money)
    if view is not None:
        documents = {d for e in entries for d in e.documents}
        rebuilt = view.rebuilt_tables()
        patched = rebuilt.patched(view.documents(), documents, view.centroids_of)
        problems += table_differences(patched, view.rebuilt_tables())
    return problems
