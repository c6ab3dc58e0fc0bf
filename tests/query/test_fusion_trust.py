"""``auto`` fusion where the encoder is blind: no weight makes a document unreachable.

A document in a language the encoder does not cover (Vietnamese for the default
``use`` encoder) has its dense evidence scaled by ``untrusted_dense``; the weight it
loses goes to the text evidence that can see it (names and numbers across languages,
lexical and n-grams within one), so a perfect match reaches the same top score as a
covered neighbour. Pure: constructed sub-query results, no cluster.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from babelsearch.query.fusion import Fused, language_aware
from babelsearch.query.lexical import crossing_terms
from babelsearch.query.weights import FusionWeights
from babelsearch.query.wire import collect

USE_LIKE = frozenset({"ar", "de", "en", "es", "fr", "ja", "ru", "zh"})
"""Languages the (stand-in) encoder covers; ``vi`` is not one of them."""

Hits = list[tuple[str, float, str]]


def _resp(hits: Hits) -> dict:
    return {
        "hits": {
            "hits": [
                {"_id": cid, "_score": s, "fields": {"doc_id": [cid], "lang": [lang]}}
                for cid, s, lang in hits
            ]
        }
    }


def _fuse(
    responses: dict[str, Hits],
    qlang: str,
    covers: Callable[[str], bool] = USE_LIKE.__contains__,
    explain: bool = True,
    weights: FusionWeights | None = None,
) -> list[Fused]:
    names = tuple(responses)
    cands, ranked = collect(names, [_resp(h) for h in responses.values()])
    return language_aware(
        cands,
        ranked,
        qlang=qlang,
        weights=weights or FusionWeights.from_config(),
        covers=covers,
        explain=explain,
    )


def _adds_up(f: Fused) -> float:
    return sum(e["weight"] * e["norm"] for e in f.explanation.values())


def test_names_match_in_an_uncovered_language_can_rank_first() -> None:
    """The issue's case: an English question whose answer is the Vietnamese passage
    naming "Ediacaran" and "Eoandromeda"; dense (blind to Vietnamese) prefers a German
    passage about fossils in general, English passages match only common words."""
    query = "Which Ediacaran animal did Eoandromeda resemble?"
    assert crossing_terms(query) == "Ediacaran Eoandromeda"
    fused = _fuse(
        {
            "lexical": [("en-fossils", 7.0, "en"), ("en-sea", 3.0, "en")],
            "dense": [
                ("de-fossils", 0.62, "de"),
                ("vi-answer", 0.55, "vi"),
                ("en-sea", 0.50, "en"),
                ("en-fossils", 0.42, "en"),
                ("vi-other", 0.40, "vi"),
            ],
            # the names on the neutral field of the other languages
            "neutral": [("vi-answer", 14.0, "vi"), ("de-fossils", 2.0, "de")],
        },
        qlang="en",
    )
    assert fused[0].chunk_id == "vi-answer"
    by = {f.chunk_id: f for f in fused}
    assert by["vi-answer"].score > 0.75  # before: at most 0.5*0.25 + 0.4*0.25 + 0.1
    assert by["vi-answer"].explanation["neutral"]["weight"] == pytest.approx(0.775)
    for f in fused:
        assert _adds_up(f) == pytest.approx(f.score)


def test_every_language_reaches_the_same_top_score() -> None:
    """A candidate first on every signal that can see it scores 1.0, covered or not."""
    for qlang, doc_lang in [("en", "vi"), ("vi", "en"), ("vi", "vi"), ("en", "de"), ("en", "en")]:
        same = qlang == doc_lang
        responses: dict[str, Hits] = {
            "lexical": [("top", 9.0, doc_lang), ("low", 1.0, doc_lang)] if same else [],
            "dense": [("top", 0.9, doc_lang), ("low", 0.1, doc_lang)],
        }
        if not same:
            responses["neutral"] = [("top", 5.0, doc_lang), ("low", 1.0, doc_lang)]
        fused = _fuse(responses, qlang=qlang)
        assert fused[0].chunk_id == "top"
        assert fused[0].score == pytest.approx(1.0), (qlang, doc_lang)


def test_trusted_pairs_are_unchanged() -> None:
    """Where the encoder covers both languages nothing is handed over."""
    responses: dict[str, Hits] = {
        "lexical": [("en1", 9.0, "en"), ("en2", 1.0, "en")],
        "dense": [("de1", 0.9, "de"), ("en1", 0.8, "en"), ("en2", 0.1, "en")],
        "neutral": [("de1", 3.0, "de")],
    }
    plain = _fuse(responses, qlang="en")
    every = _fuse(responses, qlang="en", covers=lambda _lang: True)
    assert [(f.chunk_id, f.score) for f in plain] == [(f.chunk_id, f.score) for f in every]
    de = {f.chunk_id: f for f in plain}["de1"].explanation
    w = FusionWeights.from_config().cross
    assert de["neutral"]["weight"] == pytest.approx(w.neutral)
    assert de["dense"]["weight"] == pytest.approx(w.dense)


def test_without_names_an_uncovered_candidate_keeps_only_its_discounted_dense() -> None:
    """No names or numbers in the query: nothing can stand in for dense, so the weight
    stays lost (an uncovered document with no trusted evidence ranks below one with)."""
    fused = _fuse(
        {"lexical": [], "dense": [("vi1", 0.9, "vi"), ("de1", 0.5, "de")]},
        qlang="en",
    )
    by = {f.chunk_id: f for f in fused}
    w = FusionWeights.from_config()
    # no names: the names weight is shared out, then dense keeps only its trusted part
    share = 1.0 / (1.0 - w.cross.neutral)
    expected = (w.cross.dense + w.cross.lexical) * share * w.untrusted_dense
    assert by["vi1"].score == pytest.approx(expected)
    assert "neutral" not in by["vi1"].explanation
    assert by["de1"].score == pytest.approx(0.0)  # dense's last: min-max 0


def test_without_names_a_translation_is_not_capped_below_a_same_language_near_miss() -> None:
    """The quickstart's Japanese question (no names: no neutral sub-query) whose answer
    is in Spanish and English, while the best Japanese passage only shares particles:
    the translation must be able to reach 1.0, as the Japanese near-miss can."""
    fused = _fuse(
        {
            # the Japanese passages match the question's particles: a flat lexical list
            "lexical": [
                ("ja-near-miss", 42.2, "ja"),
                ("ja-b", 40.8, "ja"),
                ("ja-c", 30.0, "ja"),
                ("ja-d", 10.0, "ja"),
            ],
            "dense": [
                ("en-answer", 0.601, "en"),
                ("ja-near-miss", 0.592, "ja"),
                ("ja-c", 0.580, "ja"),
                ("es-answer", 0.575, "es"),
                ("ja-b", 0.549, "ja"),
                ("ja-d", 0.520, "ja"),
            ],
        },
        qlang="ja",
    )
    by = {f.chunk_id: f for f in fused}
    en = by["en-answer"].explanation
    assert en["dense"]["weight"] + en["lexical"]["weight"] == pytest.approx(1.0)
    assert by["en-answer"].score == pytest.approx(1.0)  # dense's first, calibration 1
    assert fused[0].chunk_id == "en-answer"


def test_untrusted_query_language_hands_dense_to_its_own_lexical() -> None:
    """A Vietnamese query: within Vietnamese, lexical takes dense's lost weight."""
    fused = _fuse(
        {
            "lexical": [("vi-answer", 8.0, "vi"), ("vi-near", 5.0, "vi"), ("vi-far", 1.0, "vi")],
            "dense": [("vi-near", 0.9, "vi"), ("vi-far", 0.8, "vi"), ("vi-answer", 0.2, "vi")],
        },
        qlang="vi",
    )
    assert fused[0].chunk_id == "vi-answer"
    expl = fused[0].explanation
    # the weights sum to 1 as for a covered language; dense keeps only its trusted part
    assert expl["lexical"]["weight"] + expl["dense"]["weight"] == pytest.approx(1.0)
    assert expl["dense"]["weight"] < FusionWeights.from_config().untrusted_dense


