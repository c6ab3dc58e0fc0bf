"""Search results: response parsing, fusion dispatch, de-duplication and pages (pure).

Why a fixed window: every mode retrieves the same ``search.candidates`` best chunks,
fuses them, keeps each document's best chunk, and only then cuts page ``p`` as ranks
``[(p-1)k, pk)``. Pages of one query therefore never overlap and never skip, which
per-page ``from``/``size`` on a fused list cannot promise. The window's hits carry only
ids, scores, ``doc_id`` and ``lang``; :func:`hits_of` joins the page with the fetch
phase's sources and highlights.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from .builder import Request
from .fusion import (
    OPENSEARCH_MIN_SCORE,
    Candidate,
    Fused,
    language_aware,
    reciprocal_rank,
    weighted_mean,
)
from .weights import FusionWeights

__all__ = [
    "Hit",
    "SearchResult",
    "check_msearch",
    "collect",
    "fuse",
    "hits_of",
    "msearch_body",
    "page_of",
]


@dataclass(frozen=True)
class Hit:
    """One document in the results (its best-scoring chunk)."""

    id: str
    """The document id the ingestor was given."""
    chunk_id: str
    score: float
    lang: str
    source: dict[str, Any]
    highlights: dict[str, list[str]] = field(default_factory=dict)
    explanation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "chunk_id": self.chunk_id,
            "score": self.score,
            "lang": self.lang,
            "source": self.source,
            "highlights": self.highlights,
        }
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    mode: str
    """The mode that ran (``auto`` resolves to the concrete strategy)."""
    query_lang: str
    took_ms: float
    page: int = 1
    k: int = 10
    candidates: int = 0
    """How many distinct documents the fused window held (pages beyond it are empty)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": [h.to_dict() for h in self.hits],
            "mode": self.mode,
            "query_lang": self.query_lang,
            "took_ms": self.took_ms,
            "page": self.page,
            "k": self.k,
            "candidates": self.candidates,
        }


def collect(
    names: Sequence[str], responses: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Candidate], dict[str, list[tuple[str, float]]]]:
    """Candidates (document id and language, first seen) and each sub-query's ranked
    list of ``(chunk_id, raw score)``."""
    cands: dict[str, Candidate] = {}
    ranked: dict[str, list[tuple[str, float]]] = {}
    for name, resp in zip(names, responses, strict=True):
        hits = resp.get("hits", {}).get("hits", ())
        ranked[name] = [(h["_id"], float(h.get("_score") or 0.0)) for h in hits]
        for h in hits:
            cid = h["_id"]
            if cid in cands:
                continue
            f = h.get("fields")
            if f and "doc_id" in f and "lang" in f:
                cands[cid] = Candidate(cid, str(f["doc_id"][0]), str(f["lang"][0]))
            else:
                cands[cid] = Candidate(cid, _value(h, "doc_id", cid), _value(h, "lang", ""))
    return cands, ranked


def _value(hit: Mapping[str, Any], name: str, default: str) -> str:
    """A keyword from the hit's doc values (``fields``), else its ``_source``."""
    vals = hit.get("fields", {}).get(name)
    if vals:
        return str(vals[0])
    src = hit.get("_source") or {}
    return str(src.get(name, default))


def fuse(
    req: Request,
    cands: Mapping[str, Candidate],
    ranked: Mapping[str, Sequence[tuple[str, float]]],
    *,
    qlang: str,
    weights: FusionWeights,
    covers: Callable[[str], bool],
    rrf_k: int = 60,
    explain: bool = True,
) -> list[Fused]:
    """The fused, ordered window for the request's fusion strategy."""
    if req.fusion == "rrf":
        return reciprocal_rank(ranked, k=rrf_k, explain=explain)
    if req.fusion == "language_aware":
        return language_aware(
            cands, ranked, qlang=qlang, weights=weights, covers=covers, explain=explain
        )
    # server-fused: keep the server's order and score
    name = next(iter(ranked))
    if not explain:
        return [Fused(cid, score, {}) for cid, score in ranked[name]]
    return [
        Fused(cid, score, {name: {"raw": score, "norm": score, "rank": i, "weight": 1.0}})
        for i, (cid, score) in enumerate(ranked[name], start=1)
    ]


