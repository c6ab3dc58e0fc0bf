"""(c) ``hybrid`` queries fused by a normalization pipeline and by an RRF pipeline.

Expected fused scores are computed here from the two sub-queries run on their
own (BM25 ``match`` and lucene ``knn``): min-max normalisation + weighted
arithmetic mean, and reciprocal rank fusion ``sum(1 / (60 + rank))``. The data
makes the two sub-queries disagree, so the weights decide which document wins.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

pytestmark = pytest.mark.integration

# (occurrences of "river" in a 6-word body, angle in degrees from the query vector [1, 0])
ALL_MATCH = [(6, 50), (5, 40), (4, 30), (3, 20), (2, 10), (1, 0)]
PARTIAL_MATCH = [(4, 20), (3, 50), (2, 40), (1, 0), (0, 30), (0, 10)]
QUERY_VECTOR = [1.0, 0.0]
RANK_CONSTANT = 60


def _index(client: Any, index: str, docs: list[tuple[int, int]]) -> None:
    client.indices.create(
        index=index,
        body={
            "settings": {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": {
                "properties": {
                    "body": {"type": "text"},
                    "vec": {
                        "type": "knn_vector",
                        "dimension": 2,
                        "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"},
                    },
                }
            },
        },
    )
    actions: list[dict[str, Any]] = []
    for i, (tf, angle) in enumerate(docs):
        rad = math.radians(angle)
        actions.append({"index": {"_index": index, "_id": f"d{i}"}})
        actions.append(
            {
                "body": " ".join(["river"] * tf + ["stone"] * (6 - tf)),
                "vec": [math.cos(rad), math.sin(rad)],
            }
        )
    assert not client.bulk(body=actions, refresh=True)["errors"]


def _sub_queries(n: int) -> list[dict[str, Any]]:
    return [
        {"match": {"body": "river"}},
        {"knn": {"vec": {"vector": QUERY_VECTOR, "k": n}}},
    ]


def _scores(client: Any, index: str, query: dict[str, Any]) -> dict[str, float]:
    hits = client.search(index=index, body={"size": 20, "query": query})["hits"]["hits"]
    return {h["_id"]: float(h["_score"]) for h in hits}


def _hybrid(client: Any, index: str, pipeline: str, n: int) -> list[tuple[str, float]]:
    resp = client.search(
        index=index,
        body={"size": 20, "query": {"hybrid": {"queries": _sub_queries(n)}}},
        params={"search_pipeline": pipeline},
    )
    return [(h["_id"], float(h["_score"])) for h in resp["hits"]["hits"]]


def _min_max(scores: dict[str, float]) -> dict[str, float]:
    lo, hi = min(scores.values()), max(scores.values())
    return {d: (s - lo) / (hi - lo) for d, s in scores.items()}


def _assert_order_without_ties(expected: list[tuple[str, float]], gap: float) -> None:
    values = [s for _, s in expected]
    assert all(a - b > gap for a, b in itertools.pairwise(values)), (
        f"test data has near-ties: {expected}"
    )


@pytest.mark.parametrize("weights", [(0.8, 0.2), (0.6, 0.4), (0.2, 0.8)])
def test_min_max_arithmetic_mean_follows_weights(
    client: Any, unique_name: str, weights: tuple[float, float]
) -> None:
    index, pipeline = f"{unique_name}-hyb", f"{unique_name}-minmax"
    _index(client, index, ALL_MATCH)
    client.transport.perform_request(
        "PUT",
        f"/_search/pipeline/{pipeline}",
        body={
            "phase_results_processors": [
                {
                    "normalization-processor": {
                        "normalization": {"technique": "min_max"},
                        "combination": {
                            "technique": "arithmetic_mean",
                            "parameters": {"weights": list(weights)},
                        },
                    }
                }
            ]
        },
    )
    n = len(ALL_MATCH)
    bm25 = _min_max(_scores(client, index, _sub_queries(n)[0]))
    knn = _min_max(_scores(client, index, _sub_queries(n)[1]))
    assert bm25["d0"] == 1.0 and knn["d5"] == 1.0  # the sub-queries disagree
    w1, w2 = weights
    fused = {d: (w1 * bm25[d] + w2 * knn[d]) / (w1 + w2) for d in bm25}
    expected = sorted(fused.items(), key=lambda kv: -kv[1])
    # min_max lifts a sub-query's lowest score from 0 to 0.001: ties closer than that
    # would make the expected order ambiguous.
    _assert_order_without_ties(expected, gap=0.0015)
    # The heavier sub-query pulls its favourite up: BM25-heavy fusion ranks d0 (most
    # "river") above d5 (closest vector), vector-heavy fusion the other way round.
    if w1 > w2:
        assert fused["d0"] > fused["d5"]
    elif w2 > w1:
        assert fused["d5"] > fused["d0"]

    got = _hybrid(client, index, pipeline, n)
    assert [d for d, _ in got] == [d for d, _ in expected]
    for (_, score), (_, want) in zip(got, expected, strict=True):
        assert score == pytest.approx(want, abs=0.002)


def test_rrf_score_ranker_fuses_by_rank(client: Any, unique_name: str) -> None:
    index, pipeline = f"{unique_name}-rrf", f"{unique_name}-rrf"
    _index(client, index, PARTIAL_MATCH)
    client.transport.perform_request(
        "PUT",
        f"/_search/pipeline/{pipeline}",
        body={
            "phase_results_processors": [
                {
                    "score-ranker-processor": {
                        "combination": {"technique": "rrf", "rank_constant": RANK_CONSTANT}
                    }
                }
            ]
        },
    )
    n = len(PARTIAL_MATCH)
    fused: dict[str, float] = {}
    for query in _sub_queries(n):
        ranked = sorted(_scores(client, index, query).items(), key=lambda kv: -kv[1])
        for rank, (doc_id, _score) in enumerate(ranked, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (RANK_CONSTANT + rank)
    assert len(_scores(client, index, _sub_queries(n)[0])) == 4  # d4, d5: vector only
    expected = sorted(fused.items(), key=lambda kv: -kv[1])
    _assert_order_without_ties(expected, gap=1e-6)

    got = _hybrid(client, index, pipeline, n)
    assert [d for d, _ in got] == [d for d, _ in expected]
    for (_, score), (_, want) in zip(got, expected, strict=True):
        assert score == pytest.approx(want, rel=1e-5)
