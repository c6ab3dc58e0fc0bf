"""The search plan: what one search sends, how it fuses, what it fetches -- pure.

A search is three pure steps around two round trips, whichever driver runs it:

1. :func:`resolve` checks the :class:`~babelsearch.query.request.SearchRequest`
   against the :class:`SearchContext` (config, cluster capabilities, encoder info):
   limits, mode, filters, and which query encodings the mode needs.
2. :func:`build_plan` (after the driver has resolved the language and encoded the
   query) renders the mode's :class:`~babelsearch.query.builder.Request` through the
   :data:`~babelsearch.query.builder.BUILDERS` table and freezes everything fusion and
   paging need into a :class:`SearchPlan`.
3. The driver sends ``plan.request`` (and ``plan.explain_request``), hands the
   responses to :meth:`SearchPlan.finish` (collect, fuse, explain, page); if the page
   reaches beyond a narrow window (:meth:`SearchPlan.widening`, see
   :mod:`babelsearch.query.windows`) it sends that wide request and continues the order
   with :meth:`SearchPlan.widen`; then it sends :meth:`SearchPlan.fetch_body` and gets
   the hits from :meth:`SearchPlan.result`.

Why: the sync and async drivers (:mod:`babelsearch.query.searcher`) then differ only in
``await``, so they cannot drift, and a plan is unit-tested without a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from ..config import Config
from ..errors import QueryError
from ..types import Capabilities, EncoderInfo, FieldNames
from ..vectors import vector_form
from .builder import Request, SearchSpec, build_request, explain_request, fetch_body
from .filters import build_filters
from .fusion import (
    OPENSEARCH_MIN_SCORE,
    Candidate,
    Fused,
    language_aware,
    reciprocal_rank,
    weighted_mean,
)
from .modes import resolve_mode
from .page import Hit, RankedPage, SearchResult, distinct_docs, hits_of, widened
from .request import SearchRequest
from .weights import FusionWeights
from .windows import narrow_windows
from .wire import collect

__all__ = [
    "NEEDS",
    "Resolved",
    "SearchContext",
    "SearchPlan",
    "build_plan",
    "explain_server",
    "fuse",
    "resolve",
]

NEEDS: Mapping[str, tuple[bool, bool]] = {
    "auto": (True, True),
    "bm25": (False, False),
    "dense": (True, False),
    "sparse": (False, True),
    "hybrid": (True, True),
    "bool": (True, True),
    "rrf": (True, True),
}
"""Mode -> (needs the query's dense vector, may use its sparse weights)."""


@dataclass(frozen=True)
class SearchContext:
    """The index side of every plan: the config, what the cluster can do, the encoder."""

    cfg: Config
    caps: Capabilities
    info: EncoderInfo
    weights: FusionWeights

    @property
    def sparse(self) -> bool:
        """Whether searches use sparse weights (:meth:`Config.use_sparse`)."""
        return self.cfg.use_sparse(self.info)


@dataclass(frozen=True)
class Resolved:
    """A checked request's concrete mode, filter clauses and the encodings it needs."""

    mode: str
    filters: tuple[dict[str, Any], ...]
    dense: bool
    sparse: bool


def resolve(ctx: SearchContext, req: SearchRequest) -> Resolved:
    """Check ``req`` (limits, mode, filters) and say which encodings it needs; every
    refusal is a :class:`QueryError` raised before anything is encoded or sent."""
    req.check(ctx.cfg.search)
    mode = resolve_mode(req.mode, ctx.caps, ctx.sparse)
    filters = tuple(build_filters(ctx.cfg, req.filters))
    dense, sparse = NEEDS[mode]
    sparse = sparse and ctx.sparse
    if mode == "auto" and not (ctx.weights.same.sparse or ctx.weights.cross.sparse):
        sparse = False
    return Resolved(mode, filters, dense, sparse)


@dataclass(frozen=True)
class SearchPlan:
    """One search, frozen: the requests to send and everything the pure finish needs."""

    request: Request
    """The ranking round trip (one ``search`` or one ``_msearch``)."""
    explain_request: Request | None
    """Server-fused modes with ``explain``: their sub-queries as one ``_msearch``."""
    qlang: str
    k: int
    page: int
    explain: bool
    weights: FusionWeights
    info: EncoderInfo
    """The encoder's description: fusion distrusts dense scores in languages it does
    not cover (:meth:`EncoderInfo.covers`)."""
    rrf_k: int
    normalization: str
    fields: FieldNames
    wide_spec: SearchSpec | None = None
    """The spec of :attr:`wide` (built only when a page needs it)."""

    @property
    def mode(self) -> str:
        return self.request.mode

    @cached_property
    def wide(self) -> Request | None:
        """The same sub-queries at the full ``search.candidates`` window when
        :attr:`request` ranks narrower ones (:mod:`babelsearch.query.windows`); sent
        only for a page beyond the narrow window, so built only then."""
        return None if self.wide_spec is None else build_request(self.wide_spec)

    @property
    def full_request(self) -> Request:
        """The ranking request at full windows (what tuning captures)."""
        return self.wide or self.request

    def _fused(
        self, req: Request, responses: Sequence[Mapping[str, Any]]
    ) -> tuple[dict[str, Candidate], dict[str, list[tuple[str, float]]], list[Fused]]:
        names = req.names if req.kind == "msearch" else (req.mode,)
        cands, ranked = collect(names, responses, self.fields)
        fused = fuse(
            req,
            cands,
            ranked,
            qlang=self.qlang,
            weights=self.weights,
            covers=self.info.covers,
            rrf_k=self.rrf_k,
            explain=self.explain,
        )
        return cands, ranked, fused

    def _ranked(self, docs: list[Fused], cands: dict[str, Candidate], cut: bool) -> RankedPage:
        start = (self.page - 1) * self.k
        return RankedPage(docs[start : start + self.k], cands, len(docs), docs, cut)

    def finish(
        self,
        responses: Sequence[Mapping[str, Any]],
        explain_responses: Sequence[Mapping[str, Any]] | None = None,
    ) -> RankedPage:
        """Collect, fuse (and explain) the ranking responses, then cut the page."""
        req = self.request
        cands, ranked, fused = self._fused(req, responses)
        if self.explain and explain_responses is not None:
            _, sub_ranked = collect(req.names, explain_responses, self.fields)
            fused = explain_server(req, fused, sub_ranked, normalization=self.normalization)
        cut = any(len(lst) >= b["size"] for lst, b in zip(ranked.values(), req.bodies, strict=True))
        return self._ranked(distinct_docs(fused, cands), cands, cut)

    def widening(self, ranked: RankedPage) -> Request | None:
        """The wide request to send when the page reaches beyond the narrow window and
        a narrow list was cut off (a wider window may rank more); else ``None``."""
        if self.wide is None or not ranked.cut or self.page * self.k <= ranked.total:
            return None
        return self.wide

    def widen(self, ranked: RankedPage, responses: Sequence[Mapping[str, Any]]) -> RankedPage:
        """The page from the narrow window's order continued by the wide one's
        (:func:`babelsearch.query.page.widened`): one order for every page."""
        cands, _, fused = self._fused(self.full_request, responses)
        merged = {**cands, **ranked.candidates}
        return self._ranked(widened(ranked.docs, fused, merged), merged, False)

    def fetch_body(self, ranked: RankedPage) -> dict[str, Any] | None:
        """The fetch of the page's sources and highlights; ``None`` for an empty page."""
        return fetch_body(self.request, ranked.ids) if ranked.page else None

    def hits(self, ranked: RankedPage, fetched: Mapping[str, Any] | None) -> list[Hit]:
        return hits_of(ranked.page, ranked.candidates, fetched, explain=self.explain)

    def result(
        self, ranked: RankedPage, fetched: Mapping[str, Any] | None, took_ms: float
    ) -> SearchResult:
        return SearchResult(
            hits=self.hits(ranked, fetched),
            mode=self.mode,
            query_lang=self.qlang,
            took_ms=round(took_ms, 3),
            page=self.page,
            k=self.k,
            candidates=ranked.total,
        )


def build_plan(
    ctx: SearchContext,
    req: SearchRequest,
    resolved: Resolved,
    *,
    qlang: str,
    vector: Sequence[float] | None = None,
    tokens: Mapping[str, float] | None = None,
) -> SearchPlan:
    """The plan for a resolved request, its query language and its encodings."""
    cfg = ctx.cfg
    if resolved.mode == "sparse" and not tokens:
        raise QueryError("the encoder gave no sparse weights for this query")
    spec = SearchSpec(
        mode=resolved.mode,
        text=req.text,
        qlang=qlang,
        text_fields=tuple(cfg.fields.text),
        languages=tuple(cfg.languages),
        window=cfg.search.candidates,
        filters=resolved.filters,
        vector=vector,
        sparse_tokens=tokens,
        neural_sparse=ctx.caps.neural_sparse,
        weights=ctx.weights,
        normalization=cfg.search.normalization,
        source_includes=None if req.source_includes is None else tuple(req.source_includes),
        highlight=req.highlight,
        ngram=cfg.lexical.ngram,
        ef_search=cfg.dense.ef_search,
        vector_form=vector_form(ctx.info, cfg.dense) if vector is not None else None,
        field_names=cfg.field_names,
    )
    sizes = narrow_windows(resolved.mode, cfg.search.candidates, cfg.search.windows, req.k)
    wide_spec = None if sizes is None else spec
    request = build_request(spec if sizes is None else replace(spec, sizes=sizes))
    explained = None
    if req.explain and request.fusion == "server" and len(request.names) > 1:
        explained = explain_request(request)
    return SearchPlan(
        request=request,
        explain_request=explained,
        qlang=qlang,
        k=req.k,
        page=req.page,
        explain=req.explain,
        weights=ctx.weights,
        info=ctx.info,
        rrf_k=cfg.search.rrf_k,
        normalization=cfg.search.normalization,
        fields=cfg.field_names,
        wide_spec=wide_spec,
    )


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
