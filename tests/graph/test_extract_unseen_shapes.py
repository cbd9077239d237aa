"""Shapes of text the development set does not show, each written for the purpose:
names with commas, ministries in lower case, district associations, Swedish
municipalities and cues, "between X and Y", a citation in parentheses. Each
test failed before the rule it names."""

from __future__ import annotations

from rdflib import Literal, URIRef

from graph.extract import Extractor
from graph.extract.orgnames import find_org_names
from graph.iris import Iris
from graph.language.dates import find_dates
from graph.language.finnish import morphology
from graph.link.linker import Linker
from graph.load.loader import load_bytes
from graph.model import Extraction
from graph.vocab import HK, ORG_ROLES, SCHEMA


def run(extractor: Extractor, iris: Iris, text: str) -> Extraction:
    page = f"URL: https://example.org/hanke\nTITLE: Testihanke\n\n{text}"
    doc = load_bytes(page.encode("utf-8"), name="t.txt", max_bytes=1_000_000)
    return extractor.extract(doc, iris.document(doc.sha256))


def objects(x: Extraction, predicate: URIRef) -> set[object]:
    p = x.project_iris[0]
    return {f.object for f in x.facts if f.subject == p and f.predicate == predicate}


def ends(x: Extraction, predicate: URIRef) -> set[str]:
    """The last IRI segments of the project's ``predicate`` objects ("stm", "wellbeing-8")."""
    return {str(o).rsplit("/", 1)[-1] for o in objects(x, predicate)}


def org_names(x: Extraction) -> set[str]:
    """Every organisation name the extraction states."""
    return {
        str(f.object) for f in x.facts if f.predicate == SCHEMA.name and "organisation" in f.subject
    }


def keys(linker: Linker, text: str) -> list[str]:
    return [m.link.key for m in linker.find_all(text)]


def test_a_name_with_commas_links_whole(linker: Linker) -> None:
    # The ELY centres' names hold commas; the matcher used to allow spaces only,
    # so "Hämeen" became the place and "North Ostrobothnia" the area served.
    assert keys(linker, "Vastuuviranomainen: Hämeen elinkeino-, liikenne- ja ympäristökeskus") == [
        "ely_hame"
    ]
    text = (
        "funded through the Centre for Economic Development, Transport and the "
        "Environment for North Ostrobothnia."
    )
    assert keys(linker, text) == ["ely_pohjois_pohjanmaa"]
    # A comma the name does not have still ends it.
    assert "ely_hame" not in keys(linker, "Hämeen elinkeino- liikenne, ja ympäristökeskus")


def test_ministries_link_in_lower_case(linker: Linker) -> None:
    text = "Hanketta rahoittaa sosiaali- ja terveysministeriö sekä opetus- ja kulttuuriministeriö."
    assert keys(linker, text) == ["stm", "okm"]
    # Other names keep their capitals: "kela" in lower case is not Kela.
    assert "kela" not in keys(linker, "hankkeen kela-asiat")


def test_a_capitalised_area_word_is_part_of_a_name(linker: Linker) -> None:
    assert "subregion-112" not in keys(linker, "Kuopion Seudun Mielenterveysseura ry:n hanke")
    assert "subregion-112" in keys(linker, "Toimimme Kuopion seudulla.")


def test_swedish_municipal_organisations(linker: Linker) -> None:
    found = {m.surface: m.link for m in linker.find_all("Vasa stad och Korsholms kommun")}
    assert found["Vasa stad"].label == "Vaasan kaupunki"
    assert found["Vasa stad"].label_sv == "Vasa stad"
    assert found["Korsholms kommun"].label == "Mustasaaren kunta"
    assert found["Korsholms kommun"].label_sv == "Korsholms kommun"
    names = {t[2] for t in linker.describe(found["Korsholms kommun"]) if t[1] == SCHEMA.name}
    assert Literal("Korsholms kommun", lang="sv") in names


def test_between_years_is_a_period() -> None:
    for text in ("run between 2018 and 2020.", "vuosien 2018 ja 2020 välillä"):
        (span,) = find_dates(text)
        assert (span.kind, span.begin.year, span.finish.year) == ("range", 2018, 2020), text
    # "and" alone joins two years, not a period.
    assert [s.kind for s in find_dates("in 2018 and 2020")] == ["point", "point"]


def test_org_names_found_twice_are_kept_once() -> None:
    # Found by its head noun and again by its legal form: the two used to cancel out.
    text = "Olohuone on Kuopion Seudun Mielenterveysseura ry:n hanke."
    assert [o.base for o in find_org_names(text, morphology())] == [
        "Kuopion Seudun Mielenterveysseura ry"
    ]


