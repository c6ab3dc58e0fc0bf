"""Fusion and paging: the language-aware ``auto`` combination, RRF, the hybrid replay,
and the explain invariant (weights times normalized scores add up to the score)."""

from __future__ import annotations

import math

import pytest

from babelsearch.query.builder import Request
from babelsearch.query.fusion import (
    language_aware,
    normalize,
    reciprocal_rank,
    weighted_mean,
)
from babelsearch.query.page import hits_of, page_of
from babelsearch.query.weights import FusionWeights
from babelsearch.query.wire import collect


def resp(hits: list[tuple[str, float, str]]) -> dict:
    return {
        "hits": {
            "hits": [
                {"_id": cid, "_score": s, "fields": {"doc_id": [cid.split("#")[0]], "lang": [lang]}}
                for cid, s, lang in hits
            ]
        }
    }


def adds_up(expl: dict) -> float:
    return sum(e["weight"] * e["norm"] for e in expl.values())


def test_normalize() -> None:
    assert normalize([3.0, 2.0, 1.0], "min_max") == [1.0, 0.5, 0.0]
    assert normalize([3.0, 1.0], "min_max", floor=0.001) == [1.0, 0.001]
    assert normalize([2.0, 2.0], "min_max") == [1.0, 1.0]
    l2 = normalize([3.0, 4.0], "l2")
    assert l2 == pytest.approx([0.6, 0.8])
    assert normalize([], "z_score") == []
    assert normalize([1.0, 3.0], "z_score") == [0.0, 1.0]


def test_rrf_scores_and_explain() -> None:
    fused = reciprocal_rank({"a": [("x", 9.0), ("y", 5.0)], "b": [("y", 0.9)]}, k=60)
    assert [f.chunk_id for f in fused] == ["y", "x"]
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    for f in fused:
        assert adds_up(f.explanation) == pytest.approx(f.score)
    assert fused[1].explanation["b"]["rank"] is None


def test_weighted_mean_replays_opensearch_min_max() -> None:
    fused = weighted_mean(
        {"lexical": [("x", 10.0), ("y", 5.0), ("z", 1.0)], "dense": [("y", 0.9), ("z", 0.7)]},
        {"lexical": 0.5, "dense": 0.5},
    )
    by = {f.chunk_id: f for f in fused}
    assert by["x"].score == pytest.approx(0.5)
    assert by["y"].score == pytest.approx(0.5 * (4 / 9) + 0.5)
    assert by["z"].score == pytest.approx(0.5 * 0.001 + 0.5 * 0.001)
    for f in fused:
        assert adds_up(f.explanation) == pytest.approx(f.score)


def _auto(responses: dict[str, list[tuple[str, float, str]]], covers=lambda _l: True, qlang="de"):
    names = tuple(responses)
    cands, ranked = collect(names, [resp(h) for h in responses.values()])
    return cands, language_aware(
        cands, ranked, qlang=qlang, weights=FusionWeights.from_config(), covers=covers
    )


def test_language_aware_same_and_cross_share_one_scale() -> None:
    _, fused = _auto(
        {
            # lexical searched only German documents
            "lexical": [("de1", 12.0, "de"), ("de2", 11.0, "de"), ("de3", 2.0, "de")],
            "dense": [
                ("en1", 0.95, "en"),
                ("de1", 0.93, "de"),
                ("fr1", 0.90, "fr"),
                ("de2", 0.60, "de"),
                ("de3", 0.55, "de"),
            ],
            "neutral": [("fr1", 3.0, "fr")],
        }
    )
    order = [f.chunk_id for f in fused]
    by = {f.chunk_id: f for f in fused}
    # the German answer with both signals and the best dense (English) candidate lead;
    # the English one is not drowned by a German lexical near-miss (de2).
    assert set(order[:2]) == {"de1", "en1"}
    assert order.index("en1") < order.index("de2")
    # a cross-language candidate's lexical term is its dense score (substitute)
    en = by["en1"].explanation
    assert en["lexical"]["substitute"] == "dense"
    assert en["lexical"]["norm"] == en["dense"]["norm"] == 1.0
    assert "neutral" in en and "neutral" not in by["de1"].explanation
    assert by["fr1"].explanation["neutral"]["norm"] == 1.0
    for f in fused:
        assert adds_up(f.explanation) == pytest.approx(f.score)
    assert en["dense"]["rank"] == 1 and en["lexical"]["rank"] is None
    de1 = by["de1"].explanation["lexical"]
    assert (de1["raw"], de1["norm"], de1["rank"]) == (12.0, 1.0, 1)


