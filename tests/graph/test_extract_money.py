"""Grants and budgets with their amounts, on pages written for the purpose: the
number forms of Finnish and English, grant and budget cues, a budget class, a
grant list with one line per project, and programme totals that are never one
project's. The graph they make conforms to the money shapes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import URIRef

from graph.build import document_graph
from graph.extract import Extractor
from graph.extract.amounts import find_amounts, parse_number
from graph.extract.money import classify
from graph.iris import Iris
from graph.link.reference import Reference
from graph.link.reference_graph import reference_graph
from graph.load.loader import load_bytes
from graph.model import Extraction
from graph.validate import validate
from graph.vocab import HK, SCHEMA


def run(extractor: Extractor, iris: Iris, text: str, title: str = "Kasvun polku") -> Extraction:
    page = f"URL: https://example.org/hanke\nTITLE: {title}\n\n{text}"
    doc = load_bytes(page.encode("utf-8"), name="t.txt", max_bytes=1_000_000)
    return extractor.extract(doc, iris.document(doc.sha256))


def values(x: Extraction) -> dict[str, set[Decimal]]:
    """Grant and budget amounts of the main project: {"grant": {...}, "budget": {...}}."""
    p = x.project_iris[0]
    out: dict[str, set[Decimal]] = {"grant": set(), "budget": set()}
    by_subject: dict[object, list[tuple[URIRef, object]]] = {}
    for f in x.facts:
        by_subject.setdefault(f.subject, []).append((f.predicate, f.object))
    for f in x.facts:
        if f.subject != p or f.predicate not in (SCHEMA.funding, HK.budget):
            continue
        node = f.object
        if f.predicate == SCHEMA.funding:
            node = next(o for pr, o in by_subject[node] if pr == SCHEMA.amount)
        kind = "grant" if f.predicate == SCHEMA.funding else "budget"
        for pr, o in by_subject.get(node, []):
            if pr in (SCHEMA.value, SCHEMA.minValue, SCHEMA.maxValue):
                out[kind].add(Decimal(str(o)))
    return out


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("2,5 miljoonan euron valtionosuus", "fi", [Decimal("2500000")]),
        ("on 3,4 milj. euroa", "fi", [Decimal("3400000")]),
        ("yhteensä 216 349 euroa", "fi", [Decimal("216349")]),
        ("reilut 600 000 €", "fi", [Decimal("600000")]),
        ("149 996,50 €", "fi", [Decimal("149996.50")]),
        ("noin 1,2 M€", "fi", [Decimal("1200000")]),
        ("EUR 112,023", "en", [Decimal("112023")]),
        ("€1.2 million", "en", [Decimal("1200000")]),
        ("1.5 million euros", "en", [Decimal("1500000")]),
        ("100 000–500 000 euroa", "fi", [Decimal("100000"), Decimal("500000")]),
        ("1–2 miljoonaa euroa", "fi", [Decimal("1000000"), Decimal("2000000")]),
        ("hinta on 25 euroa/tunti", "fi", []),
        ("vuonna 2016 hankkeessa oli 40 asiakasta", "fi", []),
    ],
)
def test_amounts_are_read(text: str, lang: str, expected: list[Decimal]) -> None:
    found = [v for a in find_amounts(text, lang) for v in a.values]
    assert found == expected


def test_hedges_and_number_conventions() -> None:
    (a,) = find_amounts("reilut 600 000 euroa")
    assert a.approximate
    (b,) = find_amounts("yhteensä 600 000 euroa")
    assert not b.approximate  # a total is no hedge
    assert parse_number("112,023", thousands_comma=True) == Decimal("112023")
    assert parse_number("2,5", thousands_comma=False) == Decimal("2.5")
    assert parse_number("1.234,50", thousands_comma=False) == Decimal("1234.50")


def test_classify_by_cue() -> None:
    def kind(text: str, amount: str) -> str | None:
        i = text.index(amount)
        return classify(text, i, i + len(amount))

    assert kind("Kokonaisbudjetti on 3,4 miljoonaa euroa.", "3,4 miljoonaa euroa") == "budget"
    text = "Kokonaisbudjetti on 3,4 miljoonaa euroa, josta ESR-rahoitus on 600 000 euroa."
    assert kind(text, "600 000 euroa") == "grant"
    text = "STM myönsi yhteensä 14,2 miljoonaa euroa kahdeksalle hankkeelle."
    assert kind(text, "14,2 miljoonaa euroa") == "programme"
    assert kind("Vuonna 2020 avustuksiin on käytettävissä 380 miljoonaa euroa.", "380") == (
        "programme"
    )
    assert kind("The call funds 12 projects with EUR 3 million.", "EUR 3 million") == "programme"
    assert kind("Kotipalvelun hinta on 10 euroa.", "10 euroa") is None


def test_a_grant_with_its_funder_and_period(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Kasvun polku -hankkeelle on myönnetty 2,5 miljoonan euron valtionosuus vuosille "
        "2016–2018. Hanketta rahoittaa sosiaali- ja terveysministeriö.",
    )
    assert values(x) == {"grant": {Decimal("2500000")}, "budget": set()}
    grants = [f.object for f in x.facts if f.predicate == SCHEMA.funding]
    (grant,) = grants
    funders = {
        str(f.object).rsplit("/", 1)[-1]
        for f in x.facts
        if f.subject == grant and f.predicate == SCHEMA.funder
    }
    assert funders == {"stm"}
    amount = next(f.object for f in x.facts if f.subject == grant and f.predicate == SCHEMA.amount)
    period = {
        f.predicate: str(f.object)
        for f in x.facts
        if f.subject == amount and f.predicate in (SCHEMA.validFrom, SCHEMA.validThrough)
    }
    assert period == {SCHEMA.validFrom: "2016", SCHEMA.validThrough: "2018"}
    evidence = next(f.evidence for f in x.facts if f.predicate == SCHEMA.funding)
    assert evidence is not None and evidence.quote == "2,5 miljoonan euron"


def test_budget_and_grant_in_one_sentence(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Kasvun polku -hanke toimii Oulussa. Kokonaisbudjetti on 3,4 miljoonaa euroa, josta "
        "ESR-rahoitus on reilut 600 000 euroa.",
    )
    assert values(x) == {"grant": {Decimal("600000")}, "budget": {Decimal("3400000")}}


def test_a_budget_class_on_its_own_lines(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Kasvun polku -hanke\n\nBudjettiluokka\n\n100 000–500 000 euroa\n\nRahoittaja\n\nSTEA\n",
    )
    assert values(x) == {"grant": set(), "budget": {Decimal("100000"), Decimal("500000")}}


def test_a_programme_total_is_never_the_projects(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Sosiaali- ja terveysministeriö myönsi yhteensä 14,2 miljoonaa euroa kahdeksalle "
        "hankkeelle. Yksi niistä on Kasvun polku -hanke Oulussa.",
    )
    assert values(x) == {"grant": set(), "budget": set()}


def test_a_grant_list_gives_each_project_its_line(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Kasvun polku -hanke toimii Oulussa.\n\nMyönnetyt avustukset:\n"
        "Kasvun polku -hanke, Oulu: 216 349 €\nKotiväylä-hanke, Kuopio: 98 000 €\n",
    )
    assert values(x) == {"grant": {Decimal("216349")}, "budget": set()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a list without "-hanke": only the project's own line
        (
            "Kasvun polku -hanke toimii Oulussa.\n\nMyönnetyt avustukset 2021:\n"
            "Kasvun polku 120 000 €\nTyöpolku 80 000 €\nKotiväylä 60 000 €\n",
            {"grant": {Decimal("120000")}, "budget": set()},
        ),
        # a year per line: every line is the project's
        (
            "Kasvun polku -hanke toimii Oulussa.\nAvustukset vuosittain:\n"
            "2020: 100 000 €\n2021: 120 000 €\n",
            {"grant": {Decimal("100000"), Decimal("120000")}, "budget": set()},
        ),
        # a cost breakdown: its total is the budget, its items are not
        (
            "Kasvun polku -hanke toimii Oulussa.\nKustannusarvio:\nHenkilöstökulut 120 000 €\n"
            "Matkakulut 5 000 €\nYhteensä 125 000 €\n",
            {"grant": set(), "budget": {Decimal("125000")}},
        ),
        # a programme's budget beside the project's
        (
            "Kasvun polku -hankkeen kokonaisbudjetti on 2 100 000 euroa. Hanke on osa "
            "ohjelmaa, jonka kokonaisbudjetti on 40 miljoonaa euroa.",
            {"grant": set(), "budget": {Decimal("2100000")}},
        ),
        # "sai": what the project received out of a programme's total
        (
            "Kasvun polku -hanke toimii Oulussa. Ministeriö myönsi yhteensä 5 miljoonaa euroa "
            "12 hankkeelle. Kasvun polku sai tästä 400 000 euroa.",
            {"grant": {Decimal("400000")}, "budget": set()},
        ),
    ],
)
def test_lists_and_programmes(
    extractor: Extractor, iris: Iris, text: str, expected: dict[str, set[Decimal]]
) -> None:
    assert values(run(extractor, iris, text)) == expected


def test_an_amount_never_reads_across_a_line_break() -> None:
    spans = find_amounts("Avustukset:\n2020: 100 000 €\n2021: 120 000 €")
    assert [a.value for a in spans] == [Decimal("100000"), Decimal("120000")]


def test_an_english_grant(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "The Pathway project received a grant of EUR 112,023 from the Ministry of Social "
        "Affairs and Health.",
        title="Pathway",
    )
    assert values(x)["grant"] == {Decimal("112023")}
    (grant,) = [f.object for f in x.facts if f.predicate == SCHEMA.funding]
    assert any(
        f.subject == grant and f.predicate == SCHEMA.funder and str(f.object).endswith("/stm")
        for f in x.facts
    )


def test_prices_are_no_money_of_the_project(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Kasvun polku -hanke toimii Oulussa. Palveluseteli on arvoltaan 25 euroa/tunti ja "
        "kotipalvelun hinta on 10 euroa.",
    )
    assert values(x) == {"grant": set(), "budget": set()}


def test_money_conforms_to_its_shapes(
    extractor: Extractor, iris: Iris, reference: Reference
) -> None:
    x = run(
        extractor,
        iris,
        "Kasvun polku -hankkeelle on myönnetty noin 2,5 miljoonan euron valtionosuus vuosille "
        "2016–2018. Hanketta rahoittaa sosiaali- ja terveysministeriö. Budjettiluokka on "
        "100 000–500 000 euroa.",
    )
    report = validate(reference_graph(reference, iris) + document_graph(x))
    assert report.conforms, report.violations
    grant_types = {f.object for f in x.facts if f.predicate.endswith("type")}
    assert SCHEMA.MonetaryGrant in grant_types and SCHEMA.MonetaryAmount in grant_types


def test_amounts_far_into_a_long_text_keep_their_offsets() -> None:
    filler = "Hanke kehittää palveluja ja tukee perheitä. " * 5000
    text = filler + "Kokonaisbudjetti on 3,4 miljoonaa euroa."
    (a,) = find_amounts(text)
    assert text[a.start : a.end] == "3,4 miljoonaa euroa" and a.value == Decimal("3400000")
