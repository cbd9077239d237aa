"""Money in search: the amount-range filter and the granted sums of facet values.

A project's *amount* is its granted total (the sum of its ``schema:MonetaryGrant``
amounts, each grant once); where no grant is stated, its budget (``hk:budget``):
a stated total is one number, a budget class ("100 000–500 000 euroa") is its
interval. A project passes ``amount_min``/``amount_max`` when its whole amount
lies in the range (a class passes only when both its ends do), so every listed
project certainly fits; a project with no stated sum never passes a range.

The table (:func:`money_table`) is read whole once from
:func:`graph.views.money.all_money`, kept apart from the facet table on purpose,
and after each write patched from the change feed like the other derived tables
(:func:`patch_money`, ``search/derived.py``); it is applied to the allowed chunks
after the graph filters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from graph.store.base import GraphStore
from graph.views.money import MoneyView, all_money, amount, money_around
from search.layered import layered

#: What the amount range is compared with, as the response's filter echo says it.
AMOUNT_BASIS = "granted_else_budget"

Basis = Literal["granted", "budget"]


@dataclass(frozen=True)
class AmountRange:
    """An amount range in euros; an open end does not limit."""

    low: Decimal | None = None
    high: Decimal | None = None

    def is_empty(self) -> bool:
        """Whether the range filters nothing."""
        return self.low is None and self.high is None

    def admits(self, sums: ProjectSums) -> bool:
        """Whether a project's whole amount lies in the range."""
        if sums.basis is None:
            return False
        low, high = sums.interval
        return (self.low is None or low >= self.low) and (self.high is None or high <= self.high)


def amount_range(low: float | str | None, high: float | str | None) -> AmountRange:
    """An :class:`AmountRange` from request values (euros; ``None`` or ``""``: open).

    Raises:
        ValueError: a value that is not a number.
    """

    def read(value: float | str | None) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not an amount in euros: {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"not an amount in euros: {value!r}")
        return number

    return AmountRange(read(low), read(high))


@dataclass
class ProjectSums:
    """One project's money as search reads it."""

    granted: Decimal = Decimal(0)
    """The sum of its grants (0 when none)."""
    grants: list[tuple[str | None, Decimal]] = field(default_factory=list)
    """(funder IRI or ``None``, amount) of each grant."""
    budget: tuple[Decimal, Decimal] | None = None
    """The stated budget as (low, high): one number twice, or a class's ends."""

    @property
    def basis(self) -> Basis | None:
        """Which sum the amount filter reads: ``granted``, ``budget`` or none."""
        if self.grants:
            return "granted"
        return "budget" if self.budget is not None else None

    @property
    def interval(self) -> tuple[Decimal, Decimal]:
        """The amount as (low, high)."""
        if self.grants or self.budget is None:
            return self.granted, self.granted
        return self.budget


def project_sums(money: Mapping[str, list[MoneyView]]) -> dict[str, ProjectSums]:
    """Each project's grants, granted total and budget from the money views."""
    out: dict[str, ProjectSums] = {}
    for project, views in money.items():
        sums = ProjectSums()
        for view in views:
            if view.kind == "grant":
                value = amount(view)
                sums.grants.append((view.funder, value))
                sums.granted += value
            elif sums.budget is None and view.value is not None:
                sums.budget = (amount(view), amount(view))
        if sums.budget is None:
            budget_class = next((v for v in views if v.kind == "budget" and v.max_value), None)
            if budget_class is not None:
                low = amount(MoneyView("budget", "", value=budget_class.min_value or "0"))
                sums.budget = (low, amount(budget_class))
        out[project] = sums
    return out


def money_table(store: GraphStore) -> dict[str, ProjectSums]:
    """Every described project's sums, read whole from ``store``."""
    return project_sums(all_money(store))


def patch_money(
    store: GraphStore, table: Mapping[str, ProjectSums], subjects: set[str]
) -> Mapping[str, ProjectSums]:
    """``table`` with the projects whose money involves ``subjects`` read again (a
    new version layered on ``table``'s, in time proportional to those projects)."""
    projects, fresh = money_around(store, subjects)
    return layered(table).updated({**dict.fromkeys(projects), **project_sums(fresh)})


def admitted(sums: Mapping[str, ProjectSums], wanted: AmountRange) -> set[str]:
    """The projects whose amount lies in ``wanted``."""
    return {p for p, s in sums.items() if wanted.admits(s)}


def restrict(
    allowed: set[int] | None,
    by_key: Mapping[str, Iterable[int]],
    projects: set[str],
    cache: dict[str, set[int]] | None = None,
    label: str = "",
) -> set[int]:
    """The chunks of ``allowed`` (every chunk when ``None``) that belong to ``projects``.

    With a ``cache`` (one per data version) and a ``label`` naming the filters, the
    same filters give back the same set object, as :func:`search.filters.allowed_chunks`
    does (the index engines key what they derive from it by identity).
    """
    # "chunks " keys are chunk sets to the filter cache (never re-run as patterns).
    key = f"chunks money {label}"
    if cache is not None and label and key in cache:
        return cache[key]
    chunks = {cid for p in projects for cid in by_key.get(p, ())}
    out = chunks if allowed is None else chunks & allowed
    if cache is not None and label:
        cache[key] = out
    return out


def granted_by(
    sums: Mapping[str, ProjectSums],
    keys: Iterable[str],
    facet_values: Callable[[str], Iterable[tuple[str, str]]],
) -> dict[str, dict[str, Decimal]]:
    """Granted sums over the projects ``keys``, per facet value.

    ``funder``: the grants that value gave (a grant that names no funder counts
    for the project's funder when it has exactly one); ``place``: the granted
    totals of the projects in that place (or an area containing it).
    ``facet_values(project)`` gives a project's (facet, value) pairs.
    """
    out: dict[str, dict[str, Decimal]] = {f: defaultdict(Decimal) for f in ("funder", "place")}
    for key in keys:
        project = sums.get(key)
        if project is None or not project.grants:
            continue
        values = list(facet_values(key))
        funders = {v for f, v in values if f == "funder"}
        sole = next(iter(funders)) if len(funders) == 1 else None
        for funder, granted in project.grants:
            named = funder or sole
            if named is not None:
                out["funder"][named] += granted
        for facet, value in values:
            if facet == "place":
                out["place"][value] += project.granted
    return out