def test_language_aware_is_dense_order_when_no_same_language_docs() -> None:
    dense = [(f"en{i}", 0.9 - i / 100, "en") for i in range(10)]
    _, fused = _auto({"lexical": [], "dense": dense})
    assert [f.chunk_id for f in fused] == [c for c, _, _ in dense]


def test_language_aware_untrusted_dense_is_down_weighted() -> None:
    _, fused = _auto(
        {"lexical": [("de1", 5.0, "de"), ("de2", 1.0, "de")], "dense": [("de2", 0.9, "de")]},
        covers=lambda lang: lang != "de",
    )
    assert fused[0].chunk_id == "de1"
    # agreement 0 (dense's only hit is lexical's weakest): text share 0.75 -> 0.55, dense
    # 0.45; no n-gram hits: its 0.32 * 0.55 / 0.75 is shared out; then the distrust
    ngram_w = 0.32 * 0.55 / 0.75
    expected = 0.45 / (1 - ngram_w) * 0.25
    assert fused[0].explanation["dense"]["weight"] == pytest.approx(expected)


def test_ngram_counts_for_same_language_and_its_weight_is_shared_when_absent() -> None:
    lists = {
        "lexical": [("de1", 5.0, "de"), ("de2", 4.0, "de"), ("de3", 1.0, "de")],
        "dense": [("de2", 0.9, "de"), ("de1", 0.8, "de"), ("en1", 0.85, "en")],
    }
    _, without = _auto(lists)
    _, with_ng = _auto({**lists, "ngram": [("de2", 9.0, "de"), ("de3", 1.0, "de")]})
    w = {f.chunk_id: f for f in with_ng}
    assert set(w["de2"].explanation) >= {"ngram", "lexical", "dense"}
    assert "ngram" not in w["en1"].explanation  # other-language candidates never get it
    assert w["de2"].score == pytest.approx(
        sum(t["weight"] * t["norm"] for t in w["de2"].explanation.values())
    )
    assert sum(t["weight"] for t in w["de2"].explanation.values()) == pytest.approx(1.0)
    assert adds_up(w["de1"].explanation) == pytest.approx(w["de1"].score)
    wo = {f.chunk_id: f for f in without}
    assert "ngram" not in wo["de2"].explanation
    # the same-language weights still sum to 1 without n-grams
    assert sum(t["weight"] for t in wo["de1"].explanation.values()) == pytest.approx(1.0)


def test_pages_are_disjoint_and_best_chunk_per_document() -> None:
    hits = [(f"d{i}", 1.0 - i / 100, "en") for i in range(10)] + [("d0#1", 0.5, "en")]
    cands, fused = _auto({"lexical": [], "dense": hits})
    pages = [page_of(fused, cands, k=4, page=n) for n in (1, 2, 3)]
    assert {total for _, total in pages} == {10}

    def fetched(page):  # what the fetch phase returns: sources and highlights by id
        hits = [{"_id": f.chunk_id, "_source": {"n": f.chunk_id}, "highlight": {"b": ["x"]}}
                for f in reversed(page)]  # fmt: skip
        return {"hits": {"hits": hits}}

    p1 = hits_of(pages[0][0], cands, fetched(pages[0][0]), explain=True)
    p2 = hits_of(pages[1][0], cands, fetched(pages[1][0]), explain=False)
    p3 = hits_of(pages[2][0], cands, fetched(pages[2][0]), explain=False)
    ids = [h.id for h in p1 + p2 + p3]
    assert ids == [f"d{i}" for i in range(10)]
    assert p1[0].chunk_id == "d0" and p1[0].explanation is not None
    assert p1[0].source == {"n": "d0"} and p1[0].highlights == {"b": ["x"]}
    assert p2[0].explanation is None
    assert math.isclose(p1[0].explanation["score"], p1[0].score)


def test_chunk_missing_from_fetch_is_dropped_not_shown_empty() -> None:
    cands, fused = _auto({"lexical": [], "dense": [("a", 0.9, "en"), ("b", 0.8, "en")]})
    page, _ = page_of(fused, cands, k=2, page=1)
    only_b = {"hits": {"hits": [{"_id": "b", "_source": {"t": 1}}]}}
    assert [h.chunk_id for h in hits_of(page, cands, only_b, explain=False)] == ["b"]


