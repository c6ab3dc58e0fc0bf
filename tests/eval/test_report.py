"""Renderers read a result dict; the chart is a real PNG written by matplotlib."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from babelsearch.eval.report import (
    markdown_report,
    markdown_table,
    pair_matrix,
    pair_table,
    write_heatmaps,
    write_json,
    write_markdown,
    write_png,
)


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


def _cross_result() -> dict[str, Any]:
    def cell(pairs: dict[str, float]) -> dict[str, Any]:
        by_pair = {p: {"mrr": v, "map": v / 2} for p, v in pairs.items()}
        return {
            "n_queries": 2,
            "mean": {"mrr": 0.5, "map": 0.25},
            "by_lang": {},
            "by_pair": by_pair,
        }

    return {
        "dataset": "xquad-r",
        "langs": ["de", "en", "vi"],
        "results": {
            "dense": {
                "mono": cell({"de->de": 0.7, "en->en": 0.8, "vi->vi": 0.3}),
                "cross": cell({"en->de": 0.6, "de->en": 0.55, "en->vi": 0.2, "vi->en": 0.15}),
            },
            "auto": {"cross": cell({"en->de": 0.65, "vi->en": 0.3})},
        },
    }


def test_pair_matrix_rows_are_query_languages_and_the_diagonal_is_mono() -> None:
    qs, ds, values = pair_matrix(_cross_result(), "dense")
    assert qs == ["de", "en", "vi"] and ds == ["de", "en", "vi"]
    assert values == [[0.7, 0.55, None], [0.6, 0.8, 0.2], [None, 0.15, 0.3]]
    qs, ds, values = pair_matrix(_cross_result(), "auto")  # no mono run: no diagonal
    assert (qs, ds, values) == (["en", "vi"], ["de", "en"], [[0.65, None], [None, 0.3]])


def test_heatmaps_one_per_mode_and_markdown_beside_the_json(tmp_path: Path) -> None:
    result = _cross_result()
    pngs = write_heatmaps(result, tmp_path / "r.json")
    assert [p.name for p in pngs] == ["r.cross.dense.png", "r.cross.auto.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    md = write_markdown(result, tmp_path / "r.md").read_text("utf-8")
    assert md == markdown_report(result)
    assert "| cross mrr | dense | auto |" in md
    assert "| vi->en | 0.150 | 0.300 |" in md and "| en->vi | 0.200 | – |" in md
