"""(b) A lucene HNSW ``knn_vector`` index returns the true nearest neighbours.

The ground truth is brute-force cosine similarity in numpy over the same vectors.
The lucene engine is the only one this node can run (the published k-NN zip has
no faiss/nmslib native libraries), so it is what every babelsearch mapping uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.integration

DIM = 24
N_DOCS = 200
K = 10


def _vectors(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N_DOCS, DIM)).astype(np.float32)


def _create(client: Any, index: str) -> None:
    client.indices.create(
        index=index,
        body={
            "settings": {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": {
                "properties": {
                    "vec": {
                        "type": "knn_vector",
                        "dimension": DIM,
                        "method": {
                            "name": "hnsw",
                            "engine": "lucene",
                            "space_type": "cosinesimil",
                            "parameters": {"m": 16, "ef_construction": 256},
                        },
                    },
                    "group": {"type": "keyword"},
                }
            },
        },
    )


def _load(client: Any, index: str, vectors: np.ndarray) -> None:
    body: list[dict[str, Any]] = []
    for i, vec in enumerate(vectors):
        body.append({"index": {"_index": index, "_id": str(i)}})
        body.append({"vec": vec.tolist(), "group": "even" if i % 2 == 0 else "odd"})
    resp = client.bulk(body=body, refresh=True)
    assert not resp["errors"]


def _exact_top_k(vectors: np.ndarray, query: np.ndarray, k: int) -> list[tuple[str, float]]:
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cos = unit @ (query / np.linalg.norm(query))
    order = np.argsort(-cos, kind="stable")[:k]
    return [(str(i), float(cos[i])) for i in order]


def test_lucene_hnsw_cosine_returns_exact_neighbours(client: Any, unique_name: str) -> None:
    index = f"{unique_name}-knn"
    vectors = _vectors(seed=7)
    _create(client, index)
    _load(client, index, vectors)
    mapping = client.indices.get_mapping(index=index)[index]["mappings"]["properties"]["vec"]
    assert mapping["method"]["engine"] == "lucene"

    rng = np.random.default_rng(11)
    for _ in range(3):
        query = rng.normal(size=DIM).astype(np.float32)
        expected = _exact_top_k(vectors, query, K)
        resp = client.search(
            index=index,
            body={"size": K, "query": {"knn": {"vec": {"vector": query.tolist(), "k": K}}}},
        )
        hits = resp["hits"]["hits"]
        assert [h["_id"] for h in hits] == [doc_id for doc_id, _ in expected]
        # OpenSearch reports cosinesimil as (1 + cosine) / 2.
        for hit, (_doc_id, cos) in zip(hits, expected, strict=True):
            assert hit["_score"] == pytest.approx((1.0 + cos) / 2.0, abs=1e-4)


def test_lucene_knn_with_filter_returns_exact_filtered_neighbours(
    client: Any, unique_name: str
) -> None:
    index = f"{unique_name}-knnf"
    vectors = _vectors(seed=3)
    _create(client, index)
    _load(client, index, vectors)
    query = np.random.default_rng(5).normal(size=DIM).astype(np.float32)
    odd_ids = [i for i in range(N_DOCS) if i % 2 == 1]
    expected = [str(odd_ids[int(pos)]) for pos, _ in _exact_top_k(vectors[odd_ids], query, K)]
    resp = client.search(
        index=index,
        body={
            "size": K,
            "query": {
                "knn": {
                    "vec": {
                        "vector": query.tolist(),
                        "k": K,
                        "filter": {"term": {"group": "odd"}},
                    }
                }
            },
        },
    )
    assert [h["_id"] for h in resp["hits"]["hits"]] == expected
