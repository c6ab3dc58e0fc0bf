"""The Ray ingest benchmark runs end to end, tiny, on the test Ray cluster and node.

Not a timed test: it proves the script cannot rot. It reads the small made-up
XQuAD-R-shaped fixture (tests/fixtures/xquad-r), loads it through all three phases
(local, Ray with 1 and 2 encoder actors), checks every passage arrived, writes its
JSON and deletes what it created.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.test_benchmarks_run import _script as bench_script

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "xquad-r"


def _script() -> Any:
    return bench_script("ingest_ray")


@pytest.mark.integration
def test_ingest_ray_benchmark_runs_end_to_end(
    ray_address: str, opensearch_url: str, client: Any, tmp_path: Path
) -> None:
    out = tmp_path / "ingest_ray"
    argv = [
        "--size",
        "120",
        "--data",
        str(FIXTURE),
        "--url",
        opensearch_url,
        "--ray-address",
        ray_address,
        "--out",
        str(out),
    ]
    assert _script().main(argv) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert set(result["phases"]) == {"local", "ray_1", "ray_2"}
    for phase in result["phases"].values():
        assert phase["indexed_count"] == phase["indexed"] == 120
        assert phase["docs_per_s"] > 0
    assert result["phases"]["ray_2"]["encoder_actors"] == 2
    assert result["summary"]["ray_2_vs_ray_1"] > 0
    assert not client.cat.indices(index="bench-ray-*", format="json")
