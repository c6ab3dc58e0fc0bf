"""The wire format of a search: ``_msearch`` NDJSON out, per-body responses and the
ranked candidate lists in (pure, no client).

Why apart from fusion and paging: this is the only module that knows what an
OpenSearch response looks like (``hits.hits``, ``_id``, ``_score``, doc values under
``fields``, per-body ``error`` of ``_msearch``); fusion sees ranked ``(chunk id,
score)`` lists and candidates only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ..errors import ClusterError
from ..types import FieldNames
from .fusion import Candidate

__all__ = [
    "DEFAULT_FIELDS",
    "check_msearch",
    "collect",
    "msearch_args",
    "msearch_body",
    "search_args",
]

DEFAULT_FIELDS = FieldNames(text_fields=())
"""The default index layout (only its keyword field names matter here)."""

Ranked = dict[str, list[tuple[str, float]]]


def msearch_body(alias: str, bodies: Sequence[Mapping[str, Any]]) -> str:
    """NDJSON for ``_msearch`` (orjson: the bodies carry 512+ floats each)."""
    header = orjson.dumps({"index": alias})
    parts = []
    for b in bodies:
        parts.append(header)
        parts.append(orjson.dumps(b))
    return (b"\n".join(parts) + b"\n").decode()


def search_args(
    alias: str, body: Mapping[str, Any], params: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The keyword arguments of ``client.search`` (sync and async alike) for one body."""
    return {"index": alias, "body": orjson.dumps(body).decode(), "params": dict(params or {})}


def msearch_args(alias: str, bodies: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The keyword arguments of ``client.msearch`` for the bodies, in order."""
    return {"body": msearch_body(alias, bodies)}


def check_msearch(resp: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The per-body responses; a failed body fails the search (no silent partial fusion)."""
    out = []
    for r in resp.get("responses", []):
        if "error" in r:
            err = r["error"]
            reason = err.get("reason", err) if isinstance(err, dict) else err
            raise ClusterError(f"a sub-query failed ({r.get('status', '?')}): {reason}")
        out.append(r)
    return out


def collect(
    names: Sequence[str],
    responses: Sequence[Mapping[str, Any]],
    fields: FieldNames = DEFAULT_FIELDS,
) -> tuple[dict[str, Candidate], Ranked]:
    """Candidates (document id and language, first seen) and each sub-query's ranked
    list of ``(chunk_id, raw score)``."""
    id_f, lang_f = fields.id_field, fields.lang_field
    cands: dict[str, Candidate] = {}
    ranked: Ranked = {}
    make = tuple.__new__  # Candidate without its Python-level __new__: ~400 per search
    for name, resp in zip(names, responses, strict=True):
        rows: list[tuple[str, float]] = []
        for h in resp.get("hits", {}).get("hits", ()):
            cid = h["_id"]
            score = h.get("_score")
            rows.append((cid, float(score) if score else 0.0))
            if cid in cands:
                continue
            f = h.get("fields")
            if f and id_f in f and lang_f in f:
                cands[cid] = make(Candidate, (cid, str(f[id_f][0]), str(f[lang_f][0])))
            else:
                cands[cid] = Candidate(cid, _value(h, id_f, cid), _value(h, lang_f, ""))
        ranked[name] = rows
    return cands, ranked


def _value(hit: Mapping[str, Any], name: str, default: str) -> str:
    """A keyword from the hit's doc values (``fields``), else its ``_source``."""
    vals = hit.get("fields", {}).get(name)
    if vals:
        return str(vals[0])
    src = hit.get("_source") or {}
    return str(src.get(name, default))
