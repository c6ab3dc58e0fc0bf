"""How the shipped fusion defaults are produced: ``babelsearch tune``'s procedure on the
XQuAD-R dev languages, cross-validated so no reported number is fitted to its questions.

    python benchmarks/tune_defaults.py --data ../shared/data/xquad-r [--sample 150]

1. Indexes the dev languages' sentences (all of them) through the real ingestor, as
   ``benchmarks/quality.py`` does (one pooled index, ``babelsearch.eval.run_eval``).
2. Turns every question into judged queries, one per evaluation cell: mono (filtered
   to the question's language), cross (filtered to the other language of each pair) and
   pool (no filter). A question's cells and its translations share a group (its XQuAD
   id), so they are always on the same side of a split. The metric is mAP@100, which is
   MRR for the one-answer mono and cross cells and mAP for the pooled one.
3. Captures every judged query once (``babelsearch.eval.tune.capture``), then, for each
   of ``--folds`` folds, tunes on the other folds and scores the held-out fold: the
   cross-validated estimate of what the procedure gains on questions it never saw.
4. Runs the procedure as ``babelsearch tune`` does (30% of the groups held out) on all
   questions: those are the weights to ship.

Writes ``benchmarks/results/tune_defaults.json`` (per fold and per setting, before and
after, and the final weights) and prints a Markdown summary.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babelsearch.eval.datasets import SETTINGS, build_tasks, load_xquad_r
from babelsearch.eval.judgments import Judged, fold_of, split_by_group
from babelsearch.eval.runner import EvalOptions, eval_config, run_eval
from babelsearch.eval.tune import Captured, TuneOptions, capture, evaluate, tune_weights
from babelsearch.eval.tune_run import with_capture_weights

DEV_LANGS = ("ar", "de", "en", "es", "ru", "vi", "zh")
RESULTS = Path(__file__).resolve().parent / "results"


def judged_cells(ds: Any, langs: Sequence[str]) -> list[Judged]:
    """One judged query per (setting, cell, question); grouped by the XQuAD id."""
    out = []
    for task in build_tasks(ds, SETTINGS, langs):
        filters = {"lang": task.lang_filter} if task.lang_filter else None
        for q in task.queries:
            group = q.id.split("-", 1)[1]
            qid = f"{task.setting}:{task.doc_lang}:{q.id}"
            out.append(Judged(qid, q.text, q.lang, task.qrels[q.id], group, filters))
    return out


def by_setting(
    captured: Sequence[Captured], overrides: dict[str, float], covers: Any, k: int
) -> dict[str, float]:
    """Mean mAP@k per setting (mono, cross, pool) under ``overrides``."""
    groups: dict[str, list[Captured]] = defaultdict(list)
    for c in captured:
        groups[c.judged.id.split(":", 1)[0]].append(c)
    return {
        s: evaluate(cs, overrides, covers, metric="map", k=k)["mean"] for s, cs in groups.items()
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", required=True, help="the xquad-r folder (<lang>.json files)")
    ap.add_argument("--langs", nargs="+", default=list(DEV_LANGS))
    ap.add_argument("--sample", type=int, default=150, help="questions per language")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--passes", type=int, default=2, help="coordinate-ascent passes")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--cache-dir", default=None, help="embedding cache (sqlite) reused across runs")
    ap.add_argument("--url", default=os.environ.get("BABELSEARCH_URL", "http://127.0.0.1:9200"))
    ap.add_argument("--out", default=str(RESULTS / "tune_defaults.json"))
    args = ap.parse_args(argv)

    from babelsearch.cluster import connect
    from babelsearch.query import Searcher

    t0 = time.perf_counter()
    ds = load_xquad_r(args.data, args.langs, sample=args.sample)
    cfg = eval_config(args.langs, ds.text_fields).with_cluster_url(args.url)
    if args.cache_dir:
        cfg = dataclasses.replace(
            cfg, encoder=dataclasses.replace(cfg.encoder, cache_dir=args.cache_dir)
        )
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    built = run_eval(
        ds, cfg, EvalOptions(modes=("bm25",), settings=("mono",), keep_index=True), progress=say
    )
    alias = built["index"]["alias"]
    client = connect(cfg.cluster)
    try:
        judged = judged_cells(ds, args.langs)
        say(f"capturing {len(judged)} judged cells")
        with Searcher(with_capture_weights(cfg), client=client) as searcher:
            covers = searcher.info.covers
            captured = capture(searcher, judged, k=100, concurrency=args.concurrency)
        opts = TuneOptions(metric="map", passes=args.passes, min_pair_queries=100)
        folds: list[dict[str, Any]] = []
        for f in range(args.folds):
            held = [c for c in captured if fold_of(c.judged.group, args.folds) == f]
            train = [c for c in captured if fold_of(c.judged.group, args.folds) != f]
            say(f"fold {f + 1}/{args.folds}: tuning on {len(train)} cells")
            res = tune_weights(train, held, {}, covers, opts)
            folds.append(
                {
                    "fold": f,
                    "held_out_cells": len(held),
                    "weights": res.weights,
                    "kept": res.kept,
                    "before": by_setting(held, {}, covers, 100),
                    "after": by_setting(held, res.weights, covers, 100),
                }
            )
            say(f"  {folds[-1]['before']} -> {folds[-1]['after']}")
        _train, held_j = split_by_group([c.judged for c in captured], 0.3)
        held_ids = {j.id for j in held_j}
        final = tune_weights(
            [c for c in captured if c.judged.id not in held_ids],
            [c for c in captured if c.judged.id in held_ids],
            {},
            covers,
            opts,
        )
    finally:
        client.indices.delete(index=built["index"]["physical"], ignore_unavailable=True)
        client.close()
    cv_before = {s: sum(f["before"][s] for f in folds) / len(folds) for s in folds[0]["before"]}
    cv_after = {s: sum(f["after"][s] for f in folds) / len(folds) for s in folds[0]["after"]}
    result = {
        "dataset": "xquad-r",
        "langs": list(args.langs),
        "questions_per_language": args.sample,
        "cells": len(captured),
        "metric": "map@100 (= MRR for mono/cross cells)",
        "folds": folds,
        "cv_mean_before": cv_before,
        "cv_mean_after": cv_after,
        "final": {"weights": final.weights, "kept": final.kept, "held_out": final.held_out},
        "index": alias,
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    lines = ["| setting | defaults (CV held-out) | tuned (CV held-out) |", "|---|---|---|"]
    lines += [f"| {s} | {cv_before[s]:.4f} | {cv_after[s]:.4f} |" for s in cv_before]
    print("\n".join(lines))
    print(f"final weights (kept={final.kept}): {final.weights}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
