"""Bulk actions (pure): chunk + vectors → ``_source`` → NDJSON bytes → bounded batches.

Why we serialize ourselves: we need the exact byte size of every action to bound a
bulk request by bytes, and orjson is several times faster than the client's
serializer. Every action names its ``_id`` (deterministic, so a resend overwrites
instead of duplicating) and carries an explicit ``_source`` built only from known
fields -- a record key such as ``routing`` or ``version`` can never turn into bulk
metadata. The target index is the alias in the request URL (``require_alias=true``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from ..types import NEUTRAL, Chunk, FieldNames, SparseVector
from ..vectors import VectorForm

__all__ = [
    "Action",
    "batch_actions",
    "build_source",
    "check_vector",
    "chunk_from_source",
    "delete_action",
    "encode_action",
    "prepare_vector",
    "stored_vector",
]


@dataclass(frozen=True)
class Action:
    """One serialized index action and the chunk it came from."""

    chunk_id: str
    doc_key: int
    """The pipeline's handle for the parent document (its input position)."""
    data: bytes
    """Two NDJSON lines: the action line and the source line, each ending in ``\\n``."""

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_delete(self) -> bool:
        return self.data.startswith(b'{"delete"')


def dense_text(chunk: Chunk) -> str:
    """What the dense vector encodes: the chunk's text fields joined with a newline."""
    return "\n".join(v for v in chunk.fields.values() if v)


def chunk_from_source(hit_id: str, source: Mapping[str, Any], names: FieldNames) -> Chunk:
    """The chunk a stored ``_source`` was built from: the inverse of :func:`build_source`.

    Why: re-embedding a stored document (``mappings migrate``) must encode exactly what
    ingest encoded, ``dense_text(chunk_from_source(...))``, and rebuild the document for
    the new spec with :func:`build_source`, so the document shape keeps one home. A text
    field's text is its ``neutral`` subfield, which :func:`build_source` always writes
    (a language subfield holds the same text); vectors are not part of a chunk; every
    other key is metadata. ``hit_id`` stands in for a missing id field.
    """
    fields: dict[str, str] = {}
    for name in names.text_fields:
        value = source.get(name)
        if isinstance(value, Mapping):
            value = value.get(NEUTRAL) or next((v for v in value.values() if v), None)
        if isinstance(value, str) and value:
            fields[name] = value
    own = {
        names.id_field,
        names.chunk_field,
        names.lang_field,
        names.dense_field,
        names.sparse_field,
        *names.text_fields,
    }
    doc_id = source.get(names.id_field)
    return Chunk(
        doc_id=str(doc_id) if doc_id is not None else hit_id,
        chunk_no=int(source.get(names.chunk_field) or 0),
        lang=str(source.get(names.lang_field) or ""),
        fields=fields,
        metadata={k: v for k, v in source.items() if k not in own},
    )


def check_vector(vec: npt.NDArray[np.float32], dimension: int) -> str | None:
    """``None`` if the vector is indexable, else the dead-letter reason."""
    if vec.ndim != 1 or vec.shape[0] != dimension:
        return f"encoder_wrong_dimension: got {tuple(vec.shape)}, expected ({dimension},)"
    if not bool(np.all(np.isfinite(vec))):
        return "encoder_non_finite: the vector contains NaN or Infinity"
    if not bool(np.any(vec)):
        return "encoder_zero_vector: the vector is all zeros"
    return None


def prepare_vector(
    vec: npt.NDArray[np.float32], form: VectorForm
) -> tuple[npt.NDArray[np.float32] | npt.NDArray[np.int8] | None, str | None]:
    """An encoder's vector checked (:func:`check_vector`, against the encoder's own
    dimension) and turned into the stored form (``dense.dimensions``, ``dense.data_type``):
    ``(vector, None)``, or ``(None, dead-letter reason)``.

    Why here: every writer of a fresh vector (the local ingestor, a re-embedding
    migration, other engines) builds its actions from this module, so the transform the
    query side applies (:class:`babelsearch.vectors.VectorForm`) has one entry on the
    write side too."""
    bad = check_vector(vec, form.source_dimension)
    if bad:
        return None, bad
    return (vec if form.identity else form.apply_one(vec)), None


def stored_vector(
    raw: Any, form: VectorForm
) -> tuple[npt.NDArray[np.float32] | npt.NDArray[np.int8] | None, str | None]:
    """A vector read back from ``_source`` (a migration that keeps the vectors), checked
    against the stored form: same length and, for byte and binary, integers."""
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        return None, "stored_vector_invalid: not a list of numbers"
    width = form.values_per_vector
    if arr.ndim != 1 or arr.shape[0] != width:
        return None, (
            f"stored_vector_wrong_dimension: got {tuple(arr.shape)}, expected ({width},) for "
            f"{form.describe()}; migrate with the encoder to re-embed"
        )
    if not bool(np.all(np.isfinite(arr))):
        return None, "encoder_non_finite: the vector contains NaN or Infinity"
    if form.data_type == "float":
        return arr.astype(np.float32), None
    if not bool(np.all((arr == np.rint(arr)) & (arr >= -128) & (arr <= 127))):
        return None, f"stored_vector_not_{form.data_type}: values are not int8"
    return arr.astype(np.int8), None


def clean_sparse(weights: Mapping[str, float]) -> SparseVector:
    """Positive finite weights only (``rank_features`` rejects anything else)."""
    out: SparseVector = {}
    for token, w in weights.items():
        fw = float(w)
        if token and math.isfinite(fw) and fw > 0:
            out[str(token)] = fw
    return out


def build_source(
    chunk: Chunk,
    names: FieldNames,
    languages: Sequence[str],
    embedding: Sequence[float] | npt.NDArray[np.float32] | npt.NDArray[np.int8] | None,
    sparse: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The agreed indexed document shape for one chunk."""
    src: dict[str, Any] = {
        names.id_field: chunk.doc_id,
        names.chunk_field: chunk.chunk_no,
        names.lang_field: chunk.lang,
    }
    for name, text in chunk.fields.items():
        if not text:
            continue
        sub: dict[str, str] = {}
        if chunk.lang in languages:
            sub[chunk.lang] = text
        sub[NEUTRAL] = text
        src[name] = sub
    for key, value in chunk.metadata.items():
        src[key] = value
    if embedding is not None:
        src[names.dense_field] = embedding
    if sparse:
        src[names.sparse_field] = dict(sparse)
    return src


def encode_action(chunk_id: str, source: Mapping[str, Any], doc_key: int) -> Action:
    """Serialize one index action (numpy arrays are written natively by orjson)."""
    head = orjson.dumps({"index": {"_id": chunk_id}})
    body = orjson.dumps(source, option=orjson.OPT_SERIALIZE_NUMPY)
    return Action(chunk_id, doc_key, head + b"\n" + body + b"\n")


def delete_action(chunk_id: str, doc_key: int) -> Action:
    """A delete of one chunk (a stale chunk of an older version, or half a failed document)."""
    return Action(chunk_id, doc_key, orjson.dumps({"delete": {"_id": chunk_id}}) + b"\n")


def batch_actions(
    actions: Iterable[Action], max_docs: int, max_bytes: int
) -> Iterator[list[Action]]:
    """Group actions into requests of at most ``max_docs`` actions and ``max_bytes`` bytes.

    An action bigger than ``max_bytes`` on its own still goes out, alone: the cluster
    decides (a 413 makes it a dead letter) rather than us dropping it silently.
    """
    batch: list[Action] = []
    size = 0
    for a in actions:
        if batch and (len(batch) >= max_docs or size + a.size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(a)
        size += a.size
    if batch:
        yield batch
