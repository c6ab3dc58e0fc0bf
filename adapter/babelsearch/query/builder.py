"""Turn one validated search into request bodies -- pure, so every mode is unit-tested
as golden JSON without a cluster.

Which sub-queries each mode sends:

- ``bm25``/``dense``/``sparse``: one search with that clause.
- ``bool``: one search, lexical + knn (+ sparse) as weighted ``should`` clauses.
- ``hybrid``: one search with a ``hybrid`` query and, always, a search pipeline (inline
  in the body, so weights can change per query) -- a hybrid query without its pipeline returns
  unfused hits silently, so we never send one.
- ``rrf``: one ``_msearch`` (lexical, knn, sparse), fused client-side by rank.
- ``auto`` (language-aware): one ``_msearch`` with lexical and 4-gram sub-queries
  restricted to documents in the query's language, knn over all, names/numbers on the
  neutral field of the other languages, fused client-side by
  :func:`babelsearch.query.fusion.language_aware`.

Two phases. The sub-queries rank: each asks for its candidate window
(:attr:`SearchSpec.size`: ``search.candidates``, or the narrower window of
:mod:`babelsearch.query.windows`) but returns
only ``_id``, ``_score`` and the ``doc_id``/``lang`` doc values (no ``_source``, no
highlighting, no hit count) -- loading and highlighting 100 sources per sub-query cost
more than the search itself. After fusion one fetch (:func:`fetch_body`) loads the
page's chunks by id with ``_source`` (vectors excluded; ``doc_id``, ``chunk_no`` and
``lang`` always included) and highlights them against the lexical query.

Every sub-query, and the fetch, carries the filters (and so the tenant filter); the
:class:`Request` holds them as a field, so the fetch needs nothing stashed beside it.

Why a table (:data:`BUILDERS`): each mode is one small function from the spec to its
:class:`Request`, so a mode can be read, tested and added on its own; the plan
(:mod:`babelsearch.query.plan`) looks the mode up instead of walking an ``if`` chain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..config_search import MODES
from ..types import FieldNames
from ..vectors import VectorForm
from .dense import knn_query
from .lexical import (
    LexicalStyle,
    crossing_terms,
    lexical_fields,
    lexical_query,
    neutral_query,
    ngram_query,
)
from .sparse import neural_sparse_query, rank_feature_query
from .weights import FusionWeights

__all__ = [
    "BUILDERS",
    "HYBRID_MAX_QUERIES",
    "MODES",
    "Request",
    "SearchSpec",
    "build_request",
    "explain_request",
    "fetch_body",
]

HYBRID_MAX_QUERIES = 5
Fusion = Literal["server", "rrf", "language_aware"]
Clause = dict[str, Any]


@dataclass(frozen=True)
class SearchSpec:
    """Everything a request depends on, already validated and resolved."""

    mode: str
    """A concrete mode (``auto`` means the language-aware fusion)."""
    text: str
    qlang: str
    text_fields: tuple[str, ...]
    languages: tuple[str, ...]
    window: int
    """``search.candidates``: how deep a sub-query ranks unless :attr:`sizes` says less."""
    filters: tuple[Clause, ...] = ()
    vector: Sequence[float] | None = None
    sparse_tokens: Mapping[str, float] | None = None
    neural_sparse: bool = True
    weights: FusionWeights = field(default_factory=FusionWeights.from_config)
    normalization: str = "min_max"
    source_includes: tuple[str, ...] | None = None
    lexical_style: LexicalStyle = "best_fields"
    highlight: bool = True
    ef_search: int | None = None
    """``dense.ef_search``: HNSW candidate list size at search time (engine default if None)."""
    vector_form: VectorForm | None = None
    """How the index stores vectors (``dense.dimensions``/``data_type``); the ``knn``
    clause converts :attr:`vector` with it. ``None``: as the encoder gives it."""
    ngram: bool = False
    """The index has ``<field>.neutral.ngram`` (``lexical.ngram``); ``auto`` uses it."""
    field_names: FieldNames | None = None
    """The index layout (:attr:`babelsearch.config.Config.field_names`); ``None``: the
    default layout for ``text_fields``."""

    sizes: Mapping[str, int] = field(default_factory=dict)
    """Signal (``lexical``, ``ngram``, ``dense``, ...) -> its narrower window
    (:func:`babelsearch.query.windows.narrow_windows`); a signal not named ranks
    :attr:`window`."""

    @property
    def names(self) -> FieldNames:
        return self.field_names or FieldNames(text_fields=tuple(self.text_fields))

    def size(self, signal: str | None) -> int:
        """How deep the ``signal`` sub-query ranks."""
        return self.window if signal is None else self.sizes.get(signal, self.window)


@dataclass(frozen=True)
class Request:
    """What to send: one ``search`` body, or one ``_msearch`` of named bodies."""

    mode: str
    kind: Literal["search", "msearch"]
    names: tuple[str, ...]
    """Sub-query names, in order (hybrid/bool: its clauses; msearch: its bodies)."""
    bodies: tuple[Clause, ...]
    fusion: Fusion
    weights: Mapping[str, float] = field(default_factory=dict)
    """Per-sub-query weights of server-fused modes (hybrid, bool)."""
    params: Mapping[str, str] = field(default_factory=dict)
    """Extra URL parameters (``search_pipeline`` when the pipeline is named)."""
    fetch: Mapping[str, Any] = field(default_factory=dict)
    """The fetch phase's body without its query (see :func:`fetch_body`)."""
    filters: tuple[Clause, ...] = ()
    """The filter clauses every sub-query carries; the fetch carries them too."""


