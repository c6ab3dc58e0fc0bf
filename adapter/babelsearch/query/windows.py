"""How deep each sub-query ranks: the per-signal candidate windows (pure).

Why narrow windows: a sub-query's cost on the node grows with its window (HNSW visits
more of the graph for a larger ``k``, BM25 and the 4-gram match keep a larger top-k
heap and collect more doc values), while the first fused pages hardly ever come from the
tail of a list. Measured on the 100k-passage query benchmark (OpenSearch 2.19, two
cores, server ``took`` medians inside ``auto``): k-NN 16/10 ms at ``k`` = 100/50, BM25
14.5/9.5 ms and the 4-gram match 13/8 ms at 100/30; on XQuAD-R (seven languages, all 42
pairs, k 10) MRR@10 and pooled mAP@10 of ``auto`` stayed within 0.003 of the full
windows (``benchmarks/results/windows/``).

So with ``search.windows: adaptive`` (the default) the modes in :data:`ADAPTIVE_MODES`
rank with :func:`narrow_windows` first (unless ``k`` alone is deeper than their lists).
Pages stay one total order per query and ``k``: the
documents of the narrow fused window come first, in their order; a page that reaches
beyond them (and only if some list was cut off by its narrow window) runs the full
windows once and continues with the documents the narrow window did not hold
(:func:`babelsearch.query.page.widened`). ``fixed`` ranks every sub-query with
``search.candidates``, as before.

The sparse signal and the ``rrf``/``hybrid``/``bool`` modes keep the full window: their
tails were not measured, so nothing is narrowed on faith.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..config_search import WindowPolicy

__all__ = ["ADAPTIVE_MODES", "FLOOR", "NARROW", "narrow_windows"]

ADAPTIVE_MODES = frozenset({"auto", "bm25", "dense"})
"""The modes whose narrow windows were measured (quality and latency)."""

NARROW: Mapping[str, float] = {"lexical": 0.3, "ngram": 0.3, "neutral": 0.3, "dense": 0.5}
"""Signal -> its narrow window as a share of ``search.candidates``."""

FLOOR = 20
"""No narrow window is smaller: two pages of ten, even from a single list."""


_SIGNALS: Mapping[str, tuple[str, ...]] = {
    "auto": tuple(NARROW),
    "bm25": ("lexical",),
    "dense": ("dense",),
}
"""The signals each adaptive mode sends (what its narrow window can hold)."""


def narrow_windows(
    mode: str, candidates: int, policy: WindowPolicy, k: int = 1
) -> dict[str, int] | None:
    """Signal -> narrow window for ``mode``, or ``None`` when every sub-query ranks the
    full ``candidates``: ``fixed``, an unmeasured mode, a window too small to narrow, or
    a ``k`` larger than every narrow list of the mode (its first page would widen
    anyway, so it ranks wide in one round trip instead of two).

    Independent of ``page`` on purpose: the window fixes the order the pages are cut
    from, so every page of one query at one ``k`` comes from the same order."""
    if policy != "adaptive" or mode not in ADAPTIVE_MODES:
        return None
    sizes = {s: min(candidates, max(FLOOR, math.ceil(f * candidates))) for s, f in NARROW.items()}
    deepest = max(sizes[s] for s in _SIGNALS[mode])
    if deepest >= candidates or k > deepest:
        return None
    return sizes
