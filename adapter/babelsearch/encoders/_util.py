"""Helpers shared by the encoders: length-sorted batching and boundary conversion.

Why sort by length: transformer encoders pad every batch to its longest member, so
mixing a 5-token query with a 500-token passage wastes most of the batch. Sorting
first and restoring the order afterwards keeps padding small without changing results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor

import numpy as np
import numpy.typing as npt

from ..errors import EncoderError
from ..types import SparseVector
from .base import Encoded

__all__ = ["as_float32_matrix", "encode_sorted", "l2_normalize"]

BatchFn = Callable[[list[str]], Encoded]


def encode_sorted(
    texts: Sequence[str],
    batch_size: int,
    fn: BatchFn,
    dimension: int,
    pool: Executor | None = None,
) -> Encoded:
    """Run ``fn`` over length-sorted batches of ``texts`` and return results in input order.

    With ``pool``, the batches run concurrently on it (for a ``fn`` that releases the
    GIL); batch boundaries, and so the vectors, are the same either way."""
    items = list(texts)
    for i, t in enumerate(items):
        if not isinstance(t, str):
            raise EncoderError(f"text #{i} is {type(t).__name__}, expected str")
    n = len(items)
    if n == 0:
        return Encoded(dense=np.zeros((0, dimension), dtype=np.float32), sparse=None)
    size = max(1, int(batch_size))
    order = sorted(range(n), key=lambda i: len(items[i]))
    dense = np.empty((n, dimension), dtype=np.float32)
    sparse: list[SparseVector] | None = None
    groups = [order[start : start + size] for start in range(0, n, size)]
    if pool is not None and len(groups) > 1:
        outs: Iterable[Encoded] = pool.map(fn, [[items[i] for i in idx] for idx in groups])
    else:
        outs = (fn([items[i] for i in idx]) for idx in groups)
    for idx, out in zip(groups, outs, strict=True):
        if out.dense.shape != (len(idx), dimension):
            raise EncoderError(
                f"encoder returned shape {out.dense.shape}, expected {(len(idx), dimension)}"
            )
        dense[idx] = out.dense
        if out.sparse is not None:
            if sparse is None:
                sparse = [{} for _ in range(n)]
            for j, weights in zip(idx, out.sparse, strict=True):
                sparse[j] = weights
    return Encoded(dense=dense, sparse=sparse)


def as_float32_matrix(values: object, rows: int, dimension: int) -> npt.NDArray[np.float32]:
    """Coerce model output (numpy, lists, ...) into a C-contiguous float32 matrix."""
    arr = np.asarray(values, dtype=np.float32)
    if arr.ndim == 1 and rows == 1:
        arr = arr.reshape(1, -1)
    if arr.shape != (rows, dimension):
        raise EncoderError(f"model returned shape {arr.shape}, expected {(rows, dimension)}")
    if not np.all(np.isfinite(arr)):
        raise EncoderError("model returned non-finite values (NaN or inf)")
    return np.ascontiguousarray(arr)


def l2_normalize(arr: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Unit-length rows; an all-zero row stays zero instead of becoming NaN."""
    norms = np.linalg.norm(arr, axis=1, keepdims=True).astype(np.float32)
    norms[norms == 0] = 1.0
    return (arr / norms).astype(np.float32, copy=False)
