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
    assert "opensearch-neural-search" in data["plugins"]
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
