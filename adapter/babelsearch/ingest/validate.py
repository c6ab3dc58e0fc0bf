"""Turn a :class:`RawRecord` into a :class:`Document`, or say exactly why not.

Decisions (documented in the CLI help and the README):

* Only the configured fields are read (id, lang, text fields, declared metadata).
  Unknown keys are **ignored**, never copied: ``_id``, ``_index``, ``version`` or
  ``routing`` in a record cannot reach bulk metadata or the strict mapping.
* A record whose text fields are all empty, or hold no letter or digit at all
  (emoji-only, punctuation-only), is **skipped** with a reason: it has nothing a
  person could search for, and its embedding would be noise.
* Everything else that is wrong is a dead letter with a specific reason.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..config import FieldsConfig
from ..config_checks import FLOAT_TYPES, INTEGER_TYPES
from ..types import Document, chunk_id
from .readers import RawRecord

__all__ = [
    "MAX_ID_BYTES",
    "Rejected",
    "auto_id",
    "check_chunk_ids",
    "original_record",
    "to_document",
]

MAX_ID_BYTES = 512
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Chunk n > 0 of document X is stored as ``X#n``: a user id of that shape would
# overwrite (or be overwritten by) another document's chunk, silently.
_CHUNK_LIKE = re.compile(r"#[0-9]+$")
_LANG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


# Inclusive bounds: a value outside them would fail serialisation (orjson stops at
# 64 bits) or the mapping, and must be this record's dead letter, not a fatal error.
_INT_RANGE = {
    "byte": (-(2**7), 2**7 - 1),
    "short": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}
_STR_TYPES = {"keyword", "text"}
# The types a config may declare are config_checks.METADATA_TYPES; ip and geo_point are
# left to the mapping to police.


@dataclass(frozen=True)
class Rejected:
    """A record that will not be indexed: ``skip`` (nothing to index) or a dead letter."""

    position: int
    reason: str
    skip: bool
    record: Any
    doc_id: str | None = None
    """The record's id when it is known (shown in the dead-letter entry)."""


def auto_id(texts: Mapping[str, str]) -> str:
    """A deterministic id from the text fields, so re-running a load never duplicates."""
    canon = orjson.dumps(dict(texts), option=orjson.OPT_SORT_KEYS)
    return "auto-" + hashlib.sha1(canon).hexdigest()


def _check_id(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, float):  # JSON parsers turn integers past 64 bits into floats
        return None, (
            f"invalid_id_type: id must be a string or an integer, got the number {value!r} "
            "(an integer past 64 bits, or a fraction); quote large ids as strings"
        )
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None, f"invalid_id_type: id must be a string or an integer, got {_tname(value)}"
    sid = str(value)
    if not sid.strip():
        return None, "empty_id: the id is blank"
    if _SURROGATE.search(sid):
        return None, "invalid_id: the id is not valid Unicode"
    if len(sid.encode("utf-8")) > MAX_ID_BYTES:
        return None, f"id_too_long: more than {MAX_ID_BYTES} bytes"
    if _CONTROL.search(sid):
        return None, "id_control_chars: the id contains control characters"
    if _CHUNK_LIKE.search(sid):
        return None, "reserved_id: ids ending in '#<number>' are reserved for chunk ids"
    return sid, None


def original_record(rec: RawRecord) -> Any:
    """What a dead letter shows of a record: its raw line or row, else its fields."""
    return rec.raw if rec.raw is not None else dict(rec.data or {})


def check_chunk_ids(doc_id: str, chunks: int) -> str | None:
    """``None`` if every chunk id of the document fits OpenSearch's ``_id`` limit.

    Chunk *n > 0* is stored as ``<id>#<n>``: an id that fits on its own can still
    overflow with the suffix, and OpenSearch then refuses the whole bulk request. Such
    a document is this record's dead letter, found before anything is sent.
    """
    last = chunk_id(doc_id, chunks - 1)
    size = len(last.encode("utf-8"))
    if size <= MAX_ID_BYTES:
        return None
    return (
        f"id_too_long: the id is {len(doc_id.encode('utf-8'))} bytes; with the chunk suffix its "
        f"last chunk id {last[-12:]!r} is {size} bytes (limit {MAX_ID_BYTES}); "
        "use a shorter id, or chunk less"
    )


