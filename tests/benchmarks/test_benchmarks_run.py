"""Benchmark smoke tests: both scripts run end to end, tiny, against the real test node.

Not a timed test: it only proves the scripts cannot rot -- they create their index,
measure every phase and mode, check that every passage arrived, write JSON and a
plot, and delete what they created. They read the small made-up XQuAD-R-shaped
fixture the repository ships (tests/fixtures/xquad-r), never ``../shared``; the
benchmarks themselves keep reading ``../shared/data/xquad-r`` by default.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "xquad-r"


def _script(name: str) -> Any:
    """Load ``benchmarks/<name>.py`` under a private module name.

    Plain ``import ingest`` would collide with the ``tests/ingest`` package once the
    whole suite is collected.
    """
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the scripts import their sibling ``common``
    import common  # the benchmarks' own loader (one home for it)

    return common.load_script(name)


def _bench_indices(client: Any) -> set[str]:
    return {row["index"] for row in client.cat.indices(index="bench-*", format="json")}


@pytest.mark.integration
def test_ingest_benchmark_runs_end_to_end(opensearch_url: str, client: Any, tmp_path: Path) -> None:
    before = _bench_indices(client)
    out = tmp_path / "ingest"
    argv = ["--size", "120", "--data", str(FIXTURE)]
    rc = _script("ingest").main([*argv, "--url", opensearch_url, "--out", str(out)])
    assert rc == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert out.with_suffix(".png").stat().st_size > 1000
    run = result["runs"][0]
    assert set(run) == {"encoder", "bulk", "bulk_gzip", "ingest", "naive"}
    for name in ("bulk", "bulk_gzip", "ingest", "naive"):
        assert run[name]["indexed_count"] == 120
    assert run["ingest"]["indexed"] == 120 and run["ingest"]["dead_lettered"] == 0
    assert run["ingest"]["rss_series"], "RSS must be sampled during the ingest phase"
    s = result["summary"]
    assert all(v > 0 for v in s["docs_per_s"].values())
    assert s["ratio_ingest_vs_naive"] > 0 and s["ratio_ingest_vs_min_encoder_bulk"] > 0
    assert result["machine"]["cores"] and result["machine"]["opensearch"][0].isdigit()
    assert _bench_indices(client) - before == set()


@pytest.mark.integration
def test_query_benchmark_runs_end_to_end(opensearch_url: str, client: Any, tmp_path: Path) -> None:
    before = _bench_indices(client)
    out = tmp_path / "query"
    argv = ["--size", "300", "--queries", "6", "--paragraphs", "4", "--data", str(FIXTURE)]
    rc = _script("query").main([*argv, "--url", opensearch_url, "--out", str(out)])
    assert rc == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert out.with_suffix(".png").stat().st_size > 1000
    assert result["index_docs"] == 300
    assert set(result["modes"]) == {"bm25", "dense", "hybrid", "bool", "rrf", "auto"}
    took = result["server_took_ms_p50_by_phase"]
    assert took["adaptive"]["bm25"]["window"] == {"bm25": 30}  # narrow: 30% of 100
    assert took["fixed"]["bm25"]["window"] == {"bm25": 100}
    assert took["adaptive"]["auto"]["window"]["dense"] == 50
    assert set(took["fixed"]["auto"]["window"].values()) == {100}
    assert "fetch" in took["adaptive"]["auto"] and "dense" in took["fixed"]["auto"]
    assert "sparse" in result["skipped"]  # the default use encoder has no sparse output
    for cells in result["modes"].values():
        assert set(cells) == {"c1", "c4", "c16"}
        for cell in cells.values():
            assert cell["n"] == 6 and cell["p50"] > 0 and cell["qps"] > 0 and cell["hits"] > 0
    assert result["encode_ms"]["n"] == 6
    fixed = {"bm25@fixed", "dense@fixed", "auto@fixed"}
    assert set(result["c1_interleaved"]) == set(result["modes"]) | fixed
    assert result["summary"]["auto_adaptive_vs_fixed"] > 0
    assert all(v["n"] == 6 for v in result["c1_interleaved"].values())
    assert result["merge_settle_seconds"] >= 3
    for parts in result["client_overhead_ms"].values():
        assert parts["total"]["p50"] > 0
    assert _bench_indices(client) - before == set()


def test_passages_are_distinct_multilingual_and_deterministic() -> None:
    common = _script("common")
    passages, langs = common.make_passages(FIXTURE, 400)
    again, _ = common.make_passages(FIXTURE, 400)
    assert passages == again
    # 400 distinct bodies from 96 sentences: windows alone cannot give that many, so
    # the joined-window path is exercised too
    assert len({p["body"] for p in passages}) == 400
    assert set(langs) == set(common.LANGS)


def test_percentiles_are_nearest_rank() -> None:
    common = _script("common")
    p = common.percentiles([float(x) for x in range(1, 101)])
    assert (p["p50"], p["p95"], p["p99"], p["n"]) == (50.0, 95.0, 99.0, 100)


@pytest.mark.integration
def test_tune_defaults_benchmark_runs_end_to_end(
    opensearch_url: str, client: Any, tmp_path: Path
) -> None:
    out = tmp_path / "tune_defaults.json"
    argv = ["--data", str(FIXTURE), "--langs", "de", "en", "--sample", "6", "--folds", "2"]
    rc = _script("tune_defaults").main([*argv, "--passes", "1", "--url", opensearch_url,
                                        "--out", str(out)])  # fmt: skip
    assert rc == 0
    result = json.loads(out.read_text())
    assert len(result["folds"]) == 2 and result["cells"] > 0
    for fold in result["folds"]:
        assert set(fold["before"]) == set(fold["after"]) == {"mono", "cross", "pool"}
        assert all(0.0 <= v <= 1.0 for v in fold["before"].values())
    assert isinstance(result["final"]["weights"], dict)
    assert not client.indices.exists_alias(name=result["index"])