def test_a_lower_case_noun_before_the_legal_form() -> None:
    morph = morphology()
    text = "Ohjausryhmässä oli Eläkeliiton Etelä-Pohjanmaan piiri ry. Mukana oli Folkhälsans förbund rf."
    assert [o.base for o in find_org_names(text, morph)] == [
        "Eläkeliiton Etelä-Pohjanmaan piiri ry",
        "Folkhälsans förbund rf",
    ]
    # Not back over a head noun in lower case: "… työpajayhdistys ry" is that name's.
    text = "Markku Hassinen Valtakunnallinen työpajayhdistys ry"
    assert all("Markku" not in o.surface for o in find_org_names(text, morph))


def test_a_programme_named_after_an_institution_is_not_one(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Pirkanmaan hyvinvointialue toteuttaa Tulevaisuuden sosiaali- ja terveyskeskus "
        "-ohjelmaa vuosina 2023–2025. Valtionavustuksen myönsi sosiaali- ja terveysministeriö.",
    )
    implementers = ends(x, ORG_ROLES["implementer"])
    assert implementers == {"wellbeing-8"}
    assert ends(x, ORG_ROLES["funder"]) == {"stm"}


def test_a_citation_in_parentheses_is_named_in_passing(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Hanke toteutettiin vuosina 2019–2021 Seinäjoen kaupungin toimesta. Malli perustuu "
        "Terveyden ja hyvinvoinnin laitoksen (THL 2017) suosituksiin.",
    )
    participants = ends(x, ORG_ROLES["participant"])
    assert "thl" not in participants


def test_swedish_page_roles_and_no_person_from_a_list_of_places(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Seniorkraft är ett projekt (2021–2023) som Folkhälsans förbund rf genomför i Vasa, "
        "Korsholm och Närpes. Projektet finansieras av Social- och hälsoorganisationernas "
        "understödscentral STEA. Projektet samarbetar med Vasa stad.",
    )
    assert ends(x, ORG_ROLES["funder"]) == {"stea"}
    people = {
        str(f.object) for f in x.facts if f.predicate == SCHEMA.name and "person" in f.subject
    }
    assert not people
    partners = ends(x, ORG_ROLES["partner"])
    assert "vaasan-kaupunki" in partners


def test_a_name_with_a_spaced_hyphen_links_whole(linker: Linker) -> None:
    text = "Yhteistyötä tehtiin Keski-Uudenmaan sote -kuntayhtymän kanssa."
    assert keys(linker, text) == ["keusote"]


def test_a_bulleted_field_ends_with_its_list(extractor: Extractor, iris: Iris) -> None:
    # The lines after the list used to be read as more partners, persons included.
    x = run(
        extractor,
        iris,
        "Arjen kumppanit -hanke toteutettiin vuosina 2015–2017.\n"
        "Yhteistyökumppanit:\n• Hämeen ammattikorkeakoulu (HAMK)\n• Omaishoitajaliitto\n"
        "Hankkeen ohjausryhmään kuuluivat Hattulan kunnan edustajat.\n"
        "Projektikoordinaattori Riikka Salonen (riikka.salonen@example.org)\n",
    )
    partners = ends(x, ORG_ROLES["partner"])
    assert partners == {"hamk", "omaishoitajaliitto"}
    steering = ends(x, ORG_ROLES["steeringGroupMember"])
    assert steering == {"hattulan-kunta"}


def test_funded_work_is_a_project(extractor: Extractor, iris: Iris) -> None:
    # No "hanke" anywhere: a trial that someone funded ("rahoitti") is still a project.
    doc = load_bytes(
        "TITLE: Työllisyyden kuntakokeilu\n\nKuntakokeilu toteutettiin vuosina 2021–2023. "
        "Kokeilun rahoitti työ- ja elinkeinoministeriö.\n".encode(),
        name="t.txt",
        max_bytes=1_000_000,
    )
    x = extractor.extract(doc, iris.document(doc.sha256))
    assert x.project_iris
    assert ends(x, ORG_ROLES["funder"]) == {"tem"}


def test_the_research_council_is_a_known_funder(linker: Linker) -> None:
    for name in ("Academy of Finland", "Suomen Akatemian", "Research Council of Finland"):
        assert keys(linker, f"The study was funded by the {name}.") == ["aka"], name


def test_a_printer_in_an_imprint_without_a_year_is_named_in_passing(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Hanke toteutettiin vuosina 2004–2006 Lahden kaupungin toimesta. Loppuraportti. "
        "Lahden seudun ympäristöpalvelujen julkaisuja 7. Painotalo Esimerkki Oy, Lahti. 48 s.",
    )
    participants = ends(x, ORG_ROLES["participant"])
    assert participants == {"lahden-kaupunki"}


