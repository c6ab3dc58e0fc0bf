"""The contract every encoder passes: use (real weights), bge-m3 and st (tiny models).

``use`` runs in the unit tier; bge-m3 and sentence-transformers need torch and run in
the ``extras`` tier (their parameters carry the marker).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from babelsearch.config import EncoderConfig
from babelsearch.encoders import (
    CachedEncoder,
    EmbeddingCache,
    Encoded,
    Encoder,
    build_encoder,
    describe_encoder,
    get_encoder,
)
from babelsearch.errors import EncoderError

from .tiny_models import encoder_config

KINDS = [
    "use",
    pytest.param("bge-m3", marks=pytest.mark.extras),
    pytest.param("sentence-transformers", marks=pytest.mark.extras),
]

TEXTS = [
    "A fairly long sentence about the river that floods the valley every single spring.",
    "hi",
    "Die Katze schläft auf der warmen Fensterbank.",
    "猫在温暖的窗台上睡觉。",
    "¿Quién inventó el teléfono?",
    "Кошка спит.",
    "x",
]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def cfg(kind: str, request: pytest.FixtureRequest) -> EncoderConfig:
    return encoder_config(kind, request)


@pytest.fixture
def encoder(cfg: EncoderConfig) -> Encoder:
    return get_encoder(cfg)


def _check(enc: Encoded, n: int, dim: int) -> None:
    assert isinstance(enc.dense, np.ndarray)
    assert enc.dense.dtype == np.float32
    assert enc.dense.shape == (n, dim)
    assert len(enc) == n
    assert np.all(np.isfinite(enc.dense))


def test_implements_protocol(encoder: Encoder) -> None:
    assert isinstance(encoder, Encoder)


def test_describe_equals_loaded_info(cfg: EncoderConfig, encoder: Encoder) -> None:
    encoder.encode_documents(["load the weights"])
    assert describe_encoder(cfg) == encoder.info
    assert encoder.info.fingerprint["dimension"] == encoder.info.dimension


@pytest.mark.parametrize("side", ["documents", "queries"])
def test_shapes_dtype_dimension(encoder: Encoder, side: str) -> None:
    fn = encoder.encode_documents if side == "documents" else encoder.encode_queries
    out = fn(TEXTS)
    _check(out, len(TEXTS), encoder.info.dimension)


def test_order_preserved_for_unsorted_lengths(cfg: EncoderConfig) -> None:
    enc = build_encoder(cfg)  # uncached: the batch path itself must restore order
    together = enc.encode_documents(TEXTS).dense
    one_by_one = np.stack([enc.encode_documents([t]).dense[0] for t in TEXTS])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)
    # and the rows really differ, so a permutation would have been caught
    assert not np.allclose(together[0], together[1], atol=1e-3)


def test_deterministic(cfg: EncoderConfig) -> None:
    a = build_encoder(cfg).encode_queries(TEXTS)
    b = build_encoder(cfg).encode_queries(TEXTS)
    np.testing.assert_allclose(a.dense, b.dense, atol=1e-6)
    assert a.sparse == b.sparse


def test_normalized_when_declared(encoder: Encoder) -> None:
    out = encoder.encode_documents(TEXTS)
    norms = np.linalg.norm(out.dense, axis=1)
    if encoder.info.normalized:
        np.testing.assert_allclose(norms, 1.0, atol=1e-4)
    else:
        assert np.all(norms > 0)


def test_empty_input(encoder: Encoder) -> None:
    for fn in (encoder.encode_documents, encoder.encode_queries):
        out = fn([])
        assert out.dense.shape == (0, encoder.info.dimension)
        assert out.dense.dtype == np.float32
        assert out.sparse == ([] if encoder.info.sparse else None)


def test_sparse_weights_are_positive_str_float(encoder: Encoder, cfg: EncoderConfig) -> None:
    out = encoder.encode_documents(TEXTS)
    if not encoder.info.sparse:
        assert out.sparse is None
        return
    assert out.sparse is not None and len(out.sparse) == len(TEXTS)
    assert any(out.sparse), "a sparse encoder gave no weights at all"
    for weights in out.sparse:
        assert len(weights) <= cfg.sparse_top_k
        for token, w in weights.items():
            assert type(token) is str and token.strip() == token and token
            assert "." not in token
            assert type(w) is float and w > 0 and np.isfinite(w)


def test_non_str_input_is_an_encoder_error(encoder: Encoder) -> None:
    with pytest.raises(EncoderError):
        encoder.encode_documents(["ok", 3])  # type: ignore[list-item]


class CountingEncoder:
    """A real encoder that records how many texts reached it."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.calls: list[int] = []

    @property
    def info(self):  # type: ignore[no-untyped-def]
        return self.inner.info

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        self.calls.append(len(texts))
        return self.inner.encode_documents(texts)

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        self.calls.append(len(texts))
        return self.inner.encode_queries(texts)


def test_cache_hit_avoids_recomputation(cfg: EncoderConfig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    counting = CountingEncoder(build_encoder(cfg))
    cached = CachedEncoder(counting, EmbeddingCache(path=tmp_path / "emb.sqlite3"))
    first = cached.encode_documents(TEXTS)
    assert counting.calls == [len(TEXTS)]
    again = cached.encode_documents([*reversed(TEXTS), "new text here"])
    assert counting.calls == [len(TEXTS), 1]  # only the unseen text was encoded
    np.testing.assert_array_equal(again.dense[: len(TEXTS)], first.dense[::-1])
    if cached.info.sparse:
        assert again.sparse is not None and first.sparse is not None
        assert again.sparse[0] == first.sparse[-1]
    # queries are a different side: not served from the document entries
    cached.encode_queries(TEXTS[:1])
    assert counting.calls[-1] == 1
    cached.close()
    # a new process (fresh memory) reuses the sqlite file
    counting2 = CountingEncoder(build_encoder(cfg))
    cached2 = CachedEncoder(counting2, EmbeddingCache(path=tmp_path / "emb.sqlite3"))
    reread = cached2.encode_documents(TEXTS)
    assert counting2.calls == []
    np.testing.assert_array_equal(reread.dense, first.dense)
    cached2.close()
