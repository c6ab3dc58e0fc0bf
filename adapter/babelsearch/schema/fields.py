"""Field factories: one small pure function per kind of field in the index body.

Why factories: the ingestor, the query builder and the migration all depend on these
exact shapes; building them in one place keeps ``title.de`` and the vector settings
from drifting between the components.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import DenseConfig
from ..config_checks import METADATA_TYPES
from ..errors import ConfigError
from ..types import NEUTRAL, EncoderInfo

__all__ = [
    "METADATA_TYPES",
    "SPACE_TYPES",
    "keyword_field",
    "knn_vector_field",
    "metadata_field",
    "rank_features_field",
    "text_object_field",
]

SPACE_TYPES: dict[str, str] = {"cosine": "cosinesimil", "dot": "innerproduct", "l2": "l2"}
"""Encoder similarity -> k-NN ``space_type``; the mapping never states it twice."""

_QUANTIZATION: dict[str, dict[str, dict[str, Any]]] = {
    # engine -> quantization option -> the method's ``encoder`` parameter
    "faiss": {"fp16": {"name": "sq", "parameters": {"type": "fp16"}}},
    "lucene": {},
    "nmslib": {},
}


def keyword_field() -> dict[str, Any]:
    return {"type": "keyword"}


def text_object_field(
    analyzers: Mapping[str, str],
    neutral_analyzer: str,
    *,
    similarity: str | None = None,
    ngram_analyzer: str | None = None,
) -> dict[str, Any]:
    """An object with one ``text`` subfield per language plus ``neutral``.

    Object properties rather than multi-fields: each chunk fills only its own
    language, so a German passage is never stemmed with the English analyzer, while
    ``neutral`` always holds the text so names and numbers match across languages.
    The n-gram view is a multi-field of ``neutral`` (``<field>.neutral.ngram``), so it
    costs index space but no second copy in ``_source``.
    """
    sim = {"similarity": similarity} if similarity else {}
    props: dict[str, Any] = {
        lang: {"type": "text", "analyzer": analyzers[lang], **sim} for lang in sorted(analyzers)
    }
    props[NEUTRAL] = {"type": "text", "analyzer": neutral_analyzer, **sim}
    if ngram_analyzer:
        props[NEUTRAL]["fields"] = {"ngram": {"type": "text", "analyzer": ngram_analyzer, **sim}}
    return {"properties": props}


def knn_vector_field(info: EncoderInfo, dense: DenseConfig) -> dict[str, Any]:
    """A ``knn_vector`` whose dimension and space come from the encoder, not the user.

    Quantization is only accepted where the engine has it (faiss scalar quantization
    to fp16); asking lucene for it is an error instead of being silently ignored.
    """
    if info.similarity not in SPACE_TYPES:
        raise ConfigError(f"encoder similarity {info.similarity!r} has no k-NN space type")
    if info.dimension < 1:
        raise ConfigError(f"encoder dimension must be positive, got {info.dimension}")
    if dense.m < 2 or dense.ef_construction < 2:
        raise ConfigError("dense: m and ef_construction must be at least 2")
    params: dict[str, Any] = {"m": dense.m, "ef_construction": dense.ef_construction}
    if dense.quantization is not None:
        options = _QUANTIZATION.get(dense.engine, {})
        encoder = options.get(dense.quantization)
        if encoder is None:
            have = ", ".join(sorted(options)) or "none"
            raise ConfigError(
                f"dense.quantization: {dense.quantization!r} is not available for engine "
                f"{dense.engine!r} (it offers: {have}); use engine faiss for fp16, or remove "
                "the option"
            )
        params["encoder"] = encoder
    return {
        "type": "knn_vector",
        "dimension": info.dimension,
        "method": {
            "name": "hnsw",
            "space_type": SPACE_TYPES[info.similarity],
            "engine": dense.engine,
            "parameters": params,
        },
    }


def rank_features_field() -> dict[str, Any]:
    """Sparse token weights; ``rank_features`` keeps positive weights only, as encoders give."""
    return {"type": "rank_features"}


def metadata_field(name: str, type_: str) -> dict[str, Any]:
    if type_ not in METADATA_TYPES:
        raise ConfigError(
            f"fields.metadata.{name}: type {type_!r} is not supported; choose one of "
            f"{', '.join(sorted(METADATA_TYPES))}"
        )
    return {"type": type_}
