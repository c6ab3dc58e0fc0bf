"""``babelsearch doctor`` against the real node, through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli

pytestmark = pytest.mark.integration


def test_doctor_json_reports_capabilities_and_analyzers(opensearch_url: str) -> None:
    result = CliRunner().invoke(
        cli, ["doctor", "--config", "examples/multilingual.yaml", "--url", opensearch_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "opensearch-knn" in data["plugins"]
    assert data["hybrid_query"] == ("opensearch-neural-search" in data["plugins"])
    assert data["analyzers"]["de"] == "german"
    assert data["analyzers"]["zh"] in {"cjk", "smartcn"}
    assert data["encoder"]["dimension"] == 512
    assert data["problems"] == []


def test_doctor_text_output_reads_well(opensearch_url: str) -> None:
    result = CliRunner().invoke(cli, ["doctor", "--url", opensearch_url])
    assert result.exit_code == 0, result.output
    assert "k-NN engines" in result.output and "lucene" in result.output
    assert "auto mode" in result.output


def test_doctor_unreachable_cluster_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["doctor", "--url", "http://127.0.0.1:1"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot reach the cluster")
    assert "Traceback" not in result.output


def test_doctor_names_the_modes_it_will_use(opensearch_url: str, client: object) -> None:
    """Detected, not guessed: hybrid is listed exactly when neural-search is there."""
    from babelsearch.cluster import capabilities

    caps = capabilities(client)  # type: ignore[arg-type]
    res = CliRunner().invoke(cli, ["doctor", "--url", opensearch_url, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {"auto", "bm25", "dense", "rrf"} <= set(data["modes"])
    has_hybrid = caps.hybrid_query and caps.normalization_processor
    assert ("hybrid" in data["modes"]) == has_hybrid
    assert ("hybrid" in data["unavailable_modes"]) == (not has_hybrid)
    assert "language-aware fusion" in data["auto_fusion"]
    text = CliRunner().invoke(cli, ["doctor", "--url", opensearch_url]).output
    modes_line = next(ln for ln in text.splitlines() if ln.startswith("modes "))
    assert modes_line.split(None, 1)[1] == ", ".join(data["modes"])
