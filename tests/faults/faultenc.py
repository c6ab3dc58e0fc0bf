"""A cheap, deterministic encoder kind (``fault-hash``) for the fault suites.

Not a mock: it is a real :class:`~babelsearch.encoders.base.Encoder` registered in
the encoder registry, so the real CLI (``babelsearch ingest``) and the real
pipeline run unchanged; only the arithmetic is cheaper than a neural model, which
keeps a 20k-document SIGKILL loop inside CI's budget on two cores. Character
trigrams are hashed into 512 dimensions and L2-normalized. ``FAULT_ENC_DELAY``
(seconds per batch) slows a run down so a parent process can kill it midway.

Like a broken model, it misbehaves on purpose when a text carries a marker:
``FAULT_NANVEC`` (a NaN in the vector), ``FAULT_ZEROVEC`` (all zeros),
``FAULT_WRONGDIM`` (the whole batch comes back 256-d), ``FAULT_NEGSPARSE``
(negative, zero, NaN and empty-token sparse weights). Sparse weights are the
term frequencies of lower-cased words.
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from babelsearch.encoders.base import Encoded
from babelsearch.types import EncoderInfo

KIND = "fault-hash"
DIM = 512


def describe(cfg: Any) -> EncoderInfo:
    return EncoderInfo(
        kind=KIND,
        model_id="trigram-crc32",
        dimension=DIM,
        similarity="cosine",
        normalized=True,
        languages=None,
        sparse=True,
    )


class FaultHashEncoder:
    def __init__(self, cfg: Any = None) -> None:
        self._info = describe(cfg)
        self.delay = float(os.environ.get("FAULT_ENC_DELAY", "0") or 0)

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(DIM, dtype=np.float32)
        if "FAULT_ZEROVEC" in text:
            return v
        if "FAULT_NANVEC" in text:
            v[:] = 1.0 / DIM
            v[7] = np.nan
            return v
        t = f"  {text.lower()}  "
        for i in range(len(t) - 2):
            v[zlib.crc32(t[i : i + 3].encode("utf-8", "replace")) % DIM] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    @staticmethod
    def _sparse(text: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for word in text.lower().split():
            out[word] = out.get(word, 0.0) + 1.0
        if "FAULT_NEGSPARSE" in text:
            out.update({"minus": -2.0, "zero": 0.0, "nan": float("nan"), "": 1.0})
        return out

    def _encode(self, texts: Sequence[str]) -> Encoded:
        dense = np.stack([self._one(t) for t in texts]).astype(np.float32)
        if any("FAULT_WRONGDIM" in t for t in texts):
            dense = dense[:, :256]
        return Encoded(dense, [self._sparse(t) for t in texts])

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        if self.delay:
            time.sleep(self.delay)
        return self._encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return self._encode(texts)


def register() -> None:
    """Make ``encoder.kind: fault-hash`` resolvable in this process."""
    from babelsearch.encoders import registry

    registry.KINDS[KIND] = (__name__, "FaultHashEncoder")