def test_fast_and_explained_paths_agree_on_untrusted_pairs() -> None:
    responses: dict[str, Hits] = {
        "lexical": [("vi1", 4.0, "vi"), ("vi2", 2.0, "vi")],
        "ngram": [("vi2", 3.0, "vi"), ("vi1", 1.0, "vi")],
        "dense": [("en1", 0.7, "en"), ("vi2", 0.6, "vi"), ("de1", 0.5, "de")],
        "neutral": [("de1", 6.0, "de"), ("en1", 2.0, "en")],
    }
    fast = _fuse(responses, qlang="vi", explain=False)
    slow = _fuse(responses, qlang="vi", explain=True)
    assert [f.chunk_id for f in fast] == [f.chunk_id for f in slow]
    assert [f.score for f in fast] == pytest.approx([f.score for f in slow], abs=1e-12)


def test_ngrams_do_not_inherit_dense_weight() -> None:
    """The lost dense weight goes to the analyzed lexical match, not to the n-grams
    (measured: Vietnamese mono MRR 0.806 with n-grams as heirs, 0.838 without)."""
    responses: dict[str, Hits] = {
        "lexical": [("vi1", 4.0, "vi"), ("vi2", 2.0, "vi")],
        "ngram": [("vi2", 3.0, "vi"), ("vi1", 1.0, "vi")],
        "dense": [("vi2", 0.6, "vi"), ("vi1", 0.5, "vi")],
    }
    blind = {f.chunk_id: f.explanation for f in _fuse(responses, qlang="vi")}["vi1"]
    seeing = {
        f.chunk_id: f.explanation for f in _fuse(responses, qlang="vi", covers=lambda _: True)
    }["vi1"]
    assert blind["ngram"]["weight"] == pytest.approx(seeing["ngram"]["weight"])
    lost = seeing["dense"]["weight"] - blind["dense"]["weight"]
    assert lost > 0
    assert blind["lexical"]["weight"] == pytest.approx(seeing["lexical"]["weight"] + lost)
