"""Rules that need more than one value's type: ranges, cross-field rules, live tables.

Run by :func:`babelsearch.config.parse_config` after the typed conversion, so every
message names the key path the user wrote. ``encoder.kind`` is checked here rather
than by a ``Literal``: kinds can be registered at run time (see
:mod:`babelsearch.config_encoders`), so the table is read when a file is loaded.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .config_encoders import ALIASES, KINDS, canonical_kind
from .errors import ConfigError
from .types import FieldNames

if TYPE_CHECKING:
    from .config_model import Config, DenseConfig

__all__ = ["FLOAT_TYPES", "INTEGER_TYPES", "METADATA_TYPES", "check_dense", "validate"]

METADATA_TYPES = frozenset(
    {
        "keyword",
        "text",
        "integer",
        "long",
        "short",
        "byte",
        "float",
        "double",
        "half_float",
        "date",
        "boolean",
        "ip",
        "geo_point",
    }
)
"""Types a metadata field may declare (those that need no extra mapping parameters);
checked at load, rendered by :func:`babelsearch.schema.fields.metadata_field`, policed
per record by :mod:`babelsearch.ingest.validate`."""
INTEGER_TYPES = frozenset({"integer", "long", "short", "byte"})
FLOAT_TYPES = frozenset({"float", "double", "half_float"})
"""The numeric metadata types, as ingest validation and ``--filter`` parsing convert them."""

_LANG = re.compile(r"^[a-z]{2,3}$")
_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def validate(cfg: Config) -> None:
    """A :class:`ConfigError` naming the first key whose value cannot work."""
    _check_index_and_fields(cfg)
    check_dense(cfg.dense)
    if cfg.lexical.k1 < 0 or not 0 <= cfg.lexical.b <= 1:
        raise ConfigError("lexical: k1 must be >= 0 and b between 0 and 1")
    _check_encoder(cfg)
    if cfg.search.k < 1 or cfg.search.candidates < 1:
        raise ConfigError("search: k and candidates must be at least 1")
    b = cfg.ingest.bulk
    if b.max_docs < 1 or b.max_bytes < 1024 or b.max_in_flight < 1 or b.max_retries < 0:
        raise ConfigError("ingest.bulk: max_docs>=1, max_bytes>=1024, max_in_flight>=1")


def _check_index_and_fields(cfg: Config) -> None:
    name = cfg.index.name
    if not _INDEX_NAME.match(name) or len(name) > 200:
        raise ConfigError(
            f"index.name: {name!r} is not a valid OpenSearch index name "
            "(lowercase letters, digits, '-' and '_', not starting with '-' or '_')"
        )
    if not cfg.languages:
        raise ConfigError("languages: at least one language is required")
    for i, lang in enumerate(cfg.languages):
        if not _LANG.match(lang):
            raise ConfigError(f"languages[{i}]: {lang!r} is not an ISO 639-1 code like 'en'")
    if len(set(cfg.languages)) != len(cfg.languages):
        raise ConfigError("languages: duplicate language codes")
    for key in cfg.analyzers:
        if key not in cfg.languages:
            raise ConfigError(f"analyzers.{key}: language {key!r} is not in languages")
    if not cfg.fields.text:
        raise ConfigError("fields.text: at least one text field is required")
    reserved = FieldNames(text_fields=()).reserved
    for f in (*cfg.fields.text, *cfg.fields.metadata):
        if f.startswith("_") or "." in f or not f or f in reserved:
            raise ConfigError(f"fields: {f!r} is not allowed as a field name")
    for f, typ in cfg.fields.metadata.items():
        if typ not in METADATA_TYPES:
            raise ConfigError(
                f"fields.metadata.{f}: type {typ!r} is not supported; choose one of "
                f"{', '.join(sorted(METADATA_TYPES))}"
            )
    if cfg.fields.tenant and cfg.fields.tenant not in cfg.fields.metadata:
        raise ConfigError(f"fields.tenant: {cfg.fields.tenant!r} must be a metadata field")
    if cfg.index.shards < 1:
        raise ConfigError("index.shards: must be at least 1")
    if cfg.index.replicas < 0:
        raise ConfigError("index.replicas: must be 0 or more")


_QUANTIZATION_ENGINE = {"sq": "lucene", "fp16": "faiss"}
"""Which engine quantizes for each ``dense.quantization`` (rendered in schema.fields)."""
_DATA_TYPE_ENGINES = {
    "float": ("lucene", "faiss", "nmslib"),
    "byte": ("lucene", "faiss"),
    "binary": ("lucene", "faiss"),  # lucene binary measured working on 2.19.1 and 3.6.0
}


def check_dense(d: DenseConfig) -> None:
    """The ``dense`` rules that need no encoder, at load and again when a field is
    rendered (library callers build a ``DenseConfig`` directly);
    :func:`babelsearch.vectors.vector_form` checks the rest (``dense.dimensions``
    against the encoder's dimension, byte and binary against its similarity)."""
    if d.ef_search is not None and d.ef_search < 1:
        raise ConfigError("dense.ef_search: must be at least 1 (or null for the engine default)")
    if d.m < 2 or d.ef_construction < 2:
        raise ConfigError("dense: m and ef_construction must be at least 2")
    if d.dimensions is not None and d.dimensions < 1:
        raise ConfigError(
            f"dense.dimensions: must be at least 1 (or null for all), got {d.dimensions}"
        )
    engines = _DATA_TYPE_ENGINES[d.data_type]
    if d.engine not in engines:
        raise ConfigError(
            f"dense.data_type: {d.data_type!r} is not available with engine {d.engine!r}; "
            f"it needs engine {' or '.join(repr(e) for e in engines)}"
        )
    if d.data_type == "binary" and d.dimensions is not None and d.dimensions % 8:
        raise ConfigError(
            f"dense.dimensions: data_type 'binary' needs a multiple of 8, got {d.dimensions}"
        )
    if d.quantization is not None:
        if d.data_type != "float":
            raise ConfigError(
                f"dense.quantization: {d.quantization!r} quantizes float vectors; data_type "
                f"{d.data_type!r} is already quantized by babelsearch: remove one of them"
            )
        engine = _QUANTIZATION_ENGINE[d.quantization]
        if d.engine != engine:
            raise ConfigError(
                f"dense.quantization: {d.quantization!r} is not available for engine "
                f"{d.engine!r}; it needs engine {engine!r} (lucene offers 'sq', faiss 'fp16')"
            )
    ci = d.confidence_interval
    if ci is not None:
        if d.quantization != "sq":
            raise ConfigError("dense.confidence_interval: only for quantization 'sq' (lucene)")
        if not (ci == 0 or 0.9 <= ci <= 1.0):
            raise ConfigError(
                "dense.confidence_interval: must be 0 (per segment) or between 0.9 and 1.0, "
                f"got {ci}"
            )


def _check_encoder(cfg: Config) -> None:
    kind = cfg.encoder.kind
    if canonical_kind(kind) is None:
        allowed = ", ".join(repr(k) for k in sorted(KINDS))
        aliases = ", ".join(f"{a!r} for {k!r}" for a, k in sorted(ALIASES.items()))
        raise ConfigError(f"encoder.kind: {kind!r} is not one of {allowed} (aliases: {aliases})")
    if cfg.encoder.use.threads < 1:
        raise ConfigError("encoder.use.threads: must be at least 1")
    if cfg.encoder.use.workers < 0:
        raise ConfigError("encoder.use.workers: must be 0 (one per core, at most 4) or more")
