"""What a snapshot of the embedded index records about itself, and when its segments merge.

:class:`Manifest` is the encoder identity, the next chunk id and the live documents
(``manifest.json``, with the segments and their tombstones, written by
``search/index/snapshot.py``); :class:`MergePolicy` is the rule by which a commit folds
segments together.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from search.index.base import DocumentEntry


@dataclass
class Manifest:
    """The snapshot's encoder identity, next chunk id and live documents."""

    encoder: str
    dim: int
    fingerprint: str
    next_id: int = 0
    documents: dict[str, DocumentEntry] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise to JSON (the layout before segments)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse what :meth:`to_json` wrote."""
        raw = json.loads(text)
        docs = {k: DocumentEntry(**v) for k, v in raw.pop("documents").items()}
        return cls(documents=docs, **raw)


@dataclass(frozen=True)
class MergePolicy:
    """When a commit folds segments together (the rule of ``search/index/tables.py``).

    A commit adds one small segment. When the segments after the first (the base)
    hold more than ``tail_ratio`` of the base's live chunks, or deleted chunks are
    more than ``dead_ratio`` of all stored ones, every segment is merged into a new
    base: a whole rewrite, paid once per that much change. Otherwise the newest two
    segments are merged while the older is at most ``factor`` times the newer (or
    there are more than ``max_segments``), which keeps the segments few (about
    log2 of the tail) and each chunk rewritten a few times at most.
    """

    tail_ratio: float = 1 / 16
    dead_ratio: float = 0.25
    factor: float = 2.0
    max_segments: int = 12
