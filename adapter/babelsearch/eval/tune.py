"""``babelsearch tune``: fusion weights learned from a user's judgments, held out honestly.

How: every judged query is searched once, in ``auto`` mode, against the user's own
index, with every client-side signal switched on (:func:`capture_overrides`), and the
sub-queries' ranked lists are kept (:class:`Captured`). The weights in :data:`TUNABLE`
act only in the client-side fusion, so any candidate weighting can then be scored by
re-fusing those lists (pure, about a millisecond per query) instead of searching again.
Coordinate ascent over a small multiplicative grid looks for better relation weights
(``same.*``, ``cross.*``, ``untrusted_dense``, ``corroboration``) on the training
queries, then for per-pair overrides (``<qlang>-<doclang>.*``) only where a pair has
enough training *and* held-out queries and the held-out score improves. The result is
kept only if it is at least as good as the starting weights on the held-out queries
(split by group, see :func:`babelsearch.eval.judgments.split_by_group`); otherwise the
starting weights are returned and the report says so.

``lang_boost`` and ``hybrid.*`` are not tuned here: they change what the server
computes (the lexical query, the server-fused modes), which re-fusion cannot replay.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..config_search import DEFAULT_WEIGHTS, SIGNALS, check_weights
from ..errors import ConfigError
from ..query.builder import Request
from ..query.fusion import Candidate, Fused
from ..query.page import distinct_docs, widened
from ..query.plan import fuse
from ..query.request import SearchRequest
from ..query.weights import FusionWeights
from ..query.wire import collect
from .judgments import Judged
from .metrics import average_precision, ndcg_at_k, reciprocal_rank

if TYPE_CHECKING:  # pragma: no cover
    from ..query.searcher import Searcher

__all__ = [
    "METRICS",
    "TUNABLE",
    "Captured",
    "TuneOptions",
    "TuneResult",
    "capture",
    "capture_overrides",
    "evaluate",
    "tune_weights",
]

TUNABLE: tuple[str, ...] = tuple(
    k for k in DEFAULT_WEIGHTS if not k.startswith("hybrid.") and k != "lang_boost"
)
"""The weights re-fusion can replay (client-side fusion only)."""

METRICS: Mapping[str, Callable[[Sequence[str], Mapping[str, float], int], float]] = {
    "mrr": lambda r, rel, k: reciprocal_rank(r, rel, k),
    "map": lambda r, rel, k: average_precision(r, rel, k),
    "ndcg@10": lambda r, rel, k: ndcg_at_k(r, rel, min(k, 10)),
}
"""What tuning can maximise (cut at the candidate window ``k``)."""

_PROBE = 0.01
"""A weight just big enough for the builder to send a signal's sub-query at capture."""
_STEPS = (0.5, 0.75, 1.25, 1.5, 2.0)
_FROM_ZERO = (0.05, 0.1, 0.2)
_UNIT = frozenset({"corroboration", "untrusted_dense"})
"""Weights that are fractions: kept within [0, 1]."""


@dataclass(frozen=True)
class Captured:
    """One judged query's ranking round trip, ready to be re-fused under any weights."""

    judged: Judged
    qlang: str
    request: Request
    cands: Mapping[str, Candidate]
    ranked: Mapping[str, Sequence[tuple[str, float]]]
    wide: Captured | None = None
    """The full-window round trip, when the live search would widen for this ``k``
    (:mod:`babelsearch.query.windows`): the replay continues the order with it."""

    @property
    def all_cands(self) -> Mapping[str, Candidate]:
        """Every candidate either round trip saw (the narrow window's first)."""
        return self.cands if self.wide is None else {**self.wide.cands, **self.cands}


