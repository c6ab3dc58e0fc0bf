"""The encoder protocol every dense/sparse model implements.

The mapping derives the vector dimension and similarity from :attr:`Encoder.info`,
and the query side reads :attr:`EncoderInfo.languages` to decide where dense
evidence is trustworthy -- so an encoder is described once, here, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ..types import EncoderInfo, SparseVector

__all__ = ["Encoded", "Encoder"]


@dataclass(frozen=True)
class Encoded:
    """A batch of encodings, in input order.

    ``dense`` is an ``(n, dimension)`` float32 array; ``sparse`` is one
    ``{token: weight>0}`` dict per input, or ``None`` when the encoder has no sparse head.
    """

    dense: npt.NDArray[np.float32]
    sparse: list[SparseVector] | None = None

    def __len__(self) -> int:
        return int(self.dense.shape[0])


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into dense (and optionally sparse) vectors."""

    @property
    def info(self) -> EncoderInfo: ...

    def encode_documents(self, texts: Sequence[str]) -> Encoded: ...

    def encode_queries(self, texts: Sequence[str]) -> Encoded: ...
