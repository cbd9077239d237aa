"""Read views of a project's money: its grants and its budget.

The graph states a grant as ``?p schema:funding ?g . ?g a schema:MonetaryGrant ;
schema:funder ?f ; schema:amount ?a`` and a budget as ``?p hk:budget ?a``; the
amount ``?a`` is a ``schema:MonetaryAmount`` with ``schema:value`` (or
``schema:minValue`` / ``schema:maxValue`` for a budget class), ``schema:currency``
and, where stated, ``schema:validFrom`` / ``schema:validThrough``. These views
give the project page, ``GET /api/projects/{id}`` and the export one row per sum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial

from graph.store.base import GraphStore
from graph.vocab import HK, SCHEMA


@dataclass
class MoneyView:
    """One grant to the project or its budget."""

    kind: str
    """``grant`` or ``budget``."""
    iri: str
    value: str | None = None
    min_value: str | None = None
    max_value: str | None = None
    currency: str = "EUR"
    funder: str | None = None
    """The funder's IRI (grants only, where stated)."""
    valid_from: str | None = None
    valid_through: str | None = None
    approximate: bool = False


def project_money(store: GraphStore, iri: str) -> list[MoneyView]:
    """The grants and budget of one project, grants first, largest first."""
    return money_of(store, [iri]).get(iri, [])


def money_of(store: GraphStore, iris: list[str]) -> dict[str, list[MoneyView]]:
    """Grants and budgets of many projects in one query: project IRI -> its sums."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in dict.fromkeys(iris))
    return _money(store, f"VALUES ?p {{ {values} }}")


def all_money(store: GraphStore) -> dict[str, list[MoneyView]]:
    """Grants and budgets of every described project (``hk:Project``), in one query."""
    return _money(store, f"?p a <{HK.Project}> .")


def money_around(
    store: GraphStore, subjects: Iterable[str]
) -> tuple[set[str], dict[str, list[MoneyView]]]:
    """The described projects whose money involves ``subjects`` (the projects
    themselves, their grants, the grants' and budgets' amounts), and their grants
    and budgets as :func:`all_money` reads them now: what a write that touched
    ``subjects`` changed in the money table."""
    values = " ".join(f"<{s}>" for s in sorted(set(subjects)))
    if not values:
        return set(), {}
    # Each branch starts from a bound subject (a BIND of ?s inside a branch would see
    # it unbound, and the type join would then read every project).
    rows = store.select(
        f"""SELECT DISTINCT ?p WHERE {{
          VALUES ?s {{ {values} }}
          {{ ?p <{SCHEMA.funding}> ?s }}
          UNION {{ ?g <{SCHEMA.amount}> ?s . ?p <{SCHEMA.funding}> ?g }}
          UNION {{ ?p <{HK.budget}> ?s }}
        }}"""
    )
    # A subject that is no longer a described project leaves the table too.
    projects = {str(r["p"]) for r in rows if r["p"] is not None} | set(subjects)
    described = " ".join(f"<{p}>" for p in sorted(projects))
    return projects, _money(store, f"VALUES ?p {{ {described} }} ?p a <{HK.Project}> .")


def _money(store: GraphStore, projects: str) -> dict[str, list[MoneyView]]:
    """The sums of the projects that the pattern ``projects`` binds to ``?p``."""
    rows = store.select(
        f"""SELECT ?p ?kind ?node ?a ?value ?min ?max ?cur ?funder ?from ?through ?approx WHERE {{
          {projects}
          {{ ?p <{SCHEMA.funding}> ?node . ?node <{SCHEMA.amount}> ?a .
             OPTIONAL {{ ?node <{SCHEMA.funder}> ?funder }} BIND("grant" AS ?kind) }}
          UNION
          {{ ?p <{HK.budget}> ?a . BIND(?a AS ?node) BIND("budget" AS ?kind) }}
          OPTIONAL {{ ?a <{SCHEMA.value}> ?value }}
          OPTIONAL {{ ?a <{SCHEMA.minValue}> ?min }}
          OPTIONAL {{ ?a <{SCHEMA.maxValue}> ?max }}
          OPTIONAL {{ ?a <{SCHEMA.currency}> ?cur }}
          OPTIONAL {{ ?a <{SCHEMA.validFrom}> ?from }}
          OPTIONAL {{ ?a <{SCHEMA.validThrough}> ?through }}
          OPTIONAL {{ ?a <{HK.approximate}> ?approx }}
        }}"""
    )
    found: dict[str, dict[str, MoneyView]] = defaultdict(dict)
    for row in rows:
        text = partial(_text, row)
        project, node = str(row["p"]), str(row["node"])
        view = found[project].get(node)
        if view is None:
            view = MoneyView(kind=str(row["kind"]), iri=node)
            found[project][node] = view
        view.value = view.value or text("value")
        view.min_value = view.min_value or text("min")
        view.max_value = view.max_value or text("max")
        view.currency = text("cur") or view.currency
        view.funder = view.funder or text("funder")
        view.valid_from = view.valid_from or text("from")
        view.valid_through = view.valid_through or text("through")
        view.approximate = view.approximate or text("approx") == "true"
    return {
        p: sorted(nodes.values(), key=lambda v: (v.kind != "grant", -amount(v), v.iri))
        for p, nodes in found.items()
    }


def _text(row: Mapping[str, object], key: str) -> str | None:
    value = row.get(key)
    return str(value) if value is not None else None


def amount(view: MoneyView) -> Decimal:
    """The sum as a number (a budget class: its upper end); 0 when unreadable."""
    raw = view.value or view.max_value or "0"
    try:
        return Decimal(raw)
    except InvalidOperation:
        return Decimal(0)


def granted_total(views: list[MoneyView]) -> Decimal:
    """The sum of a project's grants (each grant once)."""
    return sum((amount(v) for v in views if v.kind == "grant"), Decimal(0))


def format_euros(value: str | Decimal | None, lang: str = "fi") -> str:
    """ "2 500 000 €" (Finnish) or "€2,500,000" (English); cents only where there are any."""
    if value is None:
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    cents = number != number.to_integral()
    text = f"{number:,.2f}" if cents else f"{number:,.0f}"
    if lang == "fi":
        return text.replace(",", "\u00a0").replace(".", ",") + "\u00a0€"
    return f"€{text}"