@dataclass(frozen=True)
class TuneOptions:
    holdout: float = 0.3
    seed: int = 0
    metric: str = "mrr"
    k: int = 100
    """Candidate window and metric cut-off."""
    min_pair_queries: int = 50
    """Training queries a pair needs before it gets weights of its own (and a fifth of
    that held out)."""
    min_pair_gain: float = 0.005
    """What a pair's own weights must add on its held-out queries to be kept: a pair
    override is a dozen more numbers in the config, fitted on fewer queries."""
    passes: int = 3
    concurrency: int = 4


@dataclass
class TuneResult:
    """What tuning found: the weights to write and the evidence for them."""

    metric: str
    start: dict[str, float]
    """The starting overrides (the config's ``search.weights``)."""
    weights: dict[str, float]
    """The overrides to write (every key that differs from the shipped defaults)."""
    kept: bool
    """Whether the tuned weights beat (or matched) the start on the held-out queries."""
    train: dict[str, Any] = field(default_factory=dict)
    held_out: dict[str, Any] = field(default_factory=dict)
    pairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, tuple[float, float]]:
        """``key -> (before, after)`` for every weight the result changes."""
        before = {**DEFAULT_WEIGHTS, **self.start}
        after = {**DEFAULT_WEIGHTS, **self.weights}
        keys = sorted(set(before) | set(after))
        return {
            k: (before.get(k, math.nan), after.get(k, math.nan))
            for k in keys
            if before.get(k) != after.get(k)
        }


def capture_overrides(overrides: Mapping[str, float]) -> dict[str, float]:
    """``overrides`` with every client-side signal that is off switched on at a probe
    weight, so that the capture sends its sub-query (re-fusion can switch it off)."""
    out = dict(overrides)
    for key in ("same.ngram", "cross.neutral", "same.sparse", "cross.sparse"):
        if out.get(key, DEFAULT_WEIGHTS[key]) <= 0:
            out[key] = _PROBE
    return out


def capture(
    searcher: Searcher, judged: Sequence[Judged], *, k: int = 100, concurrency: int = 4
) -> list[Captured]:
    """Search every judged query once (``auto``, no highlighting, no sources) and keep
    the sub-queries' ranked lists; ``searcher`` should carry :func:`capture_overrides`."""

    def one(j: Judged) -> Captured:
        plan = searcher.plan(
            SearchRequest(j.text, j.lang, "auto", k, j.filters, highlight=False, source_includes=())
        )

        def trip(req: Request, responses: Any, wide: Captured | None = None) -> Captured:
            cands, ranked = collect(req.names, responses, plan.fields)
            return Captured(j, plan.qlang, req, cands, ranked, wide)

        responses = searcher._send(plan.request)
        # widen exactly when the live search would (the decision is the plan's)
        wide = plan.widening(plan.finish(responses))
        outer = None if wide is None else trip(wide, searcher._send(wide))
        return trip(plan.request, responses, outer)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(one, judged))


def ranking(
    c: Captured, weights: FusionWeights, covers: Callable[[str], bool], k: int
) -> list[str]:
    """Document ids of ``c`` re-fused under ``weights``, best first (one per document)."""
    docs = distinct_docs(_fused(c, weights, covers), c.cands)
    if c.wide is not None and len(docs) < k:  # as SearchPlan.widen continues the order
        docs = widened(docs, _fused(c.wide, weights, covers), c.all_cands)
    cands = c.all_cands
    return [cands[f.chunk_id].doc_id for f in docs[:k]]


def _fused(c: Captured, weights: FusionWeights, covers: Callable[[str], bool]) -> list[Fused]:
    return fuse(
        c.request, c.cands, c.ranked, qlang=c.qlang, weights=weights, covers=covers, explain=False
    )