def test_a_district_of_a_known_association_is_its_own_organisation(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Hanke toteutettiin vuosina 2017–2018. Kehittäjät:\n"
        "• Mikkelin kaupunki\n• Mannerheimin Lastensuojeluliiton Etelä-Savon piiri\n",
    )
    names = org_names(x)
    assert "Mannerheimin Lastensuojeluliiton Etelä-Savon piiri" in names
    participants = ends(x, ORG_ROLES["participant"])
    assert "mll" not in participants
    # A circle is not a body: "Oulun lukupiiri" names no organisation.
    assert not find_org_names("Oulun lukupiiri kokoontuu.", morphology())


def test_english_names_with_and_inside_and_between_them() -> None:
    morph = morphology()
    cases = {
        "with the Joint Municipal Authority for North Karelia Social and Health Services": [
            "Joint Municipal Authority for North Karelia Social and Health Services"
        ],
        "by Central Ostrobothnia Social and Health Services and JAMK University of Applied "
        "Sciences": [
            "Central Ostrobothnia Social and Health Services",
            "JAMK University of Applied Sciences",
        ],
        "The City of Oulu and the University of Oulu": ["City of Oulu", "University of Oulu"],
        "evaluated by the Finnish Youth Research Network": ["Finnish Youth Research Network"],
        "In Finland the Finnish Institute for Health and Welfare said": [
            "Finnish Institute for Health and Welfare"
        ],
        "Finland stood alone in the European Union": [],
    }
    for text, names in cases.items():
        assert [o.base for o in find_org_names(text, morph)] == names, text


def test_a_stated_length_gives_the_end_year(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Omaishoitajat ry käynnistää tammikuussa 2021 kolmivuotisen Voimaa arkeen -hankkeen.",
    )
    years = {str(o) for p in (SCHEMA.startDate, SCHEMA.endDate) for o in objects(x, p)}
    assert years == {"2021", "2023"}
    # The end's evidence quotes the start and the length.
    (end,) = [f for f in x.facts if f.predicate == SCHEMA.endDate]
    assert end.evidence is not None and "kolmivuotisen" in end.evidence.quote


def test_a_person_under_a_role_label_is_no_organisation(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "The project (2018–2021) was funded by STEA.\nProject coordinator: Oskari Lehto\n",
    )
    orgs = org_names(x)
    assert "Oskari Lehto" not in orgs


def test_a_name_joined_to_its_head_by_a_spaced_hyphen() -> None:
    morph = morphology()
    cases = {
        "Tuensaaja: Koulutuskeskus Salpaus -kuntayhtymä": ["Koulutuskeskus Salpaus -kuntayhtymä"],
        "Yhteistyössä Keski-Uudenmaan sote -kuntayhtymän kanssa": [
            "Keski-Uudenmaan sote -kuntayhtymä"
        ],
        "Tulevaisuuden sosiaali- ja terveyskeskus -ohjelma": [],
    }
    for text, names in cases.items():
        assert [o.base for o in find_org_names(text, morph)] == names, text


def test_a_former_english_name_links_to_the_organisation(linker: Linker) -> None:
    text = "a project of the Finnish Association for Mental Health (MIELI Mental Health Finland)"
    assert keys(linker, text) == ["mieli", "mieli"]


def test_a_list_goes_on_past_an_aside_in_parentheses(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "The project (2016–2018) was funded by Kela (the Social Insurance Institution of "
        "Finland) and the Asylum, Migration and Integration Fund (AMIF).",
    )
    assert ends(x, ORG_ROLES["funder"]) == {
        "kela",
        "amif",
    }


def test_the_periods_of_a_project_that_is_a_pilot(extractor: Extractor, iris: Iris) -> None:
    # A pilot's period is usually another work's; not when the page's project is the pilots.
    page = (
        "URL: https://example.org/report\nTITLE: Evaluation of the Personal Budgeting Pilots\n\n"
        "Personal budgeting was piloted in 2018–2019 in five regions.\n"
    )
    doc = load_bytes(page.encode(), name="t.txt", max_bytes=1_000_000)
    x = extractor.extract(doc, iris.document(doc.sha256))
    years = {str(o) for p in (SCHEMA.startDate, SCHEMA.endDate) for o in objects(x, p)}
    assert years == {"2018", "2019"}


def test_a_start_verb_a_few_words_before_the_date(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Ohjaamo aloitti toimintansa ESR-rahoitteisena hankkeena syyskuussa 2015. "
        "Hanke päättyi vuoden 2018 lopussa.",
    )
    years = {str(o)[:4] for p in (SCHEMA.startDate, SCHEMA.endDate) for o in objects(x, p)}
    assert years == {"2015", "2018"}


