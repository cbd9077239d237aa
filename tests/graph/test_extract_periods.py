"""The project's period: regression tests for periods that belong to other projects,
on fixture text written for the purpose."""

from __future__ import annotations

from graph.extract import Extractor
from graph.iris import Iris
from graph.load.loader import load_bytes
from graph.vocab import SCHEMA


def years(extractor: Extractor, iris: Iris, text: str) -> tuple[set[str], set[str]]:
    doc = load_bytes(text.encode("utf-8"), name="t.txt", max_bytes=1_000_000)
    x = extractor.extract(doc, iris.document(doc.sha256))
    subjects = set(x.project_iris)
    start = {
        str(f.object)[:4]
        for f in x.facts
        if f.subject in subjects and f.predicate == SCHEMA.startDate
    }
    end = {
        str(f.object)[:4]
        for f in x.facts
        if f.subject in subjects and f.predicate == SCHEMA.endDate
    }
    return start, end


def test_periods_of_listed_projects_are_not_the_page_period(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "Päättyneet projektit\n\nLiiton projektit 1995–2020\n\n"
        "Liitossa on tehty monia kehittämisprojekteja, joista on jäänyt pysyviä työmuotoja.\n\n"
        "2014-2016 Kotiapu-hanke\n\nKotiapu-hanke (2014-2016) tuki omaishoitajia Porissa.\n\n"
        "2017-2020 Arjen ääni -hanke\n\nArjen ääni -hankkeessa (2017–2020) kehitettiin "
        "vertaistukea.\n\n2010-2012 Ovi-valmennushanke\n\nOvi-valmennushankkeessa (2010–2012) "
        "luotiin valmennus.\n"
    )
    assert years(extractor, iris, text) == (set(), set())


def test_other_programmes_periods_are_not_the_project_period(
    extractor: Extractor, iris: Iris
) -> None:
    text = (
        "Housing Now\n\nThe Housing Now project supports tenants in Tampere. It builds on the "
        "KOTI programmes (2005-2010) and on the national ASU programme (2011-2014)."
    )
    start, end = years(extractor, iris, text)
    assert "2005" not in start and "2014" not in end


def test_own_project_period_in_parentheses_is_kept(extractor: Extractor, iris: Iris) -> None:
    text = "Kotiapu\n\nKotiapu-hanke (2014–2016) tuki omaishoitajia Porissa.\n"
    assert years(extractor, iris, text) == ({"2014"}, {"2016"})


def test_start_verb_after_the_date(extractor: Extractor, iris: Iris) -> None:
    fi = (
        "Kotona paremmin\n\nKotona paremmin -hanke kehittää kotihoitoa. Syksyllä 2014 "
        "käynnistyi hankkeen ensimmäinen vaihe Oulussa."
    )
    assert years(extractor, iris, fi)[0] == {"2014"}
    en = (
        "Youth Desk\n\nThe Youth Desk project guides young people. Early in 2016, the first "
        "pilots of the project got under way in Lahti."
    )
    assert years(extractor, iris, en)[0] == {"2016"}
