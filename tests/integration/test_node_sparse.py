"""(d) A ``rank_features`` field scored by ``neural_sparse`` (``query_tokens``) and by
``rank_feature`` clauses ranks documents by the dot product the weights imply.

This is how babelsearch stores and queries learned sparse (SPLADE / BGE-M3 lexical)
weights without a model on the cluster: the query's token weights are sent inline.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

pytestmark = pytest.mark.integration

DOCS: dict[str, dict[str, float]] = {
    "a": {"berlin": 2.0, "capital": 1.0, "germany": 0.5},
    "b": {"berlin": 0.5, "wall": 3.0},
    "c": {"capital": 2.5, "france": 2.0},
    "d": {"germany": 3.0, "capital": 0.2},
    "e": {"paris": 4.0},
}
QUERY = {"berlin": 1.5, "capital": 1.0, "germany": 0.8}


def _expected() -> list[tuple[str, float]]:
    scores = {
        doc: sum(w * feats.get(tok, 0.0) for tok, w in QUERY.items()) for doc, feats in DOCS.items()
    }
    ranked = sorted(((d, s) for d, s in scores.items() if s > 0), key=lambda kv: -kv[1])
    values = [s for _, s in ranked]
    assert all(a - b > 0.1 for a, b in itertools.pairwise(values)), ranked
    return ranked


def _index(client: Any, index: str) -> None:
    client.indices.create(
        index=index,
        body={
            "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": {"properties": {"sparse": {"type": "rank_features"}}},
        },
    )
    body: list[dict[str, Any]] = []
    for doc_id, feats in DOCS.items():
        body += [{"index": {"_index": index, "_id": doc_id}}, {"sparse": feats}]
    assert not client.bulk(body=body, refresh=True)["errors"]


def _check(hits: list[dict[str, Any]]) -> None:
    expected = _expected()
    assert [h["_id"] for h in hits] == [d for d, _ in expected]
    # rank_features keeps ~9 bits of mantissa, so scores match to about 0.5 %.
    for hit, (_doc, want) in zip(hits, expected, strict=True):
        assert hit["_score"] == pytest.approx(want, rel=1e-2)


def test_neural_sparse_query_tokens_rank_by_dot_product(client: Any, unique_name: str) -> None:
    index = f"{unique_name}-sparse"
    _index(client, index)
    resp = client.search(
        index=index,
        body={"size": 10, "query": {"neural_sparse": {"sparse": {"query_tokens": QUERY}}}},
    )
    _check(resp["hits"]["hits"])


def test_rank_feature_linear_clauses_rank_the_same(client: Any, unique_name: str) -> None:
    index = f"{unique_name}-rf"
    _index(client, index)
    should = [
        {"rank_feature": {"field": f"sparse.{tok}", "linear": {}, "boost": weight}}
        for tok, weight in QUERY.items()
    ]
    resp = client.search(index=index, body={"size": 10, "query": {"bool": {"should": should}}})
    _check(resp["hits"]["hits"])


def test_weights_change_the_winner(client: Any, unique_name: str) -> None:
    index = f"{unique_name}-rfw"
    _index(client, index)

    def top(tokens: dict[str, float]) -> str:
        resp = client.search(
            index=index,
            body={"size": 1, "query": {"neural_sparse": {"sparse": {"query_tokens": tokens}}}},
        )
        return str(resp["hits"]["hits"][0]["_id"])

    assert top({"berlin": 1.0, "germany": 0.1}) == "a"
    assert top({"berlin": 0.1, "germany": 1.0}) == "d"
