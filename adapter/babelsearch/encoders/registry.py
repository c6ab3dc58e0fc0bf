"""Encoder kinds -> how to describe them and how to build them.

Why two entry points: the mapping needs the dimension and similarity long before
anyone should pay for loading a model (``babelsearch mappings render`` must be
instant), so every kind can be *described* from its config alone and *built* only
when vectors are actually needed.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from ..config import EncoderConfig
from ..config_encoders import ALIASES, KINDS, canonical_kind
from ..errors import EncoderError
from ..types import EncoderInfo
from .base import Encoder

__all__ = ["ALIASES", "KINDS", "build_encoder", "describe_encoder", "get_encoder"]

# KINDS (kind -> module, class) and ALIASES live in babelsearch.config_encoders, so the
# config loader checks ``encoder.kind`` against this very table without importing us.

_cache: dict[EncoderConfig, Encoder] = {}
_lock = threading.Lock()


def _kind(cfg: EncoderConfig) -> str:
    kind = canonical_kind(cfg.kind)
    if kind is None:
        raise EncoderError(
            f"encoder.kind: unknown encoder {cfg.kind!r} (known: {', '.join(sorted(KINDS))})"
        )
    return kind


def _module(kind: str) -> Any:
    return importlib.import_module(KINDS[kind][0], __package__)


def describe_encoder(cfg: EncoderConfig) -> EncoderInfo:
    """What the index mapping needs (dimension, similarity, languages), without loading weights."""
    describe: Callable[[EncoderConfig], EncoderInfo] = _module(_kind(cfg)).describe
    return describe(cfg)


def build_encoder(cfg: EncoderConfig) -> Encoder:
    """A fresh, uncached encoder for ``cfg`` (weights load lazily on first encode)."""
    kind = _kind(cfg)
    cls = getattr(_module(kind), KINDS[kind][1])
    enc: Encoder = cls(cfg)
    return enc


def get_encoder(cfg: EncoderConfig) -> Encoder:
    """The encoder for ``cfg``, memoized per config and wrapped in the embedding cache.

    Memoized because a model is expensive to load and the ingestor, the searcher and
    the CLI may all ask for the same one within a process.
    """
    with _lock:
        enc = _cache.get(cfg)
        if enc is None:
            from .cache import CachedEncoder, EmbeddingCache, cache_namespace

            inner = build_encoder(cfg)
            enc = CachedEncoder(
                inner, EmbeddingCache.for_config(cfg), cache_namespace(inner.info, cfg)
            )
            _cache[cfg] = enc
        return enc


def clear_encoders() -> None:
    """Forget memoized encoders (tests, or to free a model's memory)."""
    with _lock:
        for enc in _cache.values():
            close = getattr(enc, "close", None)
            if close is not None:
                close()
        _cache.clear()
