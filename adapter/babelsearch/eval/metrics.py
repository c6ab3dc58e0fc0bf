"""Ranking metrics, per query and aggregated per language and per language pair.

Why hand-written instead of a dependency (pytrec_eval, ir_measures): the formulas are
a few lines each, the eval must run offline with numpy only, and we want to state
exactly which convention we use -- every function here is pure, unit-tested against
hand-computed values and cross-checked against trec_eval (pytrec_eval through
ir-measures, a dev dependency) on random rankings in ``tests/eval/test_metrics_trec.py``.

Conventions (the usual TREC/BEIR ones):

* ``relevant`` maps a document id to a graded relevance; grades ``<= 0`` are not relevant.
* A query with no relevant document is not scored (callers drop it before aggregating),
  because every metric here would be undefined or trivially zero for it.
* ``mAP`` (no cutoff) divides by *all* relevant documents, so documents the ranking
  did not return count as misses; ``mAP@k`` divides by ``min(k, |relevant|)`` (so a
  perfect top k scores 1), where trec_eval's ``map_cut_k`` divides by ``|relevant|``:
  ours = trec_eval's * ``|relevant| / min(k, |relevant|)``, equal when ``k >= |relevant|``.
* A document that appears several times in a ranking (several chunks) counts at its
  first position only; trec_eval reads a run as a set of documents.
* ``nDCG@k`` uses linear gain ``grade / log2(rank + 1)`` and the ideal ordering of all
  relevant grades.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "QueryScore",
    "aggregate",
    "average_precision",
    "metric_names",
    "ndcg_at_k",
    "recall_at_k",
    "reciprocal_rank",
    "score_query",
]

Qrels = Mapping[str, float]


def _relevant_ids(relevant: Qrels) -> set[str]:
    return {doc for doc, grade in relevant.items() if grade > 0}


def _dedupe(ranking: Sequence[str]) -> list[str]:
    """A document counted twice (e.g. two chunks of one doc) must not score twice."""
    seen: set[str] = set()
    out: list[str] = []
    for doc in ranking:
        if doc not in seen:
            seen.add(doc)
            out.append(doc)
    return out


def reciprocal_rank(ranking: Sequence[str], relevant: Qrels, k: int | None = None) -> float:
    """1 / rank of the first relevant document within the top ``k`` (0 if none)."""
    rel = _relevant_ids(relevant)
    for i, doc in enumerate(_dedupe(ranking)[:k]):
        if doc in rel:
            return 1.0 / (i + 1)
    return 0.0


def average_precision(ranking: Sequence[str], relevant: Qrels, k: int | None = None) -> float:
    """Mean of precision at each relevant hit, over all (or ``min(k, |rel|)``) relevant docs."""
    rel = _relevant_ids(relevant)
    if not rel:
        return 0.0
    hits = 0
    total = 0.0
    for i, doc in enumerate(_dedupe(ranking)[:k]):
        if doc in rel:
            hits += 1
            total += hits / (i + 1)
    denom = len(rel) if k is None else min(k, len(rel))
    return total / denom


def ndcg_at_k(ranking: Sequence[str], relevant: Qrels, k: int) -> float:
    """Normalized discounted cumulative gain of the top ``k`` with linear gains."""
    gains = {doc: float(g) for doc, g in relevant.items() if g > 0}
    if not gains:
        return 0.0
    dcg = sum(gains.get(doc, 0.0) / math.log2(i + 2) for i, doc in enumerate(_dedupe(ranking)[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg


def recall_at_k(ranking: Sequence[str], relevant: Qrels, k: int) -> float:
    """Share of the relevant documents found in the top ``k``."""
    rel = _relevant_ids(relevant)
    if not rel:
        return 0.0
    found = sum(1 for doc in _dedupe(ranking)[:k] if doc in rel)
    return found / len(rel)


def metric_names(cutoffs: Sequence[int]) -> list[str]:
    """The metric keys :func:`score_query` produces, in display order."""
    names = ["mrr", "map"]
    for k in cutoffs:
        names += [f"map@{k}", f"ndcg@{k}", f"recall@{k}"]
    return names


def score_query(
    ranking: Sequence[str], relevant: Qrels, cutoffs: Sequence[int] = (10, 100)
) -> dict[str, float]:
    """Every metric for one query; MRR and mAP look at the whole returned ranking."""
    scores = {
        "mrr": reciprocal_rank(ranking, relevant),
        "map": average_precision(ranking, relevant),
    }
    for k in cutoffs:
        scores[f"map@{k}"] = average_precision(ranking, relevant, k)
        scores[f"ndcg@{k}"] = ndcg_at_k(ranking, relevant, k)
        scores[f"recall@{k}"] = recall_at_k(ranking, relevant, k)
    return scores


@dataclass(frozen=True)
class QueryScore:
    """One scored query: which language it was asked in, against which candidates."""

    query_id: str
    query_lang: str
    doc_lang: str
    """The candidates' language, or ``"*"`` when candidates of every language compete."""
    scores: Mapping[str, float] = field(default_factory=dict)


def _mean(rows: Iterable[Mapping[str, float]]) -> dict[str, float]:
    sums: dict[str, float] = defaultdict(float)
    n = 0
    for row in rows:
        n += 1
        for key, value in row.items():
            sums[key] += value
    return {key: value / n for key, value in sums.items()} if n else {}


def aggregate(results: Sequence[QueryScore]) -> dict[str, object]:
    """Average per language pair, per query language, and overall.

    The overall mean is the macro average over language pairs, so a pair with fewer
    answerable queries (e.g. after ``--limit``) weighs as much as the others -- the way
    multilingual benchmarks report "the average over pairs". With equal pair sizes it
    equals the plain mean over queries.
    """
    by_pair: dict[str, list[Mapping[str, float]]] = defaultdict(list)
    by_lang: dict[str, list[Mapping[str, float]]] = defaultdict(list)
    for r in results:
        by_pair[f"{r.query_lang}->{r.doc_lang}"].append(r.scores)
        by_lang[r.query_lang].append(r.scores)
    pairs = {pair: _mean(rows) for pair, rows in sorted(by_pair.items())}
    return {
        "n_queries": len(results),
        "mean": _mean(pairs.values()),
        "by_lang": {lang: _mean(rows) for lang, rows in sorted(by_lang.items())},
        "by_pair": pairs,
        "n_by_pair": {pair: len(rows) for pair, rows in sorted(by_pair.items())},
    }