def test_collect_keeps_first_source_and_all_ranks() -> None:
    req = Request("rrf", "msearch", ("a", "b"), ({}, {}), "rrf")
    cands, ranked = collect(
        req.names, [resp([("x", 2.0, "en")]), resp([("y", 1, "de"), ("x", 1, "en")])]
    )
    assert ranked == {"a": [("x", 2.0)], "b": [("y", 1.0), ("x", 1.0)]}
    assert set(cands) == {"x", "y"}
    assert (cands["y"].doc_id, cands["y"].lang) == ("y", "de")


def test_collect_reads_doc_id_and_lang_from_source_when_no_doc_values() -> None:
    hit = {"_id": "d#2", "_score": 1.0, "_source": {"doc_id": "d", "lang": "ar"}}
    cands, _ = collect(("a",), [{"hits": {"hits": [hit]}}])
    assert (cands["d#2"].doc_id, cands["d#2"].lang) == ("d", "ar")


def test_calibration_keeps_strong_same_language_answer_first() -> None:
    # lexical singles out de1; the best dense candidate is English
    _, fused = _auto(
        {
            "lexical": [("de1", 9.0, "de"), ("de2", 1.0, "de")],
            "dense": [
                ("en1", 0.99, "en"),
                ("de1", 0.97, "de"),
                ("de2", 0.80, "de"),
                ("de3", 0.70, "de"),
                ("fr9", 0.50, "fr"),
            ],
        }
    )
    by = {f.chunk_id: f for f in fused}
    assert [f.chunk_id for f in fused][:2] == ["de1", "en1"]
    calib = by["en1"].explanation["lexical"]["calibration"]
    assert 0.0 < calib < 1.0
    assert by["en1"].explanation["lexical"]["norm"] == pytest.approx(calib * 1.0)
    for f in fused:
        assert adds_up(f.explanation) == pytest.approx(f.score)


def test_corroboration_moves_text_share_to_dense_when_they_disagree() -> None:
    from babelsearch.query.fusion import corroborated
    from babelsearch.query.weights import Relation

    rel = Relation(dense=0.25, lexical=0.43, ngram=0.32, neutral=0.0, sparse=0.0)
    full = corroborated(rel, 1.0, 0.2)
    assert full == rel
    none = corroborated(rel, 0.0, 0.2)
    assert none.lexical + none.ngram == pytest.approx(0.55)
    assert none.dense == pytest.approx(0.45)
    assert none.lexical / none.ngram == pytest.approx(0.43 / 0.32)
    assert corroborated(rel, 0.0, 0.0) == rel


def test_weak_same_language_match_does_not_beat_strong_translation() -> None:
    # the only English lexical hit is the document dense ranks last
    _, fused = _auto(
        {
            "lexical": [("en-weak", 3.0, "en")],
            "ngram": [("en-weak", 5.0, "en")],
            "dense": [("fr-answer", 0.9, "fr"), ("de-x", 0.5, "de"), ("en-weak", 0.2, "en")],
        },
        qlang="en",
    )
    assert fused[0].chunk_id == "fr-answer"


@pytest.mark.parametrize("seed", range(40))
def test_fast_path_equals_explained_path(seed: int) -> None:
    """Without ``explain`` auto scores by signal columns; with it, per candidate. Both
    must give the same order and scores for any mix of signals and languages."""
    import random

    rnd = random.Random(seed)
    langs = ["ar", "de", "en", "sw"]
    qlang = rnd.choice(langs)
    names = rnd.choice(
        [("lexical", "dense"), ("lexical", "ngram", "dense", "neutral"), ("lexical",),
         ("lexical", "ngram", "dense", "neutral", "sparse"), ("lexical", "dense", "neutral")]
    )  # fmt: skip
    lists = {}
    for name in names:
        ids = rnd.sample(range(60), rnd.randint(0, 30))
        score = rnd.uniform(1, 20)
        hits = []
        for i in ids:
            lang = qlang if name in ("lexical", "ngram") else langs[i % 4]
            hits.append((f"d{i}", score, lang))
            score -= rnd.choice([0.0, 0.1, rnd.random()])
        lists[name] = hits
    cands, ranked = collect(names, [resp(h) for h in lists.values()])
    weights = FusionWeights.from_config()

    def run(explain: bool) -> list:
        return language_aware(
            cands, ranked, qlang=qlang, weights=weights, covers=lambda x: x != "sw", explain=explain
        )

    fast, slow = run(False), run(True)
    assert [f.chunk_id for f in fast] == [f.chunk_id for f in slow]
    assert [f.score for f in fast] == pytest.approx([f.score for f in slow], abs=1e-12)
    assert all(f.explanation == {} for f in fast)
    for f in slow:
        assert adds_up(f.explanation) == pytest.approx(f.score)