def test_a_report_footer_names_its_author_and_not_a_partner(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "Yhdessä kotona -hanke (2016–2018) toteutettiin Porvoossa.\n"
        "Raportin kirjoittaja: Leena Sundström\n"
        "Muistiliitto ry, Kumpulantie 1 A, 00520 Helsinki\n",
    )
    people = ends(x, SCHEMA.author) | ends(x, HK.person)
    assert "leena-sundstrom" in people
    orgs = org_names(x)
    assert not any("Sundström" in o for o in orgs)  # the legal-form name stays on its line
    participants = ends(x, ORG_ROLES["participant"])
    assert not any("muistiliitto" in p for p in participants)  # an address, not a role


def test_a_quoted_minister_is_mentioned_not_staff(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Kaksivuotinen Mieli hyvä -hanke alkaa huhtikuussa 2020.\n"
        "– Nuorten pitää saada apua nopeammin, sanoo perhe- ja peruspalveluministeri Krista "
        "Kiuru.\nHankkeen projektipäällikkönä aloittaa psykologi Johanna Björk.\n",
    )
    staff = ends(x, HK.person)
    staff |= ends(x, HK.responsiblePerson)
    assert "krista-kiuru" not in staff
    mentioned = {str(f.object) for f in x.facts if f.predicate == SCHEMA.mentions}
    assert any(m.endswith("/krista-kiuru") for m in mentioned)


def test_coordinated_genitives_before_a_plural_municipal_head(linker: Linker) -> None:
    text = "Mukana ovat Espoon, Vantaan ja Kauniaisten kaupungit sekä Porvoo City."
    assert keys(linker, text) == [
        "espoon-kaupunki",
        "vantaan-kaupunki",
        "kauniaisten-kaupunki",
        "porvoon-kaupunki",
    ]


def test_an_english_name_with_its_known_finnish_name_in_parentheses(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "The Elder Digital project (2019–2021) was run by the Finnish Association for the Welfare of Older "
        "People (Vanhustyön keskusliitto) and the Hospital District of South Ostrobothnia.",
    )
    participants = ends(x, ORG_ROLES["participant"])
    assert "vtkl" in participants and "etela-pohjanmaan-shp" in participants
    assert not any("welfare-of-older-people" in p for p in participants)


def test_from_one_date_to_the_next_by_case_endings() -> None:
    for text, begin, finish in (
        ("toimi vuodesta 2017 vuoteen 2020 Joensuussa", 2017, 2020),
        ("tammikuusta 2016 joulukuuhun 2018", 2016, 2018),
    ):
        (span,) = find_dates(text)
        assert (span.kind, span.begin.year, span.finish.year) == ("range", begin, finish), text
    assert [s.kind for s in find_dates("vuonna 2017 Joensuussa 2020")] == ["point", "point"]


def test_a_fund_in_parentheses_in_a_funder_field(extractor: Extractor, iris: Iris) -> None:
    x = run(
        extractor,
        iris,
        "Hankkeen nimi: Kotoutujan polku\nRahoittaja: Etelä-Savon ELY-keskus (ESR)\n"
        "Toteutusaika: 1.3.2019 – 28.2.2022\n",
    )
    funders = ends(x, ORG_ROLES["funder"])
    assert funders == {"ely-etela-savo", "esr"}


def test_a_ministry_that_has_granted_funds_and_a_ministers_title(
    extractor: Extractor, iris: Iris
) -> None:
    x = run(
        extractor,
        iris,
        "The Ministry of Social Affairs and Health has granted EUR 2 million to the City of "
        'Helsinki for a joint project in 2021–2022.\n"Young people must get help quickly," '
        "says Minister of Family Affairs and Social Services Krista Kiuru.\n",
    )
    assert ends(x, ORG_ROLES["funder"]) == {"stm"}
    orgs = org_names(x)
    assert "Family Affairs and Social Services" not in orgs
    assert "krista-kiuru" not in ends(x, HK.person)


def test_a_story_page_that_opens_with_its_named_project(extractor: Extractor, iris: Iris) -> None:
    page = (
        "URL: https://example.org/uutinen\nTITLE: Kokemusasiantuntijat mukaan kehittämiseen\n\n"
        "Kokemus käyttöön -hanke (2018–2020) kouluttaa kokemusasiantuntijoita Pirkanmaalla. "
        "Hanketta hallinnoi Tampereen A-kilta ry.\n"
    )
    doc = load_bytes(page.encode(), name="t.txt", max_bytes=1_000_000)
    x = extractor.extract(doc, iris.document(doc.sha256))
    years = {str(o) for p in (SCHEMA.startDate, SCHEMA.endDate) for o in objects(x, p)}
    assert years == {"2018", "2020"}
