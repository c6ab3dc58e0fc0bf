"""Render an evaluation result: JSON on disk, Markdown tables, PNG charts.

The result is a plain dict (see :func:`babelsearch.eval.runner.run_eval`) so it can be
written as-is and compared across runs; these renderers only read it. matplotlib is
imported inside :func:`write_png` and :func:`write_heatmaps` -- it is an optional extra
(``eval``) and slow to load. Every number a table or chart shows is read from the
result's ``by_pair``/``mean`` cells, so the files cannot disagree with the JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "headline_metric",
    "markdown_report",
    "markdown_table",
    "pair_matrix",
    "pair_table",
    "write_heatmaps",
    "write_json",
    "write_markdown",
    "write_png",
]

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


def markdown_report(result: Mapping[str, Any]) -> str:
    """The summary table, then the per-pair table of each per-pair setting (cross, pool):
    what ``babelsearch eval`` prints and writes beside the JSON."""
    parts = [markdown_table(result)]
    for setting in ("cross", "pool"):
        if any(setting in per for per in result["results"].values()):
            parts.append(pair_table(result, setting))
    return "\n\n".join(parts) + "\n"


def write_markdown(result: Mapping[str, Any], path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(markdown_report(result), "utf-8")
    return p


Matrix = tuple[list[str], list[str], list[list[float | None]]]


def pair_matrix(
    result: Mapping[str, Any], mode: str, setting: str = "cross", metric: str | None = None
) -> Matrix:
    """``(query langs, doc langs, values)`` of one mode's ``setting`` (rows: query
    language, columns: document language; ``None`` where the pair was not run). The
    diagonal holds the ``mono`` cell of the same mode when it was run: how far a
    cross-language pair lags behind searching in one language."""
    metric = metric or headline_metric(setting)
    per = result["results"][mode]
    cells: dict[tuple[str, str], float] = {}
    for name in (setting, "mono"):
        for pair, scores in per.get(name, {}).get("by_pair", {}).items():
            q, _, d = pair.partition("->")
            if (name == setting or q == d) and metric in scores:
                cells.setdefault((q, d), float(scores[metric]))
    order = list(result.get("langs", []))
    qs = [lang for lang in order if any(q == lang for q, _ in cells)]
    ds = [lang for lang in order if any(d == lang for _, d in cells)]
    qs += sorted({q for q, _ in cells} - set(qs))
    ds += sorted({d for _, d in cells} - set(ds))
    return qs, ds, [[cells.get((q, d)) for d in ds] for q in qs]


def write_heatmaps(
    result: Mapping[str, Any], path: str | Path, setting: str = "cross"
) -> list[Path]:
    """One heatmap per mode of ``setting`` (query language × document language, the
    headline metric in each cell; the diagonal is ``mono``), as
    ``<stem>.<setting>.<mode>.png`` beside ``path``. Empty when ``setting`` was not run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    metric = headline_metric(setting)
    label = "mAP" if metric == "map" else metric.upper()
    written: list[Path] = []
    for mode, per in result["results"].items():
        if setting not in per:
            continue
        qs, ds, values = pair_matrix(result, mode, setting, metric)
        grid = np.array([[np.nan if v is None else v for v in row] for row in values], float)
        fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(ds), 1.0 + 0.6 * len(qs)))
        image = ax.imshow(np.ma.masked_invalid(grid), vmin=0.0, vmax=1.0, cmap="viridis")
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                if v is not None:
                    color = "black" if v > 0.6 else "white"
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8, color=color)
        ax.set_xticks(range(len(ds)), ds)
        ax.set_yticks(range(len(qs)), qs)
        ax.set_xlabel("document language")
        ax.set_ylabel("query language")
        ax.set_title(f"{mode}: {setting} {label} (diagonal: mono)", fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        fig.tight_layout()
        out = base.with_name(f"{base.stem}.{setting}.{mode}.png")
        fig.savefig(out, dpi=120)
        plt.close(fig)
        written.append(out)
    return written


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