def _tname(v: Any) -> str:
    return "null" if v is None else type(v).__name__


def _check_meta(name: str, typ: str, value: Any, coerce: bool) -> tuple[Any, str | None]:
    bad = f"metadata_type_conflict: {name} is {typ}, got {_tname(value)} {str(value)[:40]!r}"
    t = typ.lower()
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"metadata_not_finite: {name} is {value}"
    if t in INTEGER_TYPES:
        if coerce and isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                return None, bad
        if isinstance(value, bool) or not isinstance(value, int):
            if not (isinstance(value, float) and value.is_integer()):
                return None, bad
            value = int(value)
        low, high = _INT_RANGE[t]
        if not low <= value <= high:
            return (
                None,
                f"metadata_out_of_range: {name} is {typ}, {str(value)[:40]} is out of range",
            )
        return value, None
    if t in FLOAT_TYPES:
        if coerce and isinstance(value, str):
            try:
                f = float(value.strip())
            except ValueError:
                return None, bad
            return (f, None) if math.isfinite(f) else (None, bad)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, bad
        return value, None
    if t == "boolean":
        if coerce and isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true", None
        return (value, None) if isinstance(value, bool) else (None, bad)
    if t in _STR_TYPES:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value, None
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return None, f"invalid_utf8: {name} is not valid Unicode"
            return value, None
        return None, bad
    if t == "date":
        if isinstance(value, str) and value.strip():
            return value, None
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, bad
    return value, None  # types we do not police (ip, geo_point, ...): the mapping decides


def to_document(rec: RawRecord, fields: FieldsConfig) -> Document | Rejected:
    """Validate one record; never raises for bad content."""
    if rec.error is not None or rec.data is None:
        return Rejected(rec.position, rec.error or "unreadable", False, rec.raw, rec.doc_id)
    data = rec.data
    original: Any = data if rec.raw is None else rec.raw
    given = data.get(fields.id)
    shown = str(given) if isinstance(given, str | int) and not isinstance(given, bool) else None

    texts: dict[str, str] = {}
    for name in fields.text:
        v = data.get(name)
        if v is None:
            continue
        if not isinstance(v, str):
            return Rejected(
                rec.position,
                f"invalid_text_type: {name} must be a string, got {_tname(v)}",
                False,
                original,
                shown,
            )
        if _SURROGATE.search(v):
            return Rejected(
                rec.position, f"invalid_utf8: {name} is not valid Unicode", False, original, shown
            )
        if v.strip():
            texts[name] = v

    raw_id = data.get(fields.id)
    if raw_id is None:
        doc_id = auto_id(texts)
    else:
        checked, err = _check_id(raw_id)
        if err or checked is None:
            return Rejected(rec.position, err or "invalid_id", False, original, shown)
        doc_id = checked

    lang: str | None = None
    raw_lang = data.get(fields.lang)
    if raw_lang is not None and raw_lang != "":
        if not isinstance(raw_lang, str) or not _LANG.match(raw_lang.strip()):
            return Rejected(
                rec.position,
                f"invalid_lang: {str(raw_lang)[:20]!r} is not a language code",
                False,
                original,
                doc_id,
            )
        lang = re.split(r"[-_]", raw_lang.strip())[0].lower()

    meta: dict[str, Any] = {}
    for name, typ in fields.metadata.items():
        v = data.get(name)
        if v is None:
            continue
        value, err = _check_meta(name, typ, v, rec.coerce)
        if err:
            return Rejected(rec.position, err, False, original, doc_id)
        meta[name] = value

    if not texts:
        return Rejected(
            rec.position, "empty_text: no text field has content", True, original, doc_id
        )
    if not any(ch.isalnum() for t in texts.values() for ch in t):
        return Rejected(
            rec.position,
            "no_word_characters: text has no letters or digits",
            True,
            original,
            doc_id,
        )
    return Document(id=doc_id, fields=texts, lang=lang, metadata=meta, position=rec.position)
