"""One contract suite for every encoder, plus the encoder-mismatch guard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from api import services
from api.engine import Engine
from graph.errors import EncoderMismatch
from search.encoders import Encoder, fingerprint, get_encoder, minilm_path
from tests.conftest import SEEDS, make_settings

ENCODERS = ["e5-small-q4", f"sentence-transformers:{minilm_path()}"]


@pytest.fixture(scope="module", params=ENCODERS)
def encoder(request: pytest.FixtureRequest) -> Encoder:
    return get_encoder(request.param)


def test_vectors_are_unit_float32_of_declared_dim(encoder: Encoder) -> None:
    vectors = encoder.encode_passages(["Hanke kehitti kuntoutusta.", "Peer support."])
    assert vectors.shape == (2, encoder.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert encoder.encode_passages([]).shape == (0, encoder.dim)


def test_related_text_scores_higher_than_unrelated(encoder: Encoder) -> None:
    query = encoder.encode_queries(["rehabilitation of substance abusers"])[0]
    passages = encoder.encode_passages(
        [
            "Rehabilitation services for people with substance abuse problems.",
            "Lake restoration and fish stocks.",
        ]
    )
    assert passages[0] @ query > passages[1] @ query


def test_several_queries_in_one_call_are_each_as_encoded_alone(encoder: Encoder) -> None:
    # A search encodes its query and the match gate's topic in one call (e5 runs the
    # second text on a second model handle): the vectors must be each text's own,
    # in order, whatever the call encoded beside them.
    texts = [
        "housing needs of disabled people asumispalvelut vammaiset henkilöt",
        "kotihoito",
        "peer support for informal carers in Lapland",
    ]
    together = encoder.encode_queries(texts)
    alone = np.vstack([encoder.encode_queries([t]) for t in texts])
    assert together.shape == (3, encoder.dim)
    if encoder.name == "e5-small-q4":
        assert np.array_equal(together, alone)  # the same engine call per text
    else:
        assert np.allclose(together, alone, atol=1e-5)  # padded batches differ by rounding


def test_fingerprint_is_stable_and_distinguishes_encoders(encoder: Encoder) -> None:
    assert fingerprint(encoder) == fingerprint(encoder)
    others = {fingerprint(get_encoder(name)) for name in ENCODERS}
    assert len(others) == 2


def test_unknown_encoder_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown encoder"):
        get_encoder("word2vec")


@pytest.mark.slow
def test_querying_with_another_encoder_raises_mismatch_with_reindex_hint(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = Engine(make_settings(home))
    engine.ingest_paths([SEEDS])
    engine.close()
    other = Engine(make_settings(home, encoder=ENCODERS[1]))
    try:
        with pytest.raises(EncoderMismatch, match="hankekg reindex"):
            services.search(other, "kuntoutus")
        assert other.reindex() == 2
        hits = services.search(other, "Rovaniemi rehabilitation").results
        assert hits and hits[0].name == "Työikäisten kuntoutus (Rovaniemi)"
    finally:
        other.close()
