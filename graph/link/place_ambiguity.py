"""Whether a one-word place match in a text is really the place.

Many Finnish place names are also common words ("Salo" is a backwoods, "Pello"
a field, "Lahti" a bay) or first names and surnames ("Kaarina Virtanen",
"Matti Kokkola"), and a place in the genitive before an organisation head names
the organisation ("Lapin korkeakoulukonsernin"). :class:`PlaceAmbiguity` reads
the words around such a match, through Voikko's analyses, and says when to
drop it. It is the linker's judgement of context, kept apart from the name
index (``graph/link/gazetteer.py``) and the matching rules (``graph/link/linker.py``).
"""

from __future__ import annotations

import re

from graph.link.gazetteer import Gazetteer, Token, fold, joined

#: Voikko classes of proper nouns.
_PROPER = frozenset({"paikannimi", "nimi", "etunimi", "sukunimi"})
#: Heads of organisation names: a place genitive before them names an
#: organisation ("Lapin korkeakoulukonserni"), not the place.
_ORG_HEADS = (
    "yliopisto",
    "korkeakoulu",
    "konserni",
    "opisto",
    "koulu",
    "lukio",
    "sairaanhoitopiiri",
    "kuntayhtymä",
    "seurakunta",
    "yhdistys",
    "liitto",
    "säätiö",
    "keskus",
    "virasto",
    "instituutti",
    "laitos",
    "sairaala",
    "klinikka",
    "toimisto",
    "osuuskunta",
    "yhteistoiminta-alue",
    "yhtymä",
    "järjestö",
    "kirjasto",
    "museo",
    "ry",
    "oy",
)
#: Words that join the items of a list of places.
_LIST_WORDS = frozenset({"ja", "sekä", "tai", "and", "or", "och", "eller"})


class PlaceAmbiguity:
    """Decides whether a one-token place match is better read as something else.

    Args:
        gazetteer: the names of places (to tell a place word) and the morphology.
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        self._gazetteer = gazetteer
        self._morph = gazetteer.morph

    def rejects(self, text: str, tokens: list[Token], i: int, strict: bool) -> bool:
        """Whether a one-token place match at ``i`` is better read as something else."""
        tok = tokens[i]
        # a place genitive before an organisation head: "Lapin korkeakoulukonsernin"
        if joined(text, tokens, i, 2) and any(
            a.get("SIJAMUOTO") == "omanto" for a in self._morph.analyses(tok.text)
        ):
            nxt = self._gazetteer.bases(tokens[i + 1].text)
            if any(b.endswith(_ORG_HEADS) for b in nxt):
                return True
        common = self._common_word(tok.text)
        if not strict:
            return common and not tok.text[:1].isupper()
        if (
            common
            and self._sentence_initial(text, tok)
            and not self._coordinated_place(text, tokens, i)
        ):
            return True
        # part of a person's name: "Kaarina Virtanen", "Matti Kokkola", "Aino
        # Kankaanpää" (a place name in the nominative after a first name that is
        # not itself a place is a surname, whether or not Voikko lists it as one)
        classes = self._classes(tok.text)
        if i > 0 and joined(text, tokens, i - 1, 2):
            prev = tokens[i - 1].text
            if (
                prev[:1].isupper()
                and "etunimi" in self._classes(prev)
                and (
                    "sukunimi" in classes
                    or (
                        self._nominative(tok.text)
                        and not self._gazetteer.place_word(prev)
                        and not self._sentence_initial(text, tokens[i - 1])
                    )
                )
            ):
                return True
        if "etunimi" in classes and joined(text, tokens, i, 2):
            after = tokens[i + 1].text
            if after[:1].isupper() and "sukunimi" in self._classes(after):
                return True
        return False

    def _common_word(self, surface: str) -> bool:
        """Whether ``surface`` also reads as a simple common word ("Salo", "Pellossa")."""
        for analysis in self._morph.analyses(fold(surface)):
            if analysis.get("CLASS") in _PROPER:
                continue
            parts = re.findall(r"\+[^+]+", analysis.get("WORDBASES", ""))
            if len(parts) <= 1:
                return True
        return False

    def _classes(self, surface: str) -> set[str]:
        """Voikko's word classes of ``surface`` ("etunimi", "paikannimi", ...)."""
        return {a.get("CLASS", "") for a in self._morph.analyses(surface)}

    def _nominative(self, surface: str) -> bool:
        """Whether ``surface`` can be read in the nominative."""
        return any(a.get("SIJAMUOTO") == "nimento" for a in self._morph.analyses(surface))

    def _coordinated_place(self, text: str, tokens: list[Token], i: int) -> bool:
        """ "Salossa ja Porissa", "Salo, Lieto": a sentence-initial name that is also
        a common word reads as a place when a place in the same case follows it in a
        list ("ja", "sekä", "and", "och" or a comma)."""
        if i + 1 >= len(tokens):
            return False
        gap = text[tokens[i].end : tokens[i + 1].start].strip()
        if gap == "" and tokens[i + 1].text in _LIST_WORDS:
            nxt = i + 2
        elif gap == ",":
            nxt = i + 1
        else:
            return False
        if nxt >= len(tokens) or not tokens[nxt].text[:1].isupper():
            return False
        if not self._gazetteer.place_word(tokens[nxt].text):
            return False
        cases = {a.get("SIJAMUOTO") for a in self._morph.analyses(tokens[i].text)}
        return bool(cases & {a.get("SIJAMUOTO") for a in self._morph.analyses(tokens[nxt].text)})

    @staticmethod
    def _sentence_initial(text: str, tok: Token) -> bool:
        """Whether ``tok`` starts a sentence (or a list item), not a value on its own line."""
        before = text[: tok.start].rstrip(" \t\u00a0")
        line_start = text.rfind("\n", 0, tok.start) + 1
        line_end = text.find("\n", tok.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if line.strip(" \t\u00a0.,;:!?()-*•") == tok.text:
            return False  # a value on its own line ("Kunta\nSalo") is a name
        return not before or before.endswith(
            ("\n", ".", "!", "?", "•", "*", "#", "|", "–", "—", "-", ">", '"', "”", "»")
        )
