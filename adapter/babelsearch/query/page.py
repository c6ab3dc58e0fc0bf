"""Results: the page cut from one order per query, and the hits a caller gets back (pure).

Why one order: every mode retrieves its candidate window (the same for every page of a
query), fuses it, keeps each document's best chunk, and only then cuts page ``p`` as
ranks ``[(p-1)k, pk)``. Pages of one query therefore never overlap and never skip, which
per-page ``from``/``size`` on a fused list cannot promise. With adaptive windows
(:mod:`babelsearch.query.windows`) a page beyond the narrow window continues that order
with the wide window's other documents (:func:`widened`). The window's hits carry only
ids, scores, ``doc_id`` and ``lang``; :func:`hits_of` joins the page with the fetch
phase's sources and highlights.

:class:`Hit` is also the one place a hit becomes a dict (:meth:`Hit.to_dict`) and gets
a display title (:func:`hit_title`), for the CLI, the quickstart and services alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..types import NEUTRAL
from .fusion import Candidate, Fused

__all__ = [
    "Hit",
    "RankedPage",
    "SearchResult",
    "distinct_docs",
    "hit_title",
    "hits_of",
    "page_of",
    "widened",
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

    def to_dict(self, text_fields: Sequence[str] | None = None) -> dict[str, Any]:
        """The hit as plain data; with ``text_fields``, also its ``title``
        (:func:`hit_title`), as ``babelsearch search --json`` prints it."""
        out: dict[str, Any] = {
            "id": self.id,
            "chunk_id": self.chunk_id,
            "score": self.score,
            "lang": self.lang,
        }
        if text_fields is not None:
            out["title"] = hit_title(self, text_fields)
        out["source"] = self.source
        out["highlights"] = self.highlights
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out


def hit_title(hit: Hit, text_fields: Sequence[str]) -> str:
    """The first non-empty text field of the hit, in the hit's language (the indexed
    shape is ``{"<lang>": text, "neutral": text}``), else its neutral copy, else any."""
    for f in text_fields:
        val = hit.source.get(f)
        if isinstance(val, Mapping):
            text = val.get(hit.lang) or val.get(NEUTRAL) or next((v for v in val.values() if v), "")
            if text:
                return str(text)
        elif isinstance(val, str) and val:
            return val
    return ""


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
    """How many distinct documents the fused window held. With adaptive windows
    (:mod:`babelsearch.query.windows`) this counts the narrow window for the first pages,
    so a later page may still find more, up to ``search.candidates``."""

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


@dataclass(frozen=True)
class RankedPage:
    """The fused page (chunk ids and scores) before its sources are fetched."""

    page: list[Fused]
    candidates: dict[str, Candidate]
    total: int
    """Distinct documents in the fused window."""
    docs: Sequence[Fused] = ()
    """The fused window, one (best) chunk per document, in order: what :func:`widened`
    continues when a page reaches beyond it."""
    cut: bool = False
    """Some sub-query's list was as long as its window: a wider window may rank more."""

    @property
    def ids(self) -> list[str]:
        return [f.chunk_id for f in self.page]


def _doc(f: Fused, cands: Mapping[str, Candidate]) -> str:
    c = cands.get(f.chunk_id)
    return c.doc_id if c is not None else f.chunk_id


def distinct_docs(fused: Sequence[Fused], cands: Mapping[str, Candidate]) -> list[Fused]:
    """Each document's best (first) chunk, in fused order."""
    seen: set[str] = set()
    docs: list[Fused] = []
    for f in fused:
        doc = _doc(f, cands)
        if doc in seen:
            continue
        seen.add(doc)
        docs.append(f)
    return docs


def page_of(
    fused: Sequence[Fused], cands: Mapping[str, Candidate], *, k: int, page: int
) -> tuple[list[Fused], int]:
    """Keep each document's best chunk, then ranks ``[(page-1)*k, page*k)``; also the
    number of distinct documents in the window."""
    docs = distinct_docs(fused, cands)
    return docs[(page - 1) * k : page * k], len(docs)


def widened(
    narrow: Sequence[Fused], wide: Sequence[Fused], cands: Mapping[str, Candidate]
) -> list[Fused]:
    """The one order of a query whose first pages came from a narrow window: the narrow
    window's documents (``narrow``, already distinct) in their order, then the wide
    window's documents it did not hold, in theirs -- so the pages cut before and after
    widening neither overlap nor skip."""
    held = {_doc(f, cands) for f in narrow}
    return [*narrow, *(f for f in distinct_docs(wide, cands) if _doc(f, cands) not in held)]


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
