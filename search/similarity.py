"""``hkf:similarity(?x, "text")``: vector similarity inside SPARQL.

The function returns the cosine between the text's query embedding and the
centroid embedding of a project (or of a document without a project), as an
``xsd:double``; unknown subjects give an unbound value. It lets one query mix
semantic similarity with any graph pattern::

    PREFIX hkf: <https://w3id.org/hankekg/function#>
    SELECT ?p ?score WHERE {
      ?p a hk:Project ; schema:areaServed/schema:containedInPlace ?r .
      ?r schema:name "Lappi" .
      BIND(hkf:similarity(?p, "work ability assessment") AS ?score)
    } ORDER BY DESC(?score)

The engine registers it for in-process queries; SPARQL workers (which run in
their own processes) build their own from the committed index snapshot, once
per snapshot and only for queries that call the function.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rdflib import Literal, URIRef

from graph.vocab import HKF, XSD

FUNCTION = str(HKF.similarity)


class Similarity:
    """The custom function, over rdflib terms (the store adapts it to its engine)."""

    def __init__(
        self, centroids: Callable[[], Mapping[str, np.ndarray]], encode: Callable[[str], np.ndarray]
    ) -> None:
        self._centroids = centroids
        self._encode = lru_cache(maxsize=256)(encode)

    def __call__(self, subject: Any, text: Any) -> Literal | None:
        """Cosine of ``subject``'s centroid and ``text``'s embedding."""
        if not isinstance(subject, URIRef) or not isinstance(text, Literal):
            return None
        vector = self._centroids().get(str(subject))
        if vector is None:
            return None
        score = float(np.dot(vector, self._encode(str(text))))
        return Literal(f"{score:.6f}", datatype=XSD.double)


def uses_similarity(query: str) -> bool:
    """Whether a query may call the function (cheap test before loading anything)."""
    return "similarity" in query


def write_centroids(path: Path, keys: Sequence[str], matrix: np.ndarray) -> None:
    """Write centroids for :func:`from_snapshot` (to a temporary file, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        np.savez(out, keys=np.array(keys, dtype=np.str_), matrix=matrix)
    os.replace(tmp, path)


@lru_cache(maxsize=2)
def from_snapshot(source: str, encoder: str) -> Similarity:
    """The function for a SPARQL worker process, over a committed local snapshot
    (a directory) or the centroids file of another engine's version (``.npz``)."""
    from search.encoders import get_encoder
    from search.index import Snapshot

    model = get_encoder(encoder)
    if source.endswith(".npz"):
        with np.load(source, allow_pickle=False) as data:
            table = {str(k): row for k, row in zip(data["keys"], data["matrix"], strict=True)}
        return Similarity(lambda: table, lambda t: model.encode_queries([t])[0])
    snapshot = Snapshot.read(Path(source))  # verified against its checksums
    return Similarity(snapshot.centroids, lambda t: model.encode_queries([t])[0])