def evaluate(
    captured: Sequence[Captured],
    overrides: Mapping[str, float],
    covers: Callable[[str], bool],
    *,
    metric: str = "mrr",
    k: int = 100,
) -> dict[str, Any]:
    """Mean ``metric`` under ``overrides``: overall, per query language and per
    ``<qlang>-><doclang>`` pair (relevance restricted to documents of that language)."""
    score = METRICS[metric]
    weights = FusionWeights.from_config(overrides)
    doc_lang = _doc_langs(captured)
    total: list[float] = []
    by_lang: dict[str, list[float]] = defaultdict(list)
    by_pair: dict[str, list[float]] = defaultdict(list)
    for c in captured:
        ranked = ranking(c, weights, covers, k)
        s = score(ranked, c.judged.relevant, k)
        total.append(s)
        by_lang[c.qlang].append(s)
        per: dict[str, dict[str, float]] = defaultdict(dict)
        for d, g in c.judged.relevant.items():
            if d in doc_lang:
                per[doc_lang[d]][d] = g
        for lang, rel in per.items():
            by_pair[f"{c.qlang}->{lang}"].append(score(ranked, rel, k))

    def mean(xs: Sequence[float]) -> float:
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    return {
        "queries": len(total),
        "mean": mean(total),
        "by_lang": {g: {"mean": mean(v), "queries": len(v)} for g, v in sorted(by_lang.items())},
        "by_pair": {p: {"mean": mean(v), "queries": len(v)} for p, v in sorted(by_pair.items())},
    }


def _mean_score(
    captured: Sequence[Captured],
    overrides: Mapping[str, float],
    covers: Callable[[str], bool],
    opts: TuneOptions,
) -> float:
    """The mean score alone (what the search maximises; :func:`evaluate` reports)."""
    score = METRICS[opts.metric]
    weights = FusionWeights.from_config(overrides)
    total = sum(
        score(ranking(c, weights, covers, opts.k), c.judged.relevant, opts.k) for c in captured
    )
    return total / len(captured) if captured else 0.0


def _doc_langs(captured: Sequence[Captured]) -> dict[str, str]:
    """Document id -> language, from every candidate the captures saw."""
    return {cand.doc_id: cand.lang for c in captured for cand in c.all_cands.values()}


def _grid(key: str, value: float) -> list[float]:
    """Values to try for ``key`` next to ``value``: a zero may grow, a non-zero value
    moves by a factor but never to zero unless the shipped default is zero (so tuning
    never switches a default signal off and strands what only it finds)."""
    raw = list(_FROM_ZERO) if value <= 0 else [value * s for s in _STEPS]
    if value > 0 and DEFAULT_WEIGHTS.get(key, 0.0) <= 0:
        raw.append(0.0)
    if key in _UNIT:
        raw = [min(v, 1.0) for v in raw]
    return sorted({round(v, 4) for v in raw if round(v, 4) != round(value, 4)})


def _ascend(
    captured: Sequence[Captured],
    start: dict[str, float],
    keys: Sequence[str],
    covers: Callable[[str], bool],
    opts: TuneOptions,
) -> tuple[dict[str, float], float]:
    """Coordinate ascent on the mean training score; a move must gain over 1e-4."""
    best_w = dict(start)
    best = _mean_score(captured, best_w, covers, opts)
    for _ in range(opts.passes):
        moved = False
        for key in keys:
            current = best_w.get(key, _effective(best_w, key))
            for value in _grid(key, current):
                trial = {**best_w, key: value}
                try:
                    check_weights(trial)
                except ConfigError:
                    continue
                s = _mean_score(captured, trial, covers, opts)
                if s > best + 1e-4:
                    best, best_w, moved = s, trial, True
        if not moved:
            break
    return best_w, best


def _effective(overrides: Mapping[str, float], key: str) -> float:
    """A key's value under ``overrides``: a pair key falls back to its relation's."""
    if key in overrides:
        return float(overrides[key])
    if key in DEFAULT_WEIGHTS:
        return DEFAULT_WEIGHTS[key]
    pair, _, sig = key.rpartition(".")
    q, _, d = pair.partition("-")
    rel = f"{'same' if q == d else 'cross'}.{sig}"
    return float(overrides.get(rel, DEFAULT_WEIGHTS[rel]))


