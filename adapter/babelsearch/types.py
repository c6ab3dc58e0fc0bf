"""Frozen value types shared across layers (no I/O, no heavy imports)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Similarity = Literal["cosine", "dot", "l2"]

__all__ = [
    "Capabilities",
    "Chunk",
    "Detection",
    "Document",
    "EncoderInfo",
    "FieldNames",
    "Similarity",
    "SparseVector",
    "chunk_id",
]

SparseVector = dict[str, float]
"""Token -> positive weight, as stored in a ``rank_features`` field."""


@dataclass(frozen=True)
class Document:
    """A source record after reading: id, text fields, optional language and metadata."""

    id: str
    fields: Mapping[str, str]
    lang: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    position: int = 0
    """Zero-based position of the record in its input (used for checkpoints)."""


@dataclass(frozen=True)
class Chunk:
    """One indexable passage of a document; ``chunk_no`` 0 keeps the document id as ``_id``."""

    doc_id: str
    chunk_no: int
    lang: str
    fields: Mapping[str, str]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    position: int = 0

    @property
    def id(self) -> str:
        return chunk_id(self.doc_id, self.chunk_no)


def chunk_id(doc_id: str, chunk_no: int) -> str:
    """The ``_id`` of chunk ``chunk_no`` of ``doc_id``: the id itself, then ``<id>#<n>``.

    Deterministic, so that writing a document again overwrites its chunks; the one
    home of the scheme (ingest, stale-chunk removal and validation all call it).
    """
    return doc_id if chunk_no == 0 else f"{doc_id}#{chunk_no}"


@dataclass(frozen=True)
class Detection:
    """A language guess with its confidence in [0, 1]."""

    lang: str
    confidence: float


@dataclass(frozen=True)
class EncoderInfo:
    """What the mapping and the query side need to know about an encoder, without loading it."""

    kind: str
    model_id: str
    dimension: int
    similarity: Similarity
    normalized: bool
    languages: frozenset[str] | None
    """Languages the model was trained for; ``None`` means "treat every language as covered"."""
    sparse: bool

    @property
    def fingerprint(self) -> dict[str, Any]:
        """Stored in the index ``_meta``: vectors are only reused when this matches exactly."""
        return {
            "kind": self.kind,
            "model_id": self.model_id,
            "dimension": self.dimension,
            "normalized": self.normalized,
            "similarity": self.similarity,
        }

    def covers(self, lang: str) -> bool:
        return self.languages is None or lang in self.languages


@dataclass(frozen=True)
class Capabilities:
    """What a live cluster can do, as detected by :mod:`babelsearch.cluster`."""

    version: str
    distribution: str = "opensearch"
    plugins: frozenset[str] = frozenset()
    knn_engines: frozenset[str] = frozenset()
    hybrid_query: bool = False
    normalization_processor: bool = False
    score_ranker_processor: bool = False
    neural_sparse: bool = False
    rank_features: bool = True
    analysis_plugins: frozenset[str] = frozenset()
    """e.g. ``analysis-kuromoji``, ``analysis-nori``, ``analysis-smartcn``, ``analysis-icu``."""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        parts = []
        for p in self.version.split("-")[0].split("."):
            parts.append(int(p) if p.isdigit() else 0)
        return tuple(parts)


NEUTRAL = "neutral"
"""Name of the language-neutral subfield of every text field."""


@dataclass(frozen=True)
class FieldNames:
    """The physical field names a spec maps to; shared by mapping, ingest and query builders."""

    text_fields: tuple[str, ...]
    id_field: str = "doc_id"
    chunk_field: str = "chunk_no"
    lang_field: str = "lang"
    dense_field: str = "embedding"
    sparse_field: str = "sparse"

    @property
    def reserved(self) -> frozenset[str]:
        """The fields babelsearch writes itself; no user field may take these names."""
        return frozenset(
            {self.id_field, self.chunk_field, self.lang_field, self.dense_field, self.sparse_field}
        )

    def text(self, field_name: str, lang: str) -> str:
        """``title`` + ``de`` -> ``title.de`` (an object property holding only German text)."""
        return f"{field_name}.{lang}"

    def neutral(self, field_name: str) -> str:
        return f"{field_name}.{NEUTRAL}"
