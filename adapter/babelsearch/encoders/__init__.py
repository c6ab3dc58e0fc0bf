"""Encoders: text -> dense (and optionally sparse) vectors.

``describe_encoder`` is cheap and drives the mapping; ``get_encoder`` loads the model
(lazily, once per config) and returns it behind an embedding cache. Heavy libraries
(torch, FlagEmbedding, sentence-transformers) are imported only inside the encoders
that need them, so ``import babelsearch.encoders`` stays fast.
"""

from __future__ import annotations

from .base import Encoded, Encoder
from .cache import CachedEncoder, EmbeddingCache
from .registry import KINDS, build_encoder, clear_encoders, describe_encoder, get_encoder

__all__ = [
    "KINDS",
    "CachedEncoder",
    "EmbeddingCache",
    "Encoded",
    "Encoder",
    "build_encoder",
    "clear_encoders",
    "describe_encoder",
    "get_encoder",
]
