"""Field factories: one small pure function per kind of field in the index body.

Why factories: the ingestor, the query builder and the migration all depend on these
exact shapes; building them in one place keeps ``title.de`` and the vector settings
from drifting between the components.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import DenseConfig
from ..config_checks import METADATA_TYPES, check_dense
from ..errors import ConfigError
from ..types import NEUTRAL, Capabilities, EncoderInfo
from ..vectors import vector_form

__all__ = [
    "METADATA_TYPES",
    "NATIVE_ENGINES",
    "SPACE_TYPES",
    "check_engine",
    "keyword_field",
    "knn_vector_field",
    "metadata_field",
    "rank_features_field",
    "text_object_field",
    "vector_layout",
]

SPACE_TYPES: dict[str, str] = {"cosine": "cosinesimil", "dot": "innerproduct", "l2": "l2"}
"""Encoder similarity -> k-NN ``space_type``; the mapping never states it twice."""

KNN_PLUGIN = "opensearch-knn"
"""Capabilities naming this plugin came from a live cluster (``cluster.capabilities``);
the ones ``mappings render --plugins`` makes up say nothing about engines."""
NATIVE_ENGINES = frozenset({"faiss", "nmslib"})
"""Engines that need the k-NN plugin's native libraries (the Maven Central build has none)."""


def _encoder_param(dense: DenseConfig) -> dict[str, Any] | None:
    """The HNSW method's ``encoder`` for ``dense.quantization`` (checked at config load).

    lucene ``sq`` is always rendered with its ``parameters`` (``bits: 7``, the only
    width 2.19 has, which 3.x requires to be stated): the cluster reads an empty
    ``encoder`` back as ``parameters: {}``, and the mapping planner must see the same
    shape it asked for, or every apply would report a change."""
    if dense.quantization == "fp16":
        return {"name": "sq", "parameters": {"type": "fp16"}}
    if dense.quantization == "sq":
        params: dict[str, Any] = {"bits": 7}
        if dense.confidence_interval is not None:
            params["confidence_interval"] = dense.confidence_interval
        return {"name": "sq", "parameters": params}
    return None


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


def knn_vector_field(
    info: EncoderInfo, dense: DenseConfig, caps: Capabilities | None = None
) -> dict[str, Any]:
    """A ``knn_vector`` whose dimension and space come from the encoder, not the user.

    The dimension and ``data_type`` are the :class:`~babelsearch.vectors.VectorForm`'s
    (``dense.dimensions`` truncates, ``dense.data_type`` quantizes client-side), so
    the mapping and the vectors sent to it cannot disagree; ``binary`` is compared in
    ``hamming`` space. With ``caps`` (a live cluster), an engine the cluster has not
    shown it can run is refused here, before an index exists: a node without the
    native libraries dies at its first refresh of a faiss index. Capabilities without
    the k-NN plugin (made up for rendering, or a cluster without k-NN) are not checked.
    """
    if info.similarity not in SPACE_TYPES:
        raise ConfigError(f"encoder similarity {info.similarity!r} has no k-NN space type")
    check_dense(dense)
    form = vector_form(info, dense)
    if caps is not None and KNN_PLUGIN in caps.plugins:  # detected on a live cluster
        check_engine(dense, caps)
    params: dict[str, Any] = {"m": dense.m, "ef_construction": dense.ef_construction}
    encoder = _encoder_param(dense)
    if encoder is not None:
        params["encoder"] = encoder
    field: dict[str, Any] = {"type": "knn_vector", "dimension": form.dimension}
    if form.data_type != "float":
        field["data_type"] = form.data_type
    field["method"] = {
        "name": "hnsw",
        "space_type": "hamming" if form.data_type == "binary" else SPACE_TYPES[info.similarity],
        "engine": dense.engine,
        "parameters": params,
    }
    return field


def check_engine(dense: DenseConfig, caps: Capabilities) -> None:
    """Refuse ``dense.engine`` when the cluster has not shown it can run it.

    Detection is :func:`babelsearch.cluster.parse_capabilities` (lucene with the
    plugin; faiss/nmslib once every node reports the library loaded).
    ``dense.skip_engine_check`` is the escape for a cluster whose libraries are
    there but have not been used since it started."""
    if dense.engine in caps.knn_engines or (
        dense.skip_engine_check and dense.engine in NATIVE_ENGINES
    ):
        return
    have = ", ".join(sorted(caps.knn_engines)) or "none (no k-NN plugin)"
    raise ConfigError(
        f"dense.engine: {dense.engine!r} is not available on this cluster (k-NN engines "
        f"detected: {have}). faiss and nmslib need the k-NN plugin's native libraries; the "
        "plugin babelsearch assembles from Maven Central has none, and a node without them "
        "dies at its first refresh of such an index. Use engine 'lucene' (quantization "
        "'sq', data_type 'byte' or 'binary' work there), or, if the cluster's nodes do "
        "ship the libraries, set dense.skip_engine_check: true"
    )


def vector_layout(field: Mapping[str, Any] | None) -> tuple[Any, str]:
    """``(dimension, data_type)`` of a rendered or live ``knn_vector`` mapping.

    The migration compares the old index's layout with the new one: vectors can only be
    kept when both match (a changed ``dense.dimensions`` or ``dense.data_type`` with the
    same encoder must re-embed). The cluster reads ``data_type`` back upper-case."""
    f = field or {}
    return f.get("dimension"), str(f.get("data_type") or "float").lower()


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