def _minimal(overrides: Mapping[str, float]) -> dict[str, float]:
    """The overrides that differ from the shipped defaults, rounded for a config file."""
    out = {}
    for key, value in sorted(overrides.items()):
        v = round(float(value), 4)
        if key in DEFAULT_WEIGHTS and v == DEFAULT_WEIGHTS[key]:
            continue
        out[key] = v
    return out


def tune_weights(
    train: Sequence[Captured],
    held_out: Sequence[Captured],
    start: Mapping[str, float],
    covers: Callable[[str], bool],
    options: TuneOptions | None = None,
) -> TuneResult:
    """Learn overrides on ``train``, judge them on ``held_out`` (see the module doc)."""
    opts = options or TuneOptions()
    if opts.metric not in METRICS:
        raise ConfigError(f"metric: {opts.metric!r}; choose one of {', '.join(METRICS)}")
    base = dict(start)
    check_weights(base)
    notes: list[str] = []
    w, _ = _ascend(train, base, TUNABLE, covers, opts)
    pairs = _pairs_with_support(train, held_out, opts.min_pair_queries)
    kept_pairs: list[str] = []
    for q, d in pairs:
        keys = [f"{q}-{d}.{s}" for s in SIGNALS]
        seeded = {**w, **{k: _effective(w, k) for k in keys}}
        tr = [c for c in train if c.qlang == q]
        ho = [c for c in held_out if c.qlang == q]
        pw, _ = _ascend(tr, seeded, keys, covers, opts)
        before, after = _mean_score(ho, w, covers, opts), _mean_score(ho, pw, covers, opts)
        if after >= before + opts.min_pair_gain:
            w, kept_pairs = pw, [*kept_pairs, f"{q}-{d}"]
        else:
            notes.append(
                f"pair {q}-{d}: own weights {after - before:+.4f} on held-out queries "
                f"(needs +{opts.min_pair_gain}); not kept"
            )
    train_before = evaluate(train, base, covers, metric=opts.metric, k=opts.k)
    train_after = evaluate(train, w, covers, metric=opts.metric, k=opts.k)
    held_before = evaluate(held_out, base, covers, metric=opts.metric, k=opts.k)
    held_after = evaluate(held_out, w, covers, metric=opts.metric, k=opts.k)
    kept = held_after["mean"] >= held_before["mean"]
    if not kept:
        notes.append(
            f"the tuned weights scored {held_after['mean']:.4f} on held-out queries against "
            f"{held_before['mean']:.4f} for the starting ones: keeping the starting weights"
        )
        w, kept_pairs = base, []
    # "after" is what the written weights score; a rejected attempt is kept as "tuned"
    train_rep = {"before": train_before, "after": train_after if kept else train_before}
    held_rep = {"before": held_before, "after": held_after if kept else held_before}
    if not kept:
        train_rep["tuned"], held_rep["tuned"] = train_after, held_after
    return TuneResult(
        metric=opts.metric,
        start=_minimal(base),
        weights=_minimal(w),
        kept=kept,
        train=train_rep,
        held_out=held_rep,
        pairs=kept_pairs,
        notes=notes,
    )


def _pairs_with_support(
    train: Sequence[Captured], held_out: Sequence[Captured], minimum: int
) -> list[tuple[str, str]]:
    """``(qlang, doclang)`` pairs with ``minimum`` training queries that have a relevant
    document in ``doclang``, and a fifth of that among the held-out queries."""
    doc_lang = _doc_langs([*train, *held_out])

    def counts(cs: Sequence[Captured]) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = defaultdict(int)
        for c in cs:
            for lang in {doc_lang[d] for d in c.judged.relevant if d in doc_lang}:
                out[(c.qlang, lang)] += 1
        return out

    tr, ho = counts(train), counts(held_out)
    need = max(1, minimum // 5)
    return sorted(p for p, n in tr.items() if n >= minimum and ho.get(p, 0) >= need)
