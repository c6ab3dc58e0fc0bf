"""The eval runner and ``babelsearch eval`` end to end on the real node.

The fixture is two parallel languages whose questions share their distinctive words
with exactly one sentence, so BM25 within a language must rank it first (MRR 1.0) --
a harness that mixed up ids, filters or relevance would show it here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.eval.datasets import load_xquad_r
from babelsearch.eval.runner import EvalOptions, eval_config, run_eval

from .fixtures import write_beir, write_xquad_r

pytestmark = pytest.mark.integration


def _check_cell(cell: dict[str, Any]) -> None:
    assert cell["n_queries"] > 0
    for scores in [cell["mean"], *cell["by_pair"].values(), *cell["by_lang"].values()]:
        assert set(scores) >= {"mrr", "map", "map@10", "ndcg@10", "recall@10"}
        assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_runner_scores_every_mode_and_setting(
    tmp_path: Path, opensearch_url: str, client: Any, unique_name: str
) -> None:
    ds = load_xquad_r(write_xquad_r(tmp_path / "data"), ["en", "de"])
    cfg = eval_config(["en", "de"], ds.text_fields, index_name=unique_name, k=20)
    cfg = cfg.with_cluster_url(opensearch_url)
    seen: list[list[str]] = []
    result = run_eval(
        ds,
        cfg,
        EvalOptions(k=20, cutoffs=(10,)),
        client=client,
        on_mode=lambda partial: seen.append(list(partial["results"])),
    )

    # USE has no sparse head, so every other mode runs, in one invocation; on a cluster
    # without neural-search hybrid is left out with the reason named
    from babelsearch.cluster import capabilities

    if capabilities(client).hybrid_query:
        assert list(result["results"]) == ["bm25", "dense", "hybrid", "bool", "rrf", "auto"]
    else:
        assert list(result["results"]) == ["bm25", "dense", "bool", "rrf", "auto"]
        assert "opensearch-neural-search" in result["skipped_modes"]["hybrid"]
    assert seen[0] == ["bm25"] and seen[-1] == list(result["results"])  # reported per mode
    assert result["ingest"]["indexed"] == 12
    assert result["pairs"] == ["de->en", "en->de"]
    for per_setting in result["results"].values():
        assert list(per_setting) == ["mono", "cross", "pool"]
        for cell in per_setting.values():
            _check_cell(cell)
            assert cell["n_queries"] == 12

    bm25 = result["results"]["bm25"]
    assert bm25["mono"]["mean"]["mrr"] == 1.0
    assert bm25["mono"]["by_pair"]["en->en"]["recall@10"] == 1.0
    # each question has two relevant sentences in the pool (en and de): with six
    # candidates per language both are inside the window
    assert result["results"]["dense"]["pool"]["mean"]["recall@10"] > 0.5
    # a multilingual encoder finds the translated sentence among six candidates
    assert result["results"]["dense"]["cross"]["mean"]["mrr"] > 0.5
    # the throwaway index is gone
    assert not client.indices.exists(index=f"{unique_name}*", allow_no_indices=False)


def test_cli_eval_xquad_r_and_beir(tmp_path: Path, opensearch_url: str, unique_name: str) -> None:
    data = write_xquad_r(tmp_path / "xq")
    out = tmp_path / "out" / "xq.json"
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "eval",
            "xquad-r",
            "--data",
            str(data),
            "--langs",
            "en",
            "de",
            "--out",
            str(out),
            "--modes",
            "bm25",
            "dense",
            "--settings",
            "mono",
            "cross",
            "--k",
            "10",
            "--index",
            unique_name,
            "--url",
            opensearch_url,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "| mode | mono MRR | mono mAP | cross MRR | cross mAP |" in res.stdout
    assert "| bm25 | 1.000 | 1.000 |" in res.stdout
    saved = json.loads(out.read_text("utf-8"))
    assert list(saved["results"]) == ["bm25", "dense"]
    assert saved["results"]["bm25"]["mono"]["mean"]["mrr"] == 1.0
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    # one per-pair heatmap per mode, and the Markdown tables with the JSON's numbers
    for mode in ("bm25", "dense"):
        assert out.with_name(f"xq.cross.{mode}.png").read_bytes()[:4] == b"\x89PNG"
    md = out.with_suffix(".md").read_text("utf-8")
    assert md.rstrip("\n") in res.stdout
    rows = {line.split(" | ")[0].lstrip("| "): line for line in md.splitlines()}
    for pair in saved["pairs"]:
        cells = [c.strip() for c in rows[pair].strip("|").split("|")][1:]
        by_pair = [saved["results"][m]["cross"]["by_pair"][pair]["mrr"] for m in ("bm25", "dense")]
        assert cells == [f"{v:.3f}" for v in by_pair]

    beir = write_beir(tmp_path / "beir")
    out2 = tmp_path / "out" / "beir.json"
    res = runner.invoke(
        cli,
        [
            "eval",
            "beir",
            "--data",
            str(beir),
            "--out",
            str(out2),
            "--modes",
            "bm25",
            "--settings",
            "mono",
            "--no-png",
            "--index",
            f"{unique_name}-b",
            "--url",
            opensearch_url,
        ],
    )
    assert res.exit_code == 0, res.output
    saved = json.loads(out2.read_text("utf-8"))
    assert saved["results"]["bm25"]["mono"]["mean"]["mrr"] == 1.0
    assert not out2.with_suffix(".png").exists()