# -- shared pieces ------------------------------------------------------------------
def _source(spec: SearchSpec) -> dict[str, Any]:
    n = spec.names
    src: dict[str, Any] = {"excludes": [n.dense_field, n.sparse_field]}
    if spec.source_includes is not None:
        required = (n.id_field, n.chunk_field, n.lang_field)
        src["includes"] = sorted({*spec.source_includes, *required})
    return src


def _body(spec: SearchSpec, query: Clause, signal: str | None = None) -> Clause:
    """A ranking sub-query of ``signal``: ids, scores and the two doc values fusion needs."""
    return {
        "size": spec.size(signal),
        "query": query,
        "_source": False,
        "docvalue_fields": [spec.names.id_field, spec.names.lang_field],
        "track_total_hits": False,
    }


def _fetch(spec: SearchSpec, highlight_query: Clause | None, paths: Sequence[str]) -> Clause:
    """The fetch template: sources and (if asked) highlighting of ``paths``."""
    out: dict[str, Any] = {"_source": _source(spec)}
    if spec.highlight and highlight_query is not None and paths:
        out["highlight"] = {
            "fields": {p: {} for p in paths},
            "fragment_size": 150,
            "number_of_fragments": 1,
            "require_field_match": True,
            "highlight_query": highlight_query,
        }
    return out


def _request(
    spec: SearchSpec,
    kind: Literal["search", "msearch"],
    named: Sequence[tuple[str, Clause]],
    fusion: Fusion,
    fetch: Clause,
) -> Request:
    """A client-fused (or single-clause) request: no clause weights, no URL parameters."""
    names = tuple(n for n, _ in named)
    bodies = tuple(b for _, b in named)
    return Request(spec.mode, kind, names, bodies, fusion, {}, {}, fetch, spec.filters)


def fetch_body(req: Request, ids: Sequence[str]) -> Clause:
    """The fetch phase for the page's chunk ids: their sources and highlights, under
    the same filters as the sub-queries (a tenant never sees another's chunk)."""
    query: Clause = {"ids": {"values": list(ids)}}
    if req.filters:
        query = {"bool": {"filter": [query, *req.filters]}}
    return {"size": len(ids), "query": query, **req.fetch}


def _lex(
    spec: SearchSpec, filters: Sequence[Clause], boost: float | None = None
) -> tuple[Clause, list[str]]:
    boost_lang = spec.weights.lang_boost
    fields = lexical_fields(spec.text_fields, spec.qlang, spec.languages, lang_boost=boost_lang)
    q = lexical_query(spec.text, fields, style=spec.lexical_style, filters=filters, boost=boost)
    return q, [p for p, _ in fields]


def _lex_fetch(spec: SearchSpec, paths: Sequence[str]) -> Clause:
    """The fetch template highlighting ``paths`` against the unfiltered lexical query."""
    return _fetch(spec, _lex(spec, ())[0], paths)


