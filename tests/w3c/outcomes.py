"""What each W3C suite test gave (passed, failed, refused), for the printed summary."""

from __future__ import annotations

from collections import Counter

#: (part, manifest folder, outcome) of every test that ran.
OUTCOMES: list[tuple[str, str, str]] = []


def summary() -> list[str]:
    """A Markdown table of :data:`OUTCOMES`, one row per manifest and a total per part."""
    counts: Counter[tuple[str, str, str]] = Counter(OUTCOMES)
    rows = sorted({(part, folder) for part, folder, _ in OUTCOMES})
    lines = ["| part | manifest | passed | failed | refused |", "| --- | --- | --- | --- | --- |"]
    for part, folder in rows:
        cells = [str(counts[(part, folder, o)]) for o in ("passed", "failed", "refused")]
        lines.append(f"| {part} | {folder} | {' | '.join(cells)} |")
    for part in sorted({p for p, _ in rows}):
        cells = [
            str(sum(n for (p, _, o), n in counts.items() if p == part and o == outcome))
            for outcome in ("passed", "failed", "refused")
        ]
        lines.append(f"| **{part}** | all | {' | '.join(cells)} |")
    return lines
