"""The quantization benchmark runs end to end, tiny, against the real test node.

Not a timed test: it proves ``benchmarks/quantization.py`` cannot rot -- every lucene
variant is built through the ingestor, searched, measured and deleted, faiss is skipped
with its reason on a cluster without the native libraries, and the JSON and Markdown
are written. It reads the made-up fixture in tests/fixtures/xquad-r, never ``../shared``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.test_benchmarks_run import FIXTURE, _script

LUCENE = ("float32", "lucene-sq", "byte", "binary", "dims-128", "dims-256-byte")


@pytest.mark.integration
def test_quantization_benchmark_runs_end_to_end(
    opensearch_url: str, client: Any, tmp_path: Path
) -> None:
    out = tmp_path / "quantization.json"
    argv = ["--data", str(FIXTURE), "--sample", "2", "--url", opensearch_url, "--out", str(out)]
    assert _script("quantization").main([*argv, "--variants", *LUCENE, "faiss-fp16"]) == 0
    result = json.loads(out.read_text())
    assert set(result["results"]) == set(LUCENE)
    n = result["dataset"]["candidates"]
    for name, r in result["results"].items():
        assert r["indexed"] == r["count"] == n and r["dead_lettered"] == 0, name
        assert 0 <= r["mrr"] <= 1 and 0 <= r["recall_at_10"] <= 1, name
        assert r["bytes_per_vector"]["knn_files"] > 0 and r["latency_ms"]["n"] > 0, name
    assert result["results"]["float32"]["recall_at_10"] == 1.0
    bpv = {k: v["bytes_per_vector"]["theoretical"] for k, v in result["results"].items()}
    assert bpv["float32"] == 2048 and bpv["byte"] == 512 and bpv["binary"] == 64
    assert bpv["dims-256-byte"] == 256
    # measured: byte and binary fields take less k-NN file space than float32
    knn = {k: v["bytes_per_vector"]["knn_files"] for k, v in result["results"].items()}
    assert knn["binary"] < knn["byte"] < knn["float32"]
    if "faiss" not in result["knn_engines"]:
        assert "native libraries" in result["skipped"]["faiss-fp16"]
    assert "| lucene-sq |" in out.with_suffix(".md").read_text()
    for r in result["results"].values():  # every index the run made is gone again
        assert not client.indices.exists(index=f"{r['alias']}-v*", allow_no_indices=False)
