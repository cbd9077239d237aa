"""Where fitted match rules live: one JSON file per encoder fingerprint.

``hankekg calibrate`` writes ``<home>/calibration/<fingerprint>.json``; the
repository ships the fit for the default encoder in ``search/calibrations/``, so
a fresh install answers with a fitted rule. A home's own calibration wins over
the shipped one. An encoder that neither has is warned about once and gets the
conservative rule (:data:`search.matching.CONSERVATIVE`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.matching import CONSERVATIVE, MatchRule

logger = logging.getLogger(__name__)

#: Calibrations shipped with the code.
SHIPPED = Path(__file__).resolve().parent / "calibrations"


@dataclass(frozen=True)
class Calibration:
    """A fitted rule and where it came from."""

    rule: MatchRule
    source: str
    """``home``, ``shipped`` or ``default`` (no calibration for this encoder)."""
    fingerprint: str


def path_for(directory: Path, fingerprint: str) -> Path:
    """The file holding the calibration of ``fingerprint`` in ``directory``."""
    return directory / f"{fingerprint}.json"


def save(directory: Path, fingerprint: str, rule: MatchRule, meta: dict[str, Any]) -> Path:
    """Write ``rule`` for ``fingerprint`` with what it was fitted on; returns the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = path_for(directory, fingerprint)
    body = {"fingerprint": fingerprint, "rule": rule.as_dict(), **meta}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load(fingerprint: str, home: Path | None = None, shipped: Path = SHIPPED) -> Calibration:
    """The calibration for ``fingerprint``: the home's, else the shipped one, else the
    conservative default (with a warning)."""
    places = [("home", home / "calibration")] if home is not None else []
    for source, directory in [*places, ("shipped", shipped)]:
        path = path_for(directory, fingerprint)
        if path.is_file():
            raw = json.loads(path.read_text(encoding="utf-8"))
            return Calibration(MatchRule.from_dict(raw["rule"]), source, fingerprint)
    logger.warning(
        "no match calibration for encoder fingerprint %s: using a conservative rule "
        "(answers hold more weak matches); run `hankekg calibrate --queries FILE`",
        fingerprint,
    )
    return Calibration(CONSERVATIVE, "default", fingerprint)
