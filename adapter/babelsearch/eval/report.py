"""Render an evaluation result: JSON on disk, a Markdown table, a PNG chart.

The result is a plain dict (see :func:`babelsearch.eval.runner.run_eval`) so it can be
written as-is and compared across runs; these renderers only read it. matplotlib is
imported inside :func:`write_png` -- it is an optional extra (``eval``) and slow to load.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["headline_metric", "markdown_table", "pair_table", "write_json", "write_png"]

# What the summary table shows per setting: rank of the first hit for one relevant
# candidate; average precision where several candidates are relevant (pool).
_HEADLINE = {"mono": "mrr", "cross": "mrr", "pool": "map"}


def headline_metric(setting: str) -> str:
    return _HEADLINE.get(setting, "mrr")


def _settings(result: Mapping[str, Any]) -> list[str]:
    seen: list[str] = []
    for per_setting in result["results"].values():
        for setting in per_setting:
            if setting not in seen:
                seen.append(setting)
    return seen


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def markdown_table(result: Mapping[str, Any], metrics: Sequence[str] = ("mrr", "map")) -> str:
    """Mode × setting, with ``metrics`` (default MRR and mAP) for each setting."""
    settings = _settings(result)
    head = ["mode"] + [
        f"{s} {m.upper() if m == 'mrr' else 'mAP'}" for s in settings for m in metrics
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for mode, per_setting in result["results"].items():
        row = [mode]
        for s in settings:
            mean = per_setting.get(s, {}).get("mean", {})
            row += [_fmt(mean.get(m)) for m in metrics]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def pair_table(result: Mapping[str, Any], setting: str, metric: str | None = None) -> str:
    """Per language pair (rows) × mode (columns) for one setting: where a mode wins or loses."""
    metric = metric or headline_metric(setting)
    modes = [m for m, per in result["results"].items() if setting in per]
    pairs: list[str] = []
    for m in modes:
        for pair in result["results"][m][setting]["by_pair"]:
            if pair not in pairs:
                pairs.append(pair)
    lines = [
        f"| {setting} {metric} | " + " | ".join(modes) + " |",
        "|" + "---|" * (len(modes) + 1),
    ]
    for pair in pairs:
        cells = [
            _fmt(result["results"][m][setting]["by_pair"].get(pair, {}).get(metric)) for m in modes
        ]
        lines.append(f"| {pair} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_json(result: Mapping[str, Any], path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=False) + "\n", "utf-8")
    return p


def write_png(result: Mapping[str, Any], path: str | Path) -> Path:
    """Grouped bars: one group per setting (its headline metric), one bar per mode."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    settings = _settings(result)
    modes = list(result["results"])
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(settings) * max(1, len(modes)) / 3), 4))
    width = 0.8 / max(1, len(modes))
    for i, mode in enumerate(modes):
        values = [
            result["results"][mode].get(s, {}).get("mean", {}).get(headline_metric(s), 0.0)
            for s in settings
        ]
        xs = [j + (i - (len(modes) - 1) / 2) * width for j in range(len(settings))]
        bars = ax.bar(xs, values, width, label=mode)
        ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
    ax.set_xticks(range(len(settings)))
    ax.set_xticklabels(
        [f"{s} ({headline_metric(s).replace('map', 'mAP').upper()})" for s in settings]
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel("score")
    ax.set_title(
        f"babelsearch eval: {result.get('dataset', '')} ({', '.join(result.get('langs', []))})"
    )
    ax.legend(fontsize=7, ncols=min(len(modes), 4))
    fig.tight_layout()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=120)
    plt.close(fig)
    return p
