"""The one home of the vector transform: encoder vector -> truncate -> normalize -> quantize.

Why one home: the stored vectors and the query vector must go through exactly the same
steps, or the index answers a different question than the one asked. Ingest
(:func:`babelsearch.ingest.actions.prepare_vector`), the migration copy and the dense
query clause (:func:`babelsearch.query.dense.knn_query`) all call :class:`VectorForm`;
the mapping takes its ``dimension`` and ``data_type`` from it
(:func:`babelsearch.schema.fields.knn_vector_field`), so the truncated dimension is
stated once, in ``dense.dimensions``.

The steps, each optional:

* **truncate** (``dense.dimensions``): keep the first N components. Only
  Matryoshka-trained models keep most of their quality this way; any other model
  loses what the cut components carried (measured in ``benchmarks/quantization.py``).
* **normalize**: re-scale to unit length when the encoder promises unit vectors
  (``EncoderInfo.normalized``), so ``dot`` still ranks like cosine after the cut.
* **quantize** (``dense.data_type``): ``byte`` rounds each vector to int8 scaled by its
  own largest component (exact for cosine up to rounding, which is why byte needs a
  cosine encoder); ``binary`` keeps one sign bit per component, packed eight to a
  byte (``hamming`` space, dimension a multiple of 8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from .errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from .config_model import DenseConfig
    from .types import EncoderInfo

__all__ = ["DataType", "VectorForm", "json_floats", "vector_form"]

DataType = Literal["float", "byte", "binary"]

_BYTE_MAX = 127
"""int8 range used: symmetric [-127, 127], so a vector and its negation quantize alike."""
JSON_DECIMALS = 7
"""Decimals of a float vector in a request body (cosine error < 1e-6)."""


def json_floats(vector: npt.ArrayLike) -> list[float]:
    """Plain floats of at most :data:`JSON_DECIMALS` decimals, the short form a request
    body carries. Rounded in float64: a rounded float32 still prints as its 17-digit
    float64 value (``-0.051618099212646484`` for ``-0.0516181``), a third more bytes."""
    out: list[float] = np.round(np.asarray(vector, dtype=np.float64), JSON_DECIMALS).tolist()
    return out


@dataclass(frozen=True)
class VectorForm:
    """How an encoder's vectors become the stored ``knn_vector`` (pure, cheap to build).

    ``dimension`` is the mapping's dimension: components for ``float``/``byte``, bits
    for ``binary`` (whose vectors travel as ``dimension / 8`` signed bytes).
    """

    source_dimension: int
    dimension: int
    data_type: DataType = "float"
    normalize: bool = False

    @property
    def identity(self) -> bool:
        """Nothing to do: the encoder's vectors are stored as they come."""
        return (
            self.dimension == self.source_dimension
            and self.data_type == "float"
            and not self.normalize
        )

    @property
    def values_per_vector(self) -> int:
        """Numbers per vector on the wire and in ``_source``."""
        return self.dimension // 8 if self.data_type == "binary" else self.dimension

    @property
    def bytes_per_vector(self) -> float:
        """What the vector data costs in the k-NN structures (graph links excluded)."""
        per = {"float": 4.0, "byte": 1.0, "binary": 0.125}[self.data_type]
        return per * self.dimension

    def apply(self, vectors: npt.ArrayLike) -> npt.NDArray[np.float32] | npt.NDArray[np.int8]:
        """Rows of ``vectors`` (``(n, source_dimension)``) in the stored form.

        float32 for ``float``, int8 for ``byte`` and ``binary``. The input is assumed to
        be checked (:func:`babelsearch.ingest.actions.check_vector`): finite, non-zero.
        """
        arr = np.asarray(vectors, dtype=np.float32)
        if arr.ndim != 2 or arr.shape[1] != self.source_dimension:
            raise ValueError(
                f"expected vectors of shape (n, {self.source_dimension}), got {arr.shape}"
            )
        if self.dimension < self.source_dimension:
            arr = arr[:, : self.dimension]
        if self.normalize:
            norms = np.linalg.norm(arr, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            arr = arr / norms
        if self.data_type == "byte":
            peak = np.max(np.abs(arr), axis=1, keepdims=True)
            peak[peak == 0] = 1.0
            return np.rint(arr / peak * _BYTE_MAX).astype(np.int8)
        if self.data_type == "binary":
            return np.packbits(arr > 0, axis=1).view(np.int8)
        return np.ascontiguousarray(arr, dtype=np.float32)

    def apply_one(self, vector: npt.ArrayLike) -> npt.NDArray[np.float32] | npt.NDArray[np.int8]:
        """One vector (1-D) in the stored form."""
        return self.apply(np.asarray(vector, dtype=np.float32)[None, :])[0]

    def query_vector(self, vector: Sequence[float] | npt.ArrayLike) -> list[float] | list[int]:
        """The query's vector as the ``knn`` clause sends it (plain Python numbers)."""
        if self.identity:
            return json_floats(vector)
        out = self.apply_one(vector)
        if self.data_type == "float":
            return json_floats(out)
        return [int(x) for x in out.tolist()]

    def describe(self) -> str:
        """``512-d float`` or ``256 of 512 dims, byte``: for doctor and error messages."""
        head = (
            f"{self.dimension} of {self.source_dimension} dims"
            if self.dimension < self.source_dimension
            else f"{self.dimension}-d"
        )
        return f"{head}, {self.data_type}" + (", re-normalized" if self.normalize else "")


def vector_form(info: EncoderInfo, dense: DenseConfig) -> VectorForm:
    """The :class:`VectorForm` of ``dense`` for the encoder described by ``info``.

    Checks what needs the encoder's dimension and similarity (the config loader checks
    the rest): a ``ConfigError`` naming ``dense.dimensions`` or ``dense.data_type``.
    """
    source = info.dimension
    if source < 1:
        raise ConfigError(f"encoder dimension must be positive, got {source}")
    dims = dense.dimensions if dense.dimensions is not None else source
    if dims > source:
        raise ConfigError(
            f"dense.dimensions: {dims} is more than the encoder's {source} dimensions "
            f"({info.kind} {info.model_id}); truncation can only keep fewer"
        )
    if dense.data_type == "byte" and info.similarity != "cosine":
        raise ConfigError(
            f"dense.data_type: 'byte' needs a cosine encoder (this one is {info.similarity!r}): "
            "babelsearch scales each vector by its own largest component, which keeps cosine "
            "and nothing else; use data_type float with quantization sq or fp16 instead"
        )
    if dense.data_type == "binary":
        if info.similarity == "l2" and not info.normalized:
            raise ConfigError(
                "dense.data_type: 'binary' keeps one sign bit per component, an approximation "
                "of the angle; this encoder's vectors are compared by l2 and not normalized"
            )
        if dims % 8:
            raise ConfigError(
                f"dense.data_type: 'binary' needs a dimension that is a multiple of 8, got "
                f"{dims}{' (dense.dimensions)' if dense.dimensions is not None else ''}"
            )
    renormalize = dims < source and info.normalized and dense.data_type != "binary"
    return VectorForm(
        source_dimension=source,
        dimension=dims,
        data_type=dense.data_type,
        normalize=renormalize,
    )
