"""What ``babelsearch tune`` writes: the ``search.weights`` block and a readable report.

The block is plain YAML a user pastes into (or merges with) the config; it holds every
weight that differs from the shipped defaults, so it replaces an existing
``search.weights`` block whole. :func:`weights_yaml` output loads back through
:func:`babelsearch.config.parse_config` to the same weights (tested).
"""

from __future__ import annotations

import json
from pathlib import Path

from .tune import TuneResult

__all__ = ["result_json", "tune_markdown", "weights_yaml"]


def weights_yaml(result: TuneResult) -> str:
    """``search: {weights: {...}}`` as YAML, with a comment saying where it came from."""
    import yaml

    head = (
        f"# babelsearch tune: {result.metric} on held-out queries "
        f"{result.held_out['before']['mean']:.4f} -> {result.held_out['after']['mean']:.4f}"
        f"{'' if result.kept else ' (tuned weights not kept)'}\n"
    )
    body = yaml.safe_dump({"search": {"weights": dict(result.weights)}}, sort_keys=True)
    return head + body


def _row(name: str, b: float, a: float, n: int) -> str:
    return f"| {name} | {n} | {b:.4f} | {a:.4f} | {a - b:+.4f} |"


def tune_markdown(result: TuneResult) -> str:
    """The report: what changed, and the held-out score before/after by language and pair."""
    ho_b, ho_a = result.held_out["before"], result.held_out["after"]
    tr_b, tr_a = result.train["before"], result.train["after"]
    lines = [
        f"## babelsearch tune ({result.metric})",
        "",
        f"Held-out queries: {ho_b['queries']}; training queries: {tr_b['queries']}. "
        + ("Tuned weights kept." if result.kept else "Tuned weights NOT kept (see notes)."),
        "",
        "| weight | before | after |",
        "|---|---|---|",
    ]
    changed = result.changed()
    lines += [f"| `{k}` | {b:g} | {a:g} |" for k, (b, a) in changed.items()] or ["| (none) | | |"]
    lines += [
        "",
        "| held-out | queries | before | after | change |",
        "|---|---|---|---|---|",
        _row("all", ho_b["mean"], ho_a["mean"], ho_b["queries"]),
        _row("all (training)", tr_b["mean"], tr_a["mean"], tr_b["queries"]),
    ]
    for lang, before in ho_b["by_lang"].items():
        after = ho_a["by_lang"].get(lang, {"mean": 0.0})
        lines.append(_row(f"query lang {lang}", before["mean"], after["mean"], before["queries"]))
    for pair, before in ho_b["by_pair"].items():
        after = ho_a["by_pair"].get(pair, {"mean": 0.0})
        lines.append(_row(pair, before["mean"], after["mean"], before["queries"]))
    if result.pairs:
        lines += ["", f"Pairs with weights of their own: {', '.join(result.pairs)}."]
    if result.notes:
        lines += ["", *(f"- {n}" for n in result.notes)]
    return "\n".join(lines) + "\n"


def result_json(result: TuneResult, path: str | Path) -> Path:
    """Everything in the result (weights, changes, scores) as JSON."""
    out = Path(path)
    data = {
        "metric": result.metric,
        "kept": result.kept,
        "start": result.start,
        "weights": result.weights,
        "changed": {k: {"before": b, "after": a} for k, (b, a) in result.changed().items()},
        "pairs": result.pairs,
        "train": result.train,
        "held_out": result.held_out,
        "notes": result.notes,
    }
    out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out
