"""Our metrics against trec_eval (pytrec_eval through ir-measures) on random rankings.

Equal to 1e-9 where the conventions agree (MRR, mAP, nDCG@k, Recall@k); where ours
differ on purpose the documented relation is asserted instead (docs/evaluation.md):

* ``mAP@k``: we divide by ``min(k, |relevant|)``, trec_eval's ``map_cut_k`` by
  ``|relevant|``; so ours = trec_eval's * ``|relevant| / min(k, |relevant|)``.
* Duplicates (several chunks of one document in a ranking): we count a document at its
  first position only; trec_eval takes a run as a set of documents, so ours on the
  ranking equal trec_eval's on the ranking with later duplicates dropped.
"""

from __future__ import annotations

import random

import ir_measures
import pytest
from ir_measures import AP, RR, R, nDCG

from babelsearch.eval.metrics import score_query

CUTOFFS = (1, 3, 10, 100)
MEASURES = [RR, AP, *(m @ k for k in CUTOFFS for m in (AP, nDCG, R))]


def _dedupe(ranking: list[str]) -> list[str]:
    return list(dict.fromkeys(ranking))


def _case(rnd: random.Random) -> tuple[list[str], dict[str, int]]:
    """A ranking (possibly with repeats) and graded qrels with at least one relevant."""
    pool = [f"d{i}" for i in range(rnd.randint(3, 150))]
    n_rel = rnd.randint(1, min(len(pool), 12))
    qrels = {doc: rnd.choice([1, 1, 2, 3]) for doc in rnd.sample(pool, n_rel)}
    for doc in rnd.sample(pool, rnd.randint(0, min(5, len(pool)))):
        qrels.setdefault(doc, 0)  # judged, not relevant
    ranking = rnd.sample(pool, rnd.randint(0, len(pool)))
    for _ in range(rnd.randint(0, 6)):  # chunks of one document
        if ranking:
            ranking.insert(rnd.randrange(len(ranking) + 1), rnd.choice(ranking))
    return ranking, qrels


def _trec(cases: dict[str, tuple[list[str], dict[str, int]]]) -> dict[str, dict[str, float]]:
    """trec_eval's values per query: the run scores strictly decrease down the
    (deduplicated) ranking, so its sort by score keeps our order."""
    qrels = {qid: q for qid, (_, q) in cases.items()}
    run = {
        qid: {doc: float(len(r) - i) for i, doc in enumerate(_dedupe(r))}
        for qid, (r, _) in cases.items()
    }
    out: dict[str, dict[str, float]] = {qid: {} for qid in cases}
    for m in ir_measures.pytrec_eval.evaluator(MEASURES, qrels).iter_calc(run):
        out[m.query_id][str(m.measure)] = m.value
    return out


@pytest.mark.parametrize("seed", range(5))
def test_metrics_equal_trec_eval_or_its_documented_relation(seed: int) -> None:
    rnd = random.Random(seed)
    cases = {f"q{i}": _case(rnd) for i in range(200)}
    trec = _trec(cases)
    for qid, (ranking, qrels) in cases.items():
        ours = score_query(ranking, qrels, CUTOFFS)
        # the same numbers on the deduplicated ranking: duplicates count once
        assert score_query(_dedupe(ranking), qrels, CUTOFFS) == ours
        theirs = trec[qid]
        n_rel = sum(1 for g in qrels.values() if g > 0)
        assert ours["mrr"] == pytest.approx(theirs.get("RR", 0.0), abs=1e-9)
        assert ours["map"] == pytest.approx(theirs.get("AP", 0.0), abs=1e-9)
        for k in CUTOFFS:
            assert ours[f"ndcg@{k}"] == pytest.approx(theirs.get(f"nDCG@{k}", 0.0), abs=1e-9)
            assert ours[f"recall@{k}"] == pytest.approx(theirs.get(f"R@{k}", 0.0), abs=1e-9)
            relation = n_rel / min(k, n_rel)
            expected = theirs.get(f"AP@{k}", 0.0) * relation
            assert ours[f"map@{k}"] == pytest.approx(expected, abs=1e-9)


def test_the_map_conventions_differ_only_when_k_is_below_the_relevant_count() -> None:
    """Two relevant documents, both found at ranks 1 and 2: trec_eval's map_cut_1 is
    0.5 (one of two relevant could be seen), ours 1.0 (a perfect top 1)."""
    qrels = {"q": {"a": 1, "b": 1}}
    run = {"q": {"a": 2.0, "b": 1.0}}
    theirs = {
        str(m.measure): m.value
        for m in ir_measures.pytrec_eval.evaluator([AP @ 1, AP @ 2], qrels).iter_calc(run)
    }
    ours = score_query(["a", "b"], qrels["q"], (1, 2))
    assert (theirs["AP@1"], ours["map@1"]) == (0.5, 1.0)
    assert theirs["AP@2"] == ours["map@2"] == 1.0
