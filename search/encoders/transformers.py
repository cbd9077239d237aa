"""Any sentence-transformers model, by hub id or local path, on CPU or GPU.

Models whose name says e5 get the "query: " / "passage: " prefixes they were
trained with; others get the raw text.
"""

from __future__ import annotations

import threading

import numpy as np

from search.encoders.base import normalise


class SentenceTransformerEncoder:
    """A ``sentence-transformers`` model."""

    def __init__(self, model: str, device: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers:{model}"
        self._model = SentenceTransformer(model, device=device)
        getter = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:
            raise ValueError(f"cannot tell the embedding size of {model}")
        self.dim = int(dim)
        self._e5 = "e5" in model.lower()
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._e5:
            texts = [prefix + t for t in texts]
        with self._lock:
            vectors = self._model.encode(texts, batch_size=32, normalize_embeddings=True)
        return normalise(np.asarray(vectors))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode queries."""
        return self._encode(list(texts), "query: ")

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Encode passages."""
        return self._encode(list(texts), "passage: ")
