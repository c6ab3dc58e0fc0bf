"""Metrics against values computed by hand (see the comments next to each number)."""

from __future__ import annotations

import math

import pytest

from babelsearch.eval.metrics import (
    QueryScore,
    aggregate,
    average_precision,
    metric_names,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
    score_query,
)

RANKING = ["a", "b", "c", "d", "e"]
REL = {"b": 1.0, "d": 1.0, "x": 1.0}  # x is never retrieved


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(RANKING, REL) == pytest.approx(1 / 2)
    assert reciprocal_rank(RANKING, {"a": 1}) == 1.0
    assert reciprocal_rank(RANKING, {"z": 1}) == 0.0
    assert reciprocal_rank(RANKING, {"d": 1}, k=3) == 0.0  # beyond the cutoff
    assert reciprocal_rank(RANKING, {"b": 0, "c": 1}) == pytest.approx(
        1 / 3
    )  # grade 0 is not relevant


def test_average_precision_counts_unretrieved_relevant_as_misses() -> None:
    # hits at ranks 2 and 4: precisions 1/2 and 2/4, divided by 3 relevant
    assert average_precision(RANKING, REL) == pytest.approx((1 / 2 + 2 / 4) / 3)
    # @2: one hit (1/2) divided by min(2, 3)
    assert average_precision(RANKING, REL, k=2) == pytest.approx(0.25)
    assert average_precision(RANKING, {"a": 1, "b": 1}) == 1.0
    assert average_precision(RANKING, {}) == 0.0


def test_ndcg_binary_and_graded() -> None:
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RANKING, REL, 5) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(RANKING, REL, 5) == pytest.approx(0.498189, abs=1e-6)
    # graded: the grade-1 doc first, the grade-2 doc second
    graded = {"a": 2.0, "c": 1.0}
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(["c", "a"], graded, 2) == pytest.approx(expected)
    assert ndcg_at_k(["a", "c"], graded, 2) == pytest.approx(1.0)
    assert ndcg_at_k(["z"], graded, 10) == 0.0


def test_recall_at_k() -> None:
    assert recall_at_k(RANKING, REL, 2) == pytest.approx(1 / 3)
    assert recall_at_k(RANKING, REL, 5) == pytest.approx(2 / 3)
    assert recall_at_k(RANKING, REL, 1) == 0.0


def test_duplicates_score_once() -> None:
    # two chunks of the same wrong document must not push the right one down twice
    assert reciprocal_rank(["b", "b", "d"], {"d": 1}) == pytest.approx(1 / 2)
    assert recall_at_k(["d", "d"], {"d": 1, "e": 1}, 2) == pytest.approx(1 / 2)


def test_score_query_has_every_metric() -> None:
    scores = score_query(RANKING, REL, cutoffs=(2, 5))
    assert list(scores) == metric_names((2, 5))
    assert scores["mrr"] == pytest.approx(0.5)
    assert scores["map@2"] == pytest.approx(0.25)
    assert scores["recall@5"] == pytest.approx(2 / 3)


def test_aggregate_is_macro_over_pairs() -> None:
    rows = [
        QueryScore("q1", "en", "de", {"mrr": 1.0}),
        QueryScore("q2", "en", "de", {"mrr": 0.0}),
        QueryScore("q3", "en", "de", {"mrr": 0.5}),
        QueryScore("q4", "de", "en", {"mrr": 1.0}),
    ]
    agg = aggregate(rows)
    assert agg["n_queries"] == 4
    assert agg["by_pair"] == {"de->en": {"mrr": 1.0}, "en->de": {"mrr": pytest.approx(0.5)}}
    assert agg["by_lang"] == {"de": {"mrr": 1.0}, "en": {"mrr": pytest.approx(0.5)}}
    assert agg["mean"] == {"mrr": pytest.approx(0.75)}  # (0.5 + 1.0) / 2, not 2.5 / 4
    assert agg["n_by_pair"] == {"de->en": 1, "en->de": 3}
    assert aggregate([])["mean"] == {}
