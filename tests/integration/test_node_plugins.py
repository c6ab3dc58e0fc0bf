"""(a) The node is what users run: OpenSearch 2.19+ with k-NN and neural-search loaded."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


def test_cat_plugins_lists_knn_and_neural_search(client: Any) -> None:
    rows = client.cat.plugins(format="json")
    components = {row["component"] for row in rows}
    assert {"opensearch-knn", "opensearch-neural-search"} <= components


def test_version_is_2_19_or_newer(client: Any) -> None:
    number = client.info()["version"]["number"]
    major, minor = (int(x) for x in number.split(".")[:2])
    assert (major, minor) >= (2, 19), number


def test_modules_that_the_mappings_rely_on_are_loaded(client: Any) -> None:
    nodes = client.nodes.info(metric="plugins")["nodes"]  # lists modules too
    assert nodes, "nodes info returned no node"
    for node in nodes.values():
        modules = {m["name"] for m in node["modules"]}
        # analyzers, rank_features, scripts (k-NN extends painless), HTTP transport
        assert {"analysis-common", "mapper-extras", "lang-painless", "transport-netty4"} <= modules


def test_neural_search_pipeline_processors_are_registered(client: Any) -> None:
    # Nodes info lists request/response processors only; the phase-results ones
    # (normalization-processor, score-ranker-processor) are proven by test_node_hybrid.
    nodes = client.nodes.info(metric="search_pipelines")["nodes"]
    assert nodes, "nodes info returned no node"
    for node in nodes.values():
        pipelines = node["search_pipelines"]
        request = {p["type"] for p in pipelines["request_processors"]}
        response = {p["type"] for p in pipelines["response_processors"]}
        assert "neural_query_enricher" in request
        assert "hybrid_score_explanation" in response
