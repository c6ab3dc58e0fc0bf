"""Retrieval quality on XQuAD-R through babelsearch, next to the reference measurement.

    python benchmarks/quality.py --data ../shared/data/xquad-r

Indexes the six dev languages' sentences through the real ingestor into a throwaway
index on the node at ``BABELSEARCH_URL`` (default http://127.0.0.1:9200), searches every
mode in the mono, cross (11 pairs) and pool settings through the real searcher, and
writes ``benchmarks/results/quality.json``, ``quality.md`` and ``quality.png``.

The reference numbers were measured outside this repo (USE encoder, per-language
BM25, exact cosine); babelsearch's ``hybrid`` is the 0.5/0.5 min-max sum and ``rrf``
is reciprocal rank fusion, so those rows are directly comparable.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

from babelsearch.errors import BabelsearchError
from babelsearch.eval.datasets import load_xquad_r
from babelsearch.eval.report import markdown_table, pair_table, write_json, write_png
from babelsearch.eval.runner import EvalOptions, eval_config, run_eval

DEV_LANGS = ("ar", "de", "en", "es", "ru", "zh")
RESULTS = Path(__file__).resolve().parent / "results"

# setting -> (metric, {mode: value}) from the reference table.
REFERENCE: dict[str, tuple[str, dict[str, float]]] = {
    "mono": ("mrr", {"dense": 0.673, "bm25": 0.770, "rrf": 0.762, "hybrid": 0.796}),
    "cross": ("mrr", {"dense": 0.611, "bm25": 0.129, "rrf": 0.490, "hybrid": 0.498}),
    "pool": ("map", {"dense": 0.473, "bm25": 0.148, "rrf": 0.266, "hybrid": 0.310}),
}
TARGETS = {"mono": 0.82, "cross": 0.63, "pool": 0.49}


def comparison(result: dict[str, Any]) -> str:
    """Measured vs reference per setting, plus whether ``auto`` meets its target."""
    lines = [
        "| setting | metric | mode | babelsearch | reference | target |",
        "|---|---|---|---|---|---|",
    ]
    for setting, (metric, ref) in REFERENCE.items():
        for mode, per in result["results"].items():
            if setting not in per:
                continue
            got = per[setting]["mean"][metric]
            target = ""
            if mode == "auto":
                target = (
                    f"≥ {TARGETS[setting]:.2f} {'met' if got >= TARGETS[setting] else 'MISSED'}"
                )
            ref_s = f"{ref[mode]:.3f}" if mode in ref else ""
            lines.append(f"| {setting} | {metric} | {mode} | {got:.3f} | {ref_s} | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", required=True, help="the xquad-r folder (<lang>.json files)")
    ap.add_argument("--langs", nargs="+", default=list(DEV_LANGS))
    ap.add_argument("--modes", nargs="+", default=None, help="default: every mode")
    ap.add_argument("--limit", type=int, default=None, help="first N questions (quick check)")
    ap.add_argument(
        "--sample", type=int, default=None, help="N questions per language, all passages kept"
    )
    ap.add_argument("--concurrency", type=int, default=4, help="searches in flight")
    ap.add_argument("--cache-dir", default=None, help="embedding cache (sqlite) reused across runs")
    ap.add_argument("--url", default=os.environ.get("BABELSEARCH_URL", "http://127.0.0.1:9200"))
    ap.add_argument("--out", default=str(RESULTS / "quality.json"))
    args = ap.parse_args(argv)

    ds = load_xquad_r(args.data, args.langs, limit=args.limit, sample=args.sample)
    cfg = eval_config(args.langs, ds.text_fields).with_cluster_url(args.url)
    if args.cache_dir:
        cfg = dataclasses.replace(
            cfg, encoder=dataclasses.replace(cfg.encoder, cache_dir=args.cache_dir)
        )
    options = EvalOptions(
        modes=tuple(args.modes) if args.modes else None, concurrency=args.concurrency
    )
    t0 = time.perf_counter()
    out = Path(args.out)
    try:
        result = run_eval(
            ds,
            cfg,
            options,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
            on_mode=lambda partial: write_json(partial, out.with_suffix(".partial.json")),
        )
    except BabelsearchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    out.with_suffix(".partial.json").unlink(missing_ok=True)
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    result["sample"] = {"limit": args.limit, "questions_per_language": args.sample}
    result["reference"] = {s: {"metric": m, **ref} for s, (m, ref) in REFERENCE.items()}

    write_json(result, out)
    write_png(result, out.with_suffix(".png"))
    md = "\n\n".join(
        [
            f"# XQuAD-R quality ({', '.join(args.langs)}; encoder {result['encoder']['kind']}; "
            f"{result['counts']['candidates']} candidates, "
            f"{result['counts']['queries']} questions"
            + (f", sampled: {args.sample} per language" if args.sample else "")
            + ")",
            "## Mode × setting (MRR / mAP)",
            markdown_table(result),
            "## Against the reference measurement",
            comparison(result),
            "## Mono per language (MRR)",
            pair_table(result, "mono"),
            "## Cross per pair (MRR)",
            pair_table(result, "cross"),
            "## Pool per query language (mAP)",
            pair_table(result, "pool"),
        ]
    )
    out.with_suffix(".md").write_text(md + "\n", "utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
