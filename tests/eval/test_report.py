"""Renderers read a result dict; the chart is a real PNG written by matplotlib."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from babelsearch.eval.report import markdown_table, pair_table, write_json, write_png


def _result() -> dict[str, Any]:
    def cell(mrr: float, map_: float, pairs: dict[str, float]) -> dict[str, Any]:
        return {
            "n_queries": 2,
            "mean": {"mrr": mrr, "map": map_},
            "by_lang": {},
            "by_pair": {p: {"mrr": v, "map": v} for p, v in pairs.items()},
        }

    return {
        "dataset": "xquad-r",
        "langs": ["de", "en"],
        "results": {
            "bm25": {
                "mono": cell(0.9, 0.8, {"en->en": 0.9}),
                "pool": cell(0.5, 0.25, {"en->*": 0.25}),
            },
            "dense": {"mono": cell(0.7, 0.6, {"en->en": 0.7})},
        },
    }


def test_markdown_table_has_mode_rows_and_setting_columns() -> None:
    md = markdown_table(_result()).splitlines()
    assert md[0] == "| mode | mono MRR | mono mAP | pool MRR | pool mAP |"
    assert md[2] == "| bm25 | 0.900 | 0.800 | 0.500 | 0.250 |"
    assert md[3] == "| dense | 0.700 | 0.600 | – | – |"  # dense was not run on pool


def test_pair_table_uses_the_setting_headline_metric() -> None:
    md = pair_table(_result(), "pool").splitlines()
    assert md[0] == "| pool map | bm25 |"
    assert md[2] == "| en->* | 0.250 |"


def test_json_and_png_are_written(tmp_path: Path) -> None:
    out = write_json(_result(), tmp_path / "sub" / "r.json")
    assert json.loads(out.read_text("utf-8"))["results"]["bm25"]["mono"]["mean"]["mrr"] == 0.9
    png = write_png(_result(), tmp_path / "sub" / "r.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5000
