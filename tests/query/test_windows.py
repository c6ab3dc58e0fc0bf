"""Adaptive candidate windows, pure: which modes narrow, how deep each signal ranks,
and that the pages of one query stay one order when a page widens."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from babelsearch.config import parse_config
from babelsearch.query import SearchPlan, SearchRequest
from babelsearch.query.plan import SearchContext, build_plan, resolve
from babelsearch.query.weights import FusionWeights
from babelsearch.query.windows import FLOOR, narrow_windows
from ingest.hash_encoder import HashEncoder

from .test_plan import CAPS  # the one full-featured 2.19 capability set of these tests


def _plan(mode: str, *, candidates: int = 100, windows: str = "adaptive", **kw: Any) -> SearchPlan:
    cfg = parse_config(
        {
            "index": {"name": "docs"},
            "languages": ["en", "de"],
            "fields": {"text": ["title", "body"]},
            "search": {"candidates": candidates, "windows": windows},
        }
    )
    ctx = SearchContext(cfg, CAPS, HashEncoder().info, FusionWeights.from_config({}))
    req = SearchRequest("Nikola Tesla 1856", "en", mode, **kw)
    resolved = resolve(ctx, req)
    vector = [0.5, -0.25, 0.125] if resolved.dense else None
    return build_plan(ctx, req, resolved, qlang="en", vector=vector)


def _sizes(bodies: Any) -> list[int]:
    out = []
    for b in bodies:
        knn = b["query"].get("knn")
        if knn is not None:  # the k-NN clause ranks as deep as the body returns
            assert next(iter(knn.values()))["k"] == b["size"]
        out.append(b["size"])
    return out


def test_narrow_windows_per_signal_share_floor_and_cap() -> None:
    w = narrow_windows("auto", 100, "adaptive")
    assert w == {"lexical": 30, "ngram": 30, "neutral": 30, "dense": 50}
    assert narrow_windows("bm25", 40, "adaptive") == dict.fromkeys(w, FLOOR)
    assert narrow_windows("dense", 1000, "adaptive") == {**dict.fromkeys(w, 300), "dense": 500}
    assert narrow_windows("auto", FLOOR, "adaptive") is None  # nothing to narrow
    assert narrow_windows("auto", 100, "fixed") is None
    for mode in ("rrf", "hybrid", "bool", "sparse"):  # unmeasured tails: full windows
        assert narrow_windows(mode, 100, "adaptive") is None


def test_a_k_deeper_than_every_narrow_list_ranks_wide_in_one_round_trip() -> None:
    assert narrow_windows("bm25", 100, "adaptive", k=30) is not None
    assert narrow_windows("bm25", 100, "adaptive", k=31) is None  # lexical narrow is 30
    assert narrow_windows("auto", 100, "adaptive", k=50) is not None  # k-NN narrow is 50
    assert narrow_windows("auto", 100, "adaptive", k=51) is None
    p = _plan("auto", k=100)  # e.g. an eval at k=100: one request, the full windows
    assert p.wide is None and set(_sizes(p.request.bodies)) == {100}


def test_auto_ranks_narrow_and_keeps_the_full_request_for_deeper_pages() -> None:
    p = _plan("auto")
    assert p.request.names == p.full_request.names == ("lexical", "ngram", "dense", "neutral")
    assert _sizes(p.request.bodies) == [30, 30, 50, 30]
    assert p.wide is not None and _sizes(p.wide.bodies) == [100] * 4
    # everything but the depth is the same request
    strip = [{k: v for k, v in b.items() if k not in ("size", "query")} for b in p.request.bodies]
    assert strip == [
        {k: v for k, v in b.items() if k not in ("size", "query")} for b in p.wide.bodies
    ]


@pytest.mark.parametrize("mode", ["bm25", "dense"])
def test_single_signal_modes_narrow_too(mode: str) -> None:
    p = _plan(mode)
    assert _sizes(p.request.bodies) == [30 if mode == "bm25" else 50]
    assert p.wide is not None and _sizes(p.wide.bodies) == [100]


@pytest.mark.parametrize("mode", ["auto", "bm25", "dense", "rrf", "hybrid", "bool"])
def test_fixed_windows_rank_every_subquery_at_candidates(mode: str) -> None:
    p = _plan(mode, windows="fixed")
    assert p.wide is None and p.full_request is p.request
    assert set(_sizes(p.request.bodies)) == {100}


def test_an_unknown_window_policy_is_refused_at_load() -> None:
    with pytest.raises(Exception, match="windows"):
        _plan("auto", windows="narrow")


def _resp(ids: list[str], lang: str = "en") -> dict[str, Any]:
    hits = [
        {"_id": i, "_score": 100.0 - n, "fields": {"doc_id": [i.split("#")[0]], "lang": [lang]}}
        for n, i in enumerate(ids)
    ]
    return {"hits": {"hits": hits}}


def test_a_page_within_the_narrow_window_sends_nothing_more() -> None:
    p = _plan("bm25", candidates=40, k=5, page=4)  # ranks 16..20, narrow lexical 20
    ranked = p.finish([_resp([f"d{i}" for i in range(20)])])
    assert p.widening(ranked) is None and ranked.ids == ["d15", "d16", "d17", "d18", "d19"]


def test_a_list_shorter_than_its_window_never_widens() -> None:
    p = _plan("bm25", candidates=40, k=5, page=4)
    ranked = p.finish([_resp([f"d{i}" for i in range(12)])])  # all the index holds
    assert not ranked.cut and p.widening(ranked) is None and ranked.page == []


def test_pages_beyond_the_narrow_window_continue_its_order() -> None:
    """Chunks of one document collapse to one rank, so 20 narrow chunks hold 15 documents;
    pages 1-3 come from them, page 4 widens and continues without repeating one."""
    narrow = (
        [f"d{i}" for i in range(10)]
        + [f"d{i}#1" for i in range(5)]
        + [f"d{i}" for i in range(10, 15)]
    )
    wide = [f"d{i}" for i in range(3, 40)]  # a different head: only its new docs count
    pages = []
    for page in (1, 2, 3, 4, 5):
        p = _plan("bm25", candidates=40, k=5, page=page)
        ranked = p.finish([_resp(narrow)])
        assert ranked.cut and ranked.total == 15
        req = p.widening(ranked)
        assert (req is not None) == (page > 3)
        if req is not None:
            assert req is p.wide
            ranked = p.widen(ranked, [_resp(wide)])
            assert ranked.total == 40
        pages.append(ranked.ids)
    flat = [i for page in pages for i in page]
    assert flat == [f"d{i}" for i in range(25)]


def test_auto_widening_merges_candidates_from_both_windows() -> None:
    p = _plan("auto", candidates=40, k=10, page=3)
    narrow = [_resp([f"n{i}" for i in range(20)]) for _ in p.request.names]
    ranked = p.finish(narrow)
    assert ranked.total == 20 and p.widening(ranked) is p.wide
    wide = [_resp([f"n{i}" for i in range(5)] + [f"w{i}" for i in range(35)], "de")]
    wide += [_resp([]) for _ in p.request.names[1:]]
    out = p.widen(ranked, wide)
    assert len(out.ids) == 10 and all(i.startswith("w") for i in out.ids)
    assert {out.candidates[i].lang for i in out.ids} == {"de"}
    assert out.candidates["n0"].lang == "en"  # the narrow window's candidate is kept


def test_the_plan_with_adaptive_windows_is_still_a_frozen_value() -> None:
    a, b = _plan("auto"), _plan("auto")
    assert a == b
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.wide = None  # type: ignore[misc]
