"""One call from judgments to tuned weights against the user's live index.

The CLI (``babelsearch tune``) and library callers both use :func:`run_tune`: split
the judged queries by group, capture each once through the real
:class:`~babelsearch.query.Searcher` (with every client-side signal on), tune on the
training side, judge on the held-out side (:mod:`babelsearch.eval.tune`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

from ..config import Config
from .judgments import Judged, split_by_group
from .tune import TuneOptions, TuneResult, capture, capture_overrides, tune_weights

__all__ = ["run_tune", "with_capture_weights"]

log = logging.getLogger("babelsearch.eval")


def with_capture_weights(cfg: Config) -> Config:
    """``cfg`` whose searches send every client-side signal (see :func:`capture`)."""
    search = dataclasses.replace(cfg.search, weights=capture_overrides(cfg.search.weights))
    return dataclasses.replace(cfg, search=search)


def run_tune(
    cfg: Config,
    judged: Sequence[Judged],
    options: TuneOptions | None = None,
    *,
    client: Any = None,
    encoder: Any = None,
    progress: Callable[[str], None] | None = None,
) -> TuneResult:
    """Tune ``cfg.search.weights`` on ``judged`` against ``cfg.index.name`` (read only)."""
    from ..query import Searcher

    opts = options or TuneOptions()
    say = progress or (lambda msg: log.info("%s", msg))
    train, held = split_by_group(judged, opts.holdout, seed=opts.seed)
    k = min(opts.k, cfg.search.candidates)
    say(f"searching {len(judged)} judged queries ({len(train)} training, {len(held)} held out)")
    with Searcher(with_capture_weights(cfg), client=client, encoder=encoder) as searcher:
        covers = searcher.info.covers
        held_ids = {j.id for j in held}
        captured = capture(searcher, judged, k=k, concurrency=opts.concurrency)
    tr = [c for c in captured if c.judged.id not in held_ids]
    ho = [c for c in captured if c.judged.id in held_ids]
    say(f"tuning {opts.metric} on {len(tr)} queries")
    return tune_weights(tr, ho, cfg.search.weights, covers, dataclasses.replace(opts, k=k))
