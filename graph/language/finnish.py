"""Finnish morphology through libvoikko: base forms and compound parts.

Everything that needs to undo Finnish inflection (the linker, theme matching,
the lexical index, query understanding) goes through :class:`Morphology`, so
that ingest and queries analyse words the same way.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import libvoikko

#: "SOSTE:n", "RAY:n", "TEM:ssä": an acronym with a colon-separated ending.
_COLON_SUFFIX = re.compile(r"^(?P<stem>[^:]+):[a-zäöå]{1,5}$")
#: Voikko WORDBASES look like "+korva(korvata)+us(+us)+hoito(hoito)".
_WORDBASE = re.compile(r"\+([^+(]+)(?:\(([^)]*)\))?")


class Morphology:
    """A thread-safe, memoising wrapper around one Voikko instance."""

    def __init__(self) -> None:
        self._voikko = libvoikko.Voikko("fi")
        # libvoikko handles are not safe to share between threads.
        self._lock = threading.Lock()
        self._analyse = lru_cache(maxsize=200_000)(self._analyse_uncached)

    def _analyse_uncached(self, word: str) -> tuple[dict[str, str], ...]:
        with self._lock:
            return tuple(dict(a) for a in self._voikko.analyze(word))

    def analyses(self, word: str) -> tuple[dict[str, str], ...]:
        """All Voikko analyses of ``word`` (empty when Voikko does not know it)."""
        return self._analyse(word)

    def known(self, word: str) -> bool:
        """Whether Voikko recognises ``word``."""
        return bool(self._analyse(word))

    def baseforms(self, word: str) -> list[str]:
        """Distinct base forms of ``word``, most likely first.

        Handles what Voikko alone does not: an acronym with a colon ending
        ("SOSTE:n" -> "SOSTE") and a hyphenated name whose head is inflected
        ("Savotta-hankkeessa" -> "Savotta-hanke"). Unknown words come back
        unchanged.
        """
        match = _COLON_SUFFIX.match(word)
        if match:
            return [match.group("stem")]
        forms: list[str] = []
        for analysis in self._analyse(word):
            base = analysis.get("BASEFORM")
            if base and base not in forms:
                forms.append(base)
        if not forms and "-" in word.strip("-"):
            head, _, tail = word.rpartition("-")
            tails = self.baseforms(tail)
            if tails and tails != [tail]:
                forms = [f"{head}-{t}" for t in tails]
        return forms or [word]

    def baseform(self, word: str) -> str:
        """The most likely base form of ``word``, keeping an initial capital."""
        base = self.baseforms(word)[0]
        if word[:1].isupper() and base[:1].islower():
            base = base[:1].upper() + base[1:]
        return base

    def compound_parts(self, word: str) -> list[str]:
        """Base forms of the parts of a compound ("korvaushoitoasiakkaiden" ->
        ["korvaushoito", "hoito", "asiakas"]); empty for a simple word.

        Derivational pieces (``+us``) are glued back onto their part so that
        "korvaus" stays a word. Adjacent parts are also joined pairwise, which
        gives "korvaushoito" as well as "hoito".
        """
        analyses = self._analyse(word)
        if not analyses:
            return []
        bases = analyses[0].get("WORDBASES") or ""
        pieces: list[str] = []
        for surface, base in _WORDBASE.findall(bases):
            if surface == "-":
                continue
            if base.startswith("+") or not base:
                # a derivational suffix: attach to the previous part
                if pieces:
                    pieces[-1] += surface
                else:
                    pieces.append(surface)
            else:
                pieces.append(surface)
        if len(pieces) < 2:
            return []
        last_base = analyses[0].get("BASEFORM", "")
        # The base form keeps hyphens ("Etelä-Pohjanmaa") that the pieces do not.
        joined = last_base.replace("-", "")
        head_len = sum(len(p) for p in pieces[:-1])
        last = joined[head_len:] if len(joined) > head_len else pieces[-1]
        parts = [*pieces[:-1], last]
        out: list[str] = []
        for i in range(len(parts) - 1):
            pair = (parts[i] + parts[i + 1]).lower()
            if pair != last_base.lower():
                out.append(pair)
        out.extend(p.lower() for p in parts if len(p) > 2)
        return [p for p in dict.fromkeys(out) if p != last_base.lower()]


@lru_cache(maxsize=1)
def morphology() -> Morphology:
    """The process-wide :class:`Morphology` (Voikko loads its dictionary once)."""
    return Morphology()