def _knn(spec: SearchSpec, filters: Sequence[Clause], boost: float | None = None) -> Clause:
    if spec.vector is None:
        raise ValueError("this mode needs a query vector")
    return knn_query(
        spec.vector,
        spec.size("dense"),
        field=spec.names.dense_field,
        filters=filters,
        boost=boost,
        ef_search=spec.ef_search,
        form=spec.vector_form,
    )


def _sparse(spec: SearchSpec, filters: Sequence[Clause]) -> Clause | None:
    if not spec.sparse_tokens:
        return None
    field_ = spec.names.sparse_field
    if spec.neural_sparse:
        return neural_sparse_query(spec.sparse_tokens, field=field_, filters=filters)
    return rank_feature_query(spec.sparse_tokens, field=field_, filters=filters)


def _server_weights(spec: SearchSpec, names: Sequence[str]) -> dict[str, float]:
    rel = spec.weights.hybrid
    raw = {"lexical": rel.lexical, "dense": rel.dense, "sparse": rel.sparse or 0.0}
    if "sparse" in names and raw["sparse"] == 0.0:
        raw["sparse"] = min(rel.lexical, rel.dense) or 0.1
    chosen = {n: raw[n] for n in names}
    total = sum(chosen.values()) or 1.0
    # neural-search requires the weights to sum to 1; rounding keeps bodies readable.
    out = {n: round(w / total, 6) for n, w in chosen.items()}
    last = names[-1]
    out[last] = round(1.0 - sum(w for n, w in out.items() if n != last), 6)
    return out


def _pipeline(spec: SearchSpec, weights: Sequence[float]) -> Clause:
    """The schema's pipeline for the normalization technique, with this query's weights."""
    from ..schema import pipeline_body

    return pipeline_body(spec.normalization, weights)


def _subqueries(spec: SearchSpec) -> tuple[dict[str, Clause], Clause]:
    """hybrid/bool/rrf: lexical, dense and (with tokens) sparse, each filtered; and
    the fetch template."""
    f = list(spec.filters)
    lex, hl = _lex(spec, f)
    subs: dict[str, Clause] = {"lexical": lex, "dense": _knn(spec, f)}
    sq = _sparse(spec, f)
    if sq is not None:
        subs["sparse"] = sq
    return subs, _lex_fetch(spec, hl)


# -- one builder per mode -------------------------------------------------------------
def _bm25(spec: SearchSpec) -> Request:
    q, hl = _lex(spec, list(spec.filters))
    body = _body(spec, q, "lexical")
    return _request(spec, "search", [("lexical", body)], "server", _lex_fetch(spec, hl))


def _dense(spec: SearchSpec) -> Request:
    body = _body(spec, _knn(spec, list(spec.filters)), "dense")
    return _request(spec, "search", [("dense", body)], "server", _fetch(spec, None, ()))


def _sparse_mode(spec: SearchSpec) -> Request:
    sq = _sparse(spec, list(spec.filters))
    if sq is None:
        raise ValueError("sparse mode needs query tokens")
    body = _body(spec, sq, "sparse")
    return _request(spec, "search", [("sparse", body)], "server", _fetch(spec, None, ()))


def _rrf(spec: SearchSpec) -> Request:
    """One ``_msearch`` of the sub-queries, fused client-side by rank."""
    subs, fetch = _subqueries(spec)
    named = [(n, _body(spec, q, n)) for n, q in subs.items()]
    return _request(spec, "msearch", named, "rrf", fetch)


def _bool(spec: SearchSpec) -> Request:
    """One search: the sub-queries as boosted ``should`` clauses, filters once outside."""
    subs, fetch = _subqueries(spec)
    names = tuple(subs)
    weights = _server_weights(spec, names)
    f = list(spec.filters)
    should = [_lex(spec, (), boost=weights["lexical"])[0], _knn(spec, f, boost=weights["dense"])]
    if "sparse" in subs:
        should.append({"bool": {"must": [_sparse(spec, ())], "boost": weights["sparse"]}})
    q: Clause = {"bool": {"should": should, "minimum_should_match": 1}}
    if f:
        q["bool"]["filter"] = f
    body = _body(spec, q)
    return Request(spec.mode, "search", names, (body,), "server", weights, {}, fetch, spec.filters)


