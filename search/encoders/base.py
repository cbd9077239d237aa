"""The encoder protocol: text in, L2-normalised float32 vectors out."""

from __future__ import annotations

import hashlib
import weakref
from typing import Protocol, runtime_checkable

import numpy as np

#: Texts encoded to fingerprint an encoder: the same model gives the same vectors.
FINGERPRINT_PROBES = (
    "Hankkeessa kehitettiin kuntoutuksen palveluyhteistyötä.",
    "Peer support in substitution treatment.",
)


@runtime_checkable
class Encoder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    """Registry name, e.g. ``e5-small-q4`` or ``sentence-transformers:/path``."""
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode search queries (adds the model's query prefix if it has one)."""
        ...

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Encode passages to index (adds the model's passage prefix if it has one)."""
        ...


#: Fingerprints by encoder object: an encoder's weights do not change while it
#: lives, and every engine opened in a process asks again (a model call each).
_FINGERPRINTS: weakref.WeakKeyDictionary[Encoder, str] = weakref.WeakKeyDictionary()


def fingerprint(encoder: Encoder) -> str:
    """A short hash of the encoder's output on fixed probes, computed once per encoder object.

    Two encoders with the same name but different weights get different
    fingerprints; rounding keeps it stable across BLAS thread counts.
    """
    try:
        return _FINGERPRINTS[encoder]
    except (KeyError, TypeError):  # TypeError: an encoder that cannot be weakly referenced
        pass
    vectors = encoder.encode_passages(list(FINGERPRINT_PROBES))
    rounded = np.round(np.asarray(vectors, dtype=np.float32), 3)
    digest = hashlib.sha256(encoder.name.encode() + rounded.tobytes()).hexdigest()[:16]
    try:
        _FINGERPRINTS[encoder] = digest
    except TypeError:
        pass
    return digest


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation into a contiguous float32 array."""
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    if out.ndim == 1:
        out = out.reshape(1, -1)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms
