"""The vector transform (truncate -> normalize -> quantize) and its checks: pure, no node."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from babelsearch.config import DenseConfig
from babelsearch.errors import ConfigError
from babelsearch.types import EncoderInfo
from babelsearch.vectors import VectorForm, vector_form

INFO = EncoderInfo("use", "m", 512, "cosine", True, None, False)


def _unit(n: int, dim: int = 512, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_defaults_are_the_identity_and_pass_vectors_through() -> None:
    form = vector_form(INFO, DenseConfig())
    assert form == VectorForm(512, 512, "float", False) and form.identity
    v = _unit(3)
    assert np.array_equal(form.apply(v), v)
    assert form.bytes_per_vector == 2048 and form.values_per_vector == 512


def test_truncation_keeps_the_first_dimensions_and_renormalizes() -> None:
    form = vector_form(INFO, DenseConfig(dimensions=128))
    assert (form.dimension, form.normalize, form.identity) == (128, True, False)
    v = _unit(4)
    out = form.apply(v)
    assert out.shape == (4, 128) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out, v[:, :128] / np.linalg.norm(v[:, :128], axis=1, keepdims=True))
    assert "128 of 512 dims" in form.describe()


def test_no_renormalization_for_an_encoder_that_does_not_normalize() -> None:
    raw = dataclasses.replace(INFO, normalized=False, similarity="l2")
    form = vector_form(raw, DenseConfig(dimensions=64))
    v = _unit(2) * 3
    assert not form.normalize
    np.testing.assert_allclose(form.apply(v), v[:, :64])


def test_byte_scales_each_vector_by_its_largest_component_and_keeps_cosine() -> None:
    form = vector_form(INFO, DenseConfig(data_type="byte"))
    v = _unit(50)
    q = form.apply(v)
    assert q.dtype == np.int8 and q.shape == (50, 512)
    assert np.all(np.max(np.abs(q.astype(int)), axis=1) == 127)
    # cosine between quantized vectors stays within 0.01 of the float cosine
    pairs = _cos(q[:-1], q[1:]) - _cos(v[:-1], v[1:])
    assert np.max(np.abs(pairs)) < 0.01
    assert form.bytes_per_vector == 512


def test_byte_query_vector_is_plain_integers_like_the_documents() -> None:
    form = vector_form(INFO, DenseConfig(dimensions=256, data_type="byte"))
    v = _unit(1)[0]
    sent = form.query_vector(v.tolist())
    assert len(sent) == 256 and all(type(x) is int for x in sent)
    assert sent == form.apply_one(v).tolist()


def test_binary_packs_one_sign_bit_per_dimension_into_signed_bytes() -> None:
    form = vector_form(INFO, DenseConfig(data_type="binary"))
    v = _unit(3)
    b = form.apply(v)
    assert b.dtype == np.int8 and b.shape == (3, 64)
    bits = np.unpackbits(b.view(np.uint8), axis=1)
    assert np.array_equal(bits.astype(bool), v > 0)
    assert form.values_per_vector == 64 and form.bytes_per_vector == 64
    assert form.dimension == 512  # the mapping's dimension counts bits
    # hamming distance is the number of sign disagreements
    ham = int(np.unpackbits((b[0] ^ b[1]).view(np.uint8)).sum())
    assert ham == int(np.sum((v[0] > 0) != (v[1] > 0)))


def test_float_query_vector_is_rounded_plain_floats() -> None:
    form = vector_form(INFO, DenseConfig(dimensions=8))
    sent = form.query_vector(_unit(1)[0])
    assert len(sent) == 8 and all(type(x) is float for x in sent)


def test_apply_refuses_vectors_of_another_dimension() -> None:
    with pytest.raises(ValueError, match=r"\(n, 512\)"):
        vector_form(INFO, DenseConfig(dimensions=8)).apply(np.ones((2, 100)))


@pytest.mark.parametrize(
    ("info", "dense", "message"),
    [
        (INFO, DenseConfig(dimensions=1024), r"dense\.dimensions: 1024 is more than .* 512"),
        (INFO, DenseConfig(data_type="binary", dimensions=100), r"multiple of 8, got 100"),
        (
            dataclasses.replace(INFO, dimension=100),
            DenseConfig(data_type="binary"),
            r"dense\.data_type: 'binary' needs a dimension that is a multiple of 8, got 100",
        ),
        (
            dataclasses.replace(INFO, similarity="dot"),
            DenseConfig(data_type="byte"),
            r"dense\.data_type: 'byte' needs a cosine encoder",
        ),
        (
            dataclasses.replace(INFO, similarity="l2", normalized=False),
            DenseConfig(data_type="binary"),
            r"dense\.data_type: 'binary' .* not normalized",
        ),
    ],
)
def test_what_needs_the_encoder_is_refused_at_plan_time(
    info: EncoderInfo, dense: DenseConfig, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        vector_form(info, dense)
