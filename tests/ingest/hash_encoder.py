"""A cheap deterministic encoder for ingest tests (a real Encoder, not a mock).

Character trigrams are hashed (crc32) into 512 dimensions and L2-normalized, so
similar texts get similar vectors and every run gives the same numbers. Texts
containing ``NANVEC`` / ``ZEROVEC`` produce a broken vector on purpose, to test that
the ingestor never indexes garbage; ``delay`` slows every batch down (kill tests).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence

import numpy as np

from babelsearch.encoders.base import Encoded
from babelsearch.types import EncoderInfo

DIM = 512


class HashEncoder:
    def __init__(self, dimension: int = DIM, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0
        self._info = EncoderInfo(
            kind="test-hash",
            model_id="trigram-crc32",
            dimension=dimension,
            similarity="cosine",
            normalized=True,
            languages=None,
            sparse=False,
        )

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self._info.dimension, dtype=np.float32)
        if "ZEROVEC" in text:
            return v
        if "NANVEC" in text:
            v[0] = np.nan
            return v
        t = f"  {text.lower()}  "
        for i in range(len(t) - 2):
            v[zlib.crc32(t[i : i + 3].encode("utf-8")) % self._info.dimension] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        return Encoded(np.stack([self._one(t) for t in texts]).astype(np.float32))

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return self.encode_documents(texts)