def _hybrid(spec: SearchSpec) -> Request:
    """One ``hybrid`` search, always with its pipeline inline in the body (so this
    query's weights travel with it; the pipelines ``mappings apply`` stores per alias are
    for the user's own hybrid queries, e.g. from Dashboards)."""
    subs, fetch = _subqueries(spec)
    names = tuple(subs)
    if len(subs) > HYBRID_MAX_QUERIES:  # pragma: no cover - we build at most 3
        raise ValueError("hybrid takes at most 5 sub-queries")
    weights = _server_weights(spec, names)
    body = _body(spec, {"hybrid": {"queries": list(subs.values())}})
    body["search_pipeline"] = _pipeline(spec, [weights[n] for n in names])
    return Request(spec.mode, "search", names, (body,), "server", weights, {}, fetch, spec.filters)


def _auto(spec: SearchSpec) -> Request:
    """The language-aware ``_msearch``: see the module docstring."""
    f = list(spec.filters)
    lang = spec.names.lang_field
    same = [*f, {"term": {lang: spec.qlang}}]
    lex, hl = _lex(spec, same)
    named: list[tuple[str, Clause]] = [("lexical", _body(spec, lex, "lexical"))]
    highlight_q = [_lex(spec, ())[0]]
    w = spec.weights
    pairs = w.pairs.values()
    if spec.ngram and (w.same.ngram > 0 or any(r.ngram > 0 for r in pairs)):
        ngram = ngram_query(spec.text, spec.text_fields, filters=same)
        named.append(("ngram", _body(spec, ngram, "ngram")))
    if spec.vector is not None:
        named.append(("dense", _body(spec, _knn(spec, f), "dense")))
    if w.cross.neutral > 0 or any(r.neutral > 0 for r in pairs):
        other = [*f, {"bool": {"must_not": [{"term": {lang: spec.qlang}}]}}]
        terms = crossing_terms(spec.text)
        nq = neutral_query(spec.text, spec.text_fields, filters=other, terms=terms)
        if nq is not None:
            named.append(("neutral", _body(spec, nq, "neutral")))
            highlight_q.append(neutral_query(spec.text, spec.text_fields, terms=terms) or nq)
            neutral = (spec.names.neutral(t) for t in spec.text_fields)
            hl = [*hl, *(p for p in neutral if p not in hl)]
    if spec.sparse_tokens and (w.same.sparse > 0 or w.cross.sparse > 0):
        sq = _sparse(spec, f)
        if sq is not None:
            named.append(("sparse", _body(spec, sq, "sparse")))
    hq = highlight_q[0] if len(highlight_q) == 1 else {"bool": {"should": highlight_q}}
    return _request(spec, "msearch", named, "language_aware", _fetch(spec, hq, hl))


BUILDERS: Mapping[str, Callable[[SearchSpec], Request]] = {
    "auto": _auto,
    "bm25": _bm25,
    "dense": _dense,
    "sparse": _sparse_mode,
    "hybrid": _hybrid,
    "bool": _bool,
    "rrf": _rrf,
}
"""Mode -> its pure builder; the keys are exactly :data:`MODES`."""


def build_request(spec: SearchSpec) -> Request:
    """The request for ``spec.mode``; see the module docstring for what each sends."""
    builder = BUILDERS.get(spec.mode)
    if builder is None:
        raise ValueError(f"unknown mode {spec.mode!r}")
    return builder(spec)


def explain_request(req: Request) -> Request:
    """For server-fused modes: the same sub-queries as one ``_msearch``, so each hit's
    raw score, normalized score and rank per sub-query can be shown."""
    body = req.bodies[0]
    q = body["query"]
    if req.mode == "hybrid":
        subs = q["hybrid"]["queries"]
    elif req.mode == "bool":
        subs = _bool_subs(q)
    else:
        subs = [q]
    base = {k: v for k, v in body.items() if k not in ("query", "search_pipeline")}
    bodies = tuple({**base, "query": s} for s in subs)
    return Request(
        req.mode, "msearch", req.names, bodies, req.fusion, req.weights, {}, req.fetch, req.filters
    )


def _bool_subs(q: Clause) -> list[Clause]:
    """The bool clauses as standalone queries (boost kept, filters added back)."""
    filters = q["bool"].get("filter", [])
    out = []
    for clause in q["bool"]["should"]:
        if "knn" in clause or not filters:
            out.append(clause)
        else:
            out.append({"bool": {"must": [clause], "filter": filters}})
    return out