def explain_server(
    req: Request,
    server: Sequence[Fused],
    ranked: Mapping[str, Sequence[tuple[str, float]]],
    *,
    normalization: str = "min_max",
) -> list[Fused]:
    """Explanations for server-fused ``hybrid``/``bool`` hits from the sub-queries' own
    results: hybrid replays the normalization processor (per-sub-query normalization,
    weighted mean), bool is the sum of the boosted clause scores."""
    if req.mode == "hybrid":
        replay = weighted_mean(
            ranked,
            req.weights,
            technique=normalization,  # type: ignore[arg-type]
            floor=OPENSEARCH_MIN_SCORE,
        )
        expl = {f.chunk_id: f.explanation for f in replay}
    else:
        expl = {}
        for name, lst in ranked.items():
            for i, (cid, raw) in enumerate(lst):
                expl.setdefault(cid, {})[name] = {
                    "raw": raw,
                    "norm": raw / req.weights[name] if req.weights[name] else 0.0,
                    "rank": i + 1,
                    "weight": req.weights[name],
                }
        for e in expl.values():
            for name in ranked:
                e.setdefault(name, {"raw": None, "norm": 0.0, "rank": None, "weight": 0.0})
    return [Fused(f.chunk_id, f.score, expl.get(f.chunk_id, {})) for f in server]


def page_of(
    fused: Sequence[Fused], cands: Mapping[str, Candidate], *, k: int, page: int
) -> tuple[list[Fused], int]:
    """Keep each document's best chunk, then ranks ``[(page-1)*k, page*k)``; also the
    number of distinct documents in the window."""
    seen: set[str] = set()
    docs: list[Fused] = []
    for f in fused:
        c = cands.get(f.chunk_id)
        doc = c.doc_id if c is not None else f.chunk_id
        if doc in seen:
            continue
        seen.add(doc)
        docs.append(f)
    return docs[(page - 1) * k : page * k], len(docs)


def hits_of(
    page: Sequence[Fused],
    cands: Mapping[str, Candidate],
    fetched: Mapping[str, Any] | None,
    *,
    explain: bool,
) -> list[Hit]:
    """The page's hits with the fetch phase's sources and highlights, in fused order.

    A chunk deleted between the two phases is dropped rather than shown without text.
    """
    found = {h["_id"]: h for h in (fetched or {}).get("hits", {}).get("hits", ())}
    hits = []
    for f in page:
        h = found.get(f.chunk_id)
        if h is None:
            continue
        c = cands[f.chunk_id]
        explanation = {"score": f.score, "signals": f.explanation} if explain else None
        hits.append(
            Hit(
                id=c.doc_id,
                chunk_id=c.chunk_id,
                score=f.score,
                lang=c.lang,
                source=h.get("_source") or {},
                highlights={p: list(v) for p, v in (h.get("highlight") or {}).items()},
                explanation=explanation,
            )
        )
    return hits


def msearch_body(alias: str, bodies: Sequence[Mapping[str, Any]]) -> str:
    """NDJSON for ``_msearch`` (orjson: the bodies carry 512+ floats each)."""
    header = orjson.dumps({"index": alias})
    parts = []
    for b in bodies:
        parts.append(header)
        parts.append(orjson.dumps(b))
    return (b"\n".join(parts) + b"\n").decode()


def check_msearch(resp: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The per-body responses; a failed body fails the search (no silent partial fusion)."""
    from ..errors import ClusterError

    out = []
    for r in resp.get("responses", []):
        if "error" in r:
            err = r["error"]
            reason = err.get("reason", err) if isinstance(err, dict) else err
            raise ClusterError(f"a sub-query failed ({r.get('status', '?')}): {reason}")
        out.append(r)
    return out
