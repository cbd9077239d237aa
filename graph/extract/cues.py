"""Cue patterns: the words around a fact that say what it is.

Role cues ("rahoittama", "funded by"), project mentions ("Savotta-hankkeessa"),
publication, event and target-group cues, and the shapes of names. Every
step reads them from here so that a cue is named once."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

PROJECT_WORDS = re.compile(
    r"\b(hank\w*|projekt\w*|project\w*|kehittämis\w*|pilot\w*|ohjelm\w*|programme)", re.I
)


#: A page that describes organised work though it never says "hanke": a
#: programme or project compound ("kotouttamisohjelma"), funding of the work
#: ("rahoittamana", "kokeilun rahoitti", "funding is provided by") or a report of it
#: ("selvitys").
DESCRIBES_WORK = re.compile(
    r"\w+(ohjelm|hankk?e|projekt)\w*|\b(rahoitt\w*|rahoitettu\w*|funded by|financed by|"
    r"funding is provided|selvity\w*|evaluation report)\b",
    re.I,
)


PROJECT_SENTENCE = re.compile(
    r"\b(hank\w*|projekt\w*|project\w*|toteut\w*|kesto|vuosina|ajalla|aikavälillä|"
    r"implemented|duration|period)\b",
    re.I,
)


NAME_TOKEN = re.compile(r"^[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?$")


PERSON_IN_TEXT = re.compile(
    r"[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?(?:\s+[A-ZÅÄÖ][a-zåäöéüš]+(?:-[A-ZÅÄÖ][a-zåäöéüš]+)?){1,2}"
)


ITEM_SPLIT = re.compile(r"\s*(?:\n|;|,|\s&\s|\s+(?:ja|sekä|and|och|samt)\s+)\s*")


TRAILING_GENERIC = re.compile(
    r"\s+(edustajat|edustaja|edustajia|edustajista|edustajina|representatives?|"
    r"from\s+.*|-?organisaatiot?)$",
    re.I,
)


LEGAL_NAME = re.compile(
    r"((?:[A-ZÅÄÖ][\wåäöÅÄÖ&-]*\s+){0,4}[A-ZÅÄÖ][\wåäöÅÄÖ&-]*\s+(?:ry|r\.y\.|rf|Oy|Oyj|Ab|sr))"
    r"(?::\w+)?\b"
)


#: A share, a sum or a record code after an organisation in a field value.
TRAILING_VALUE = re.compile(
    r"(\s+\d[\d\s,.]*\s*(%|€|e\b|euroa?\b|EUR\b|prosent\w*)|\s+\(?\d{1,3}\s*%|"
    r"[\s,;]+(EURA[-\s]?(tunnus|koodi)|hankekoodi|projektikoodi|diaarinumero|tunnus|"
    r"project code|code)\b|[\s,;]+[A-Z]\d{4,}\b).*$",
    re.I | re.S,
)
LEADING_GENERIC = re.compile(r"^(the|ja|sekä|and|myös|also)\s+", re.I)


PAREN = re.compile(r"\s*\(([^)]*)\)")


#: Organisation role cues: (role, regex) applied to the text right after a
#: list of organisations ("Kelan ja STM:n rahoittama") ...
ROLE_AFTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "funder",
        re.compile(
            r"^\s*(rahoit\w*|tuella\b|tukema\w*|tuki\b|tuen\b|avustuksella|avustus\w*|"
            r"varoin\b|varoilla\b|"
            r"rahoituksella|myöntämä\w*|funds\b|funded\b|financed\b|finansier\w*|"
            r"(?:has\s+)?(?:granted|awarded)\b|"
            # "STM myönsi valtionavustusta X-hankkeelle": a grant verb in any person or
            # tense, with what is granted or to whom later in the sentence.
            r"(?:on\s+|ovat\s+)?myön(?:si|sivät|tää|tävät|tänyt|täneet)\b"
            r"(?=[^.\n]{0,160}(?:avustu|rahoitu|tuke|valtionosuu|valtionapu|hankkee|"
            r"projekti|euro|€))|"
            # "Varsinais-Suomen kuntien omavastuuosuudet": a share of the costs.
            r"omavastuuosuu\w*|omarahoitusosuu\w*|rahoitusosuu\w*|kuntaosuu\w*)",
            re.I,
        ),
    ),
    (
        "coordinator",
        re.compile(
            r"^\s*(hallinnoim\w*|hallinnoi\b|koordinoim\w*|koordinoi\b|"
            r"vetämä\w*|johtama\w*|coordinates\b|leads\b|manages\b)",
            re.I,
        ),
    ),
    (
        "implementer",
        re.compile(
            r"^\s*(toteut(?:ta|ti)\w*|genomför\w*|implements\b|implemented\b|"
            r"carries out\b|carried out\b|runs\b)",
            re.I,
        ),
    ),
    ("partner", re.compile(r"^\s*(kanssa\b|kumppanina|kumppaneina|yhteistyökumppanina)", re.I)),
)


#: ... and before it ("rahoittajana toimii STEA", "funded by Kela and STM").
ROLE_BEFORE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("steeringGroupMember", re.compile(r"(ohjausryhmä\w*|steering (group|committee))", re.I)),
    (
        "funder",
        re.compile(
            r"(rahoit\w*|(?:valtion)?avustu\w*\s+(?:on\s+)?myön\w*|myöntäjä\w*|"
            # "saa avustusta STEAlta": who the grant comes from.
            r"(?:valtion)?avustu(?:sta|kset|s)\s+(?:(?:tulee|tuli|saadaan|saatiin)\s+)?$|"
            # "Yhdistykselle myönsi ministeriö avustuksen": the verb before its subject.
            r"\bmyön(?:si|sivät)\s+$|"
            r"funded by|financed by|funding from|funder\w*|supported by|provided by|"
            r"grant(?:ed)? (?:from|by)|awarded by|finansier\w*|"
            # "received a grant of EUR 112,023 from the Ministry …"
            r"(?:grant|funding)\s+of\s+[^.;\n]{1,30}?\s+from)",
            re.I,
        ),
    ),
    (
        "coordinator",
        re.compile(
            r"(hallinnoi\w*|koordinoi\w*|päätoteuttaj\w*|hallinnoijana|vastuutaho\w*|"
            r"coordinated by|led by|managed by|coordinator|lead partner|"
            r"vetäjänä)",
            re.I,
        ),
    ),
    (
        "implementer",
        re.compile(
            r"(toteut(?:ta|ti|ja)\w*|genomförs av|implemented by|carried out by|"
            r"run by|implementers?)",
            re.I,
        ),
    ),
    (
        "partner",
        re.compile(
            r"(yhteistyö\w*|kumppan\w*|samarbet\w*|partners?|in (co-?operation|collaboration|"
            r"partnership) with|together with|mukana\w*)",
            re.I,
        ),
    ),
)


#: A funder cue that ends a line of running text whose sentence goes on in the next
#: line ("Hanketta rahoittaa\nSosiaali- ja terveysministeriö", "funded by\nKela"):
#: a verb or a passive with its agent preposition, never a bare label or heading
#: ("Rahoitus"), which may stand above a paragraph that names anyone.
WRAPPED_FUNDER_CUE = re.compile(
    r"(?:^|\s)(?:rahoitta(?:a|vat|neet|nut)|rahoitti(?:vat)?|rahoitetaan|rahoitettiin|"
    r"(?:on|ovat|oli|olivat)\s+rahoitta(?:nut|neet)|on\s+rahoitettu|rahoittajana\s+(?:on|toimii|"
    r"toimi|ovat|toimivat)|funded\s+by|financed\s+by|supported\s+by|funding\s+from|"
    r"finansier(?:as|ades|ats?)\s+av|finansierar|finansierade)[ \t]*$",
    re.I,
)


LIST_GAP = re.compile(r"^\s*\)?\s*(,|;|ja|sekä|tai|and|or|&|och|\()?\s*(the\s+)?$", re.I)


#: A project or programme named in the text: "Savotta-hankkeessa", "PaKaste2-hankkeen",
#: "Tulevaisuuden lastensuojelu -hanke", "KASTE-ohjelman".
PROJECT_MENTION = re.compile(
    r"(?P<name>[A-ZÅÄÖ0-9][\wÅÄÖåäö+&.]*?)(?P<sep>-|\s-)(?P<kind>hank(?:e|kee|ke|ket|keid)\w*|"
    r"projekt\w*|ohjelm\w*)\b"
)


#: Right after a name, a suffix that makes it the name of a work, not of an
#: organisation: "Tulevaisuuden sosiaali- ja terveyskeskus -ohjelma".
WORK_SUFFIX = re.compile(r"\s?-\s?(?:hank|projekt|ohjelm)", re.I)


PROJECT_MENTION_EN = re.compile(
    r"\b(?:the\s+)(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3})\s+(?P<kind>project|programme)\b"
)


NOT_PROJECT_NAMES = frozenset(
    "hanke hankkeen tämä kyseinen koko kehittämis eu esr esr+ stea ray sote kaste "
    "kärki kärkihanke tutkimus kehittämishanke pilotti ja tai".split()
)


PART_OF_AFTER = re.compile(r"^\s*(aikana|puitteissa|osana|alla)\b", re.I)


PART_OF_BEFORE = re.compile(r"\b(osana|osa|osaksi|part of|within|under)\s+(the\s+)?$", re.I)


PUBLICATION_CUE = re.compile(
    r"(artikkel\w*|käsikirjoitu\w*|julkais\w*|julkaisu\w*|raportti\w*|raportissa|opas\w*|"
    r"kirjoitet\w*|työnimellä|otsikolla|teoksessa|lehte\w*|lehde\w*|manuscript|article|"
    r"published|report|journal)",
    re.I,
)


ISSUE = re.compile(r"(?<![\w/.])(?P<issue>\d{1,2})\s?/\s?(?P<year>\d{4}|\d{2})(?![\w/])")


JOURNAL_NOUNS = (
    "lehti",
    "aikakauskirja",
    "aikakauslehti",
    "journal",
    "review",
    "tidskrift",
    "katsaus",
    "julkaisu",
    "sarja",
)


QUOTED = re.compile(r"[”“\"«]([^”“\"«»\n]{6,200}?)[”\"»]")


TRAINING = re.compile(
    r"\b(\w*koulutu\w*|\w*seminaar\w*|työpaj\w*|\w*tilaisuu\w*|webinaar\w*|training\w*|"
    r"seminar\w*|workshop\w*)",
    re.I,
)


PARTICIPANTS = re.compile(
    r"(?:osallistui\s+(?:yhteensä\s+|noin\s+|n\.\s*|kaikkiaan\s+)?(?P<a>\d+(?: \d{3})*)|"
    r"(?P<b>\d+(?: \d{3})*)\s+(?:osallistujaa|osanottajaa|participants|attendees)|"
    r"(?:attended by|participants:)\s+(?P<c>\d+(?: \d{3})*))",
    re.I,
)


PILOT = re.compile(r"\bpilot\w*", re.I)


START_CUE = re.compile(
    r"\b(alko\w*|alkaa|alkavat|käynnistyi\w*|käynnistettiin|käynnistyy|käynnistää|käynnisti|"
    r"aloitti\w*|aloitettiin|"
    r"started|starts|began|begins|launched)\b(?!.*\b(päätty\w*|ended|ends)\b)[^.]*$",
    re.I,
)


#: A start verb, a date, then an end verb and a date on one line.
START_AND_END = re.compile(
    r"\b(alkaa|alkoi|alkanut|käynnistyy|käynnistyi|starts?|started|began|begins)\b[^\n.]{0,40}?"
    r"\d[^\n]{0,40}?\b(ja|,|and)\s+(päättyy|päättyi|päättynyt|loppuu|ends?|ended|will end)\b"
    r"[^\n]{0,40}?\d{4}",
    re.I,
)
#: A stated length in years: "kolmivuotinen hanke", "3-vuotinen", "a three-year project".
DURATION_YEARS = re.compile(
    r"\b(?P<n>kaksi|kolmi|neli|viisi|[2-5])\s?-?vuoti(?:nen|sen|sta|sena|seksi|set|siin)\b"
    r"|\b(?P<en>two|three|four|five|[2-5])-year\b",
    re.I,
)
#: Words for the numbers :data:`DURATION_YEARS` reads.
DURATION_NUMBERS = dict(kaksi=2, kolmi=3, neli=4, viisi=5, two=2, three=3, four=4, five=5)
END_CUE = re.compile(
    r"\b(päättyi|päättyy|päättyvät|loppui|loppuu|päätettiin|ended|ends|will end|finished|"
    r"closed)\b[^.]*$",
    re.I,
)


TARGET_CUE = re.compile(
    r"(?:kohderyhmän(?:ä|ämme)\s+(?:ovat|on|olivat|oli|ovat\s+olleet)?\s*|"
    r"kohderyhm(?:ä|ät)\s+(?:ovat|on|olivat|oli)\s+|kohderyhm(?:ä|ät)\s*:\s*|"
    r"target groups?\s*(?:is|are|was|were|include[sd]?|consists? of|:)\s*)"
    r"(?P<value>[^.;\n]{3,160})",
    re.I,
)


RECEIVED = re.compile(
    r"\b(?P<adv>pitkään\s+|pitkäaikaisesti\s+)?(?P<noun>[a-zåäö]+(?:a|ä))\s+"
    r"(?P<verb>saanee?t|saaneen|saaneiden|saaneille|saaneita|saaneiksi)\b"
)


#: A line of a citation or an imprint: its places are where a publisher sits.
CITATION_LINE = re.compile(
    r"\bISBN\b|\bISSN\b|\b\d+\s*(s\.|sivua)(?!\w)|(?<!\w)s\.\s*\d|postitoimipaikka|postinumero|"
    r"painopaikka|\bpaino\b|tilaukset|julkaisija\s*:|publisher\s*:",
    re.I,
)
#: "Helsinki 2004": a publisher's imprint, not an area served.
IMPRINT = re.compile(r"^\s*,?\s*(19|20)\d\d\b")


#: Credits lines: the people named there made the document, not the project
#: ("Kansikuva: Kuvapankki / N N"); a thesis supervisor ("Ohjaaja: N N") neither.
CREDITS = re.compile(
    r"(kuva|kuvat|taitto|valokuva|kansikuva|painopaikka|photo|layout|ohjaaja|ohjaajat|"
    r"supervisor|supervisors)\s*:(\s*|[^:\n.]{0,50}\s[/,]\s*)$",
    re.I,
)


ROLE_RESPONSIBLE = re.compile(
    r"(vastuuhenkilö\w*|projektipäällik\w*|hankepäällik\w*|projektinjohtaj\w*|johtaja\w*|"
    r"project manager|project leader|principal investigator)\s*:?\s*$",
    re.I,
)


ROLE_CONTACT = re.compile(r"(yhteyshenkilö\w*|lisätietoja\w*|contact\w*)\s*:?\s*$", re.I)


#: Organisations named in passing: a publisher's imprint, credits, a cited
#: source, a source of statistics or a definition. Such a mention does not make
#: the organisation a participant of the project (a role cue elsewhere still does).
#: Text right before the mention on its line: a credits or publisher label
#: ("Taitto: X, Y Oy", "Julkaisija X"), a copyright holder ("Kirjoittaja ja X"),
#: "ISBN", or an English source phrase ("according to X").
PASSING_BEFORE = re.compile(
    r"((?:taitto|kansikuva|kansi|kuvat?|valokuvat?|kuvitus|painopaikka|paino|kustantaja|"
    r"tilaukset|layout|cover|photos?|illustrations?|printed by|published by|citation|"
    r"viittausohje|suositeltava viittaus|lähde)\s*:[^:\n]{0,90}"
    r"|(?:julkaisija|publisher)\s*:?\s*"
    r"|(?:©|\(c\)|copyright|kirjoittaja(?:t)?\s+ja|tekijä(?:t)?\s+ja)\s*"
    r"|\bISBN\b[\s\d()a-z.-]{0,30}"
    r"|\b(?:according to|as defined by|statistics (?:from|by|of)|data from|source:)"
    r"\s+(?:the\s+)?)$",
    re.I,
)
#: Text right after it: an address or imprint ("PL 30", ", Kumpulantie 1", "ISBN", "Helsinki 2008",
#: "X Oy, Hämeenlinna. 31 s."),
#: a publication series ("X:n raportteja 3/2014"), a citation year ("(STM 2014)",
#: "THL (2019)", "… laitoksen (THL 2017)"), or a cue that the organisation is a source
#: of a definition, a recommendation or statistics ("STM määrittelee", "X:n
#: määritelmässä", "X defines"), or the owner of a policy programme ("Finnish
#: Government programmes", "STM:n ohjelma").
PASSING_AFTER = re.compile(
    r"^(?::\w+|n)?\s*(?:"
    r",?\s*(?:PL|PB|P\.O\.)\s*\d|,?\s*(?:ISBN|ISSN|puh\b|puhelin|tilaukset)"
    r"|,\s*[A-ZÅÄÖ][\wåäö-]*(?:tie|katu|kuja|polku|väylä|tori|gatan|vägen)\s+\d"
    r"|,?\s*[A-ZÅÄÖ][a-zåäö]+,?\s+(?:19|20)\d\d\b(?!\s*[–-]\s*\d)"
    r"|,\s*[A-ZÅÄÖ][a-zåäö]+[.,]?\s+\d+\s*(?:s\.|sivua|pp?\.)"
    r"|(?:raportteja|selvityksiä|julkaisuja|julkaisusarja|työpapereita|tutkimuksia|"
    r"katsauksia|muistioita|reports|publications|working papers)\b"
    r"|,?\s*\(?(?:19|20)\d\d[a-z]?\s*[),;:]"
    r"|\s*\([A-ZÅÄÖ][\wÅÄÖåäö-]*,?\s+(?:19|20)\d\d[a-z]?\s*[),;:]"
    r"|(?:\w+\s+)?(?:määritelm\w*|määrittel\w*|tilasto\w*|suositu\w*|suosittel\w*|"
    r"defines|definition|statistics|figures)\b"
    r"|(?:ohjelm\w*|programmes?|programs?|policy|policies)\b"
    r")",
)
#: "THL:n mukaan", "Kelan tilastojen mukaan": after a genitive, the organisation
#: is the source of what is said ("Kela lähti mukaan" is taking part, not this).
SOURCE_AFTER_GENITIVE = re.compile(
    r"^\s+(?:(?:tilasto|tiedo|selvity|arvio|laskelm|tutkimu)\w*\s+)?mukaan\b", re.I
)
