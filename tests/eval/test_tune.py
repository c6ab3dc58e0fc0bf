"""``babelsearch tune``'s pure parts: judgments in, a held-out split by group, weights
learned by re-fusing captured responses, kept only when they hold on held-out queries,
and a weights block that loads back through the config to the same weights."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from babelsearch.config import parse_config
from babelsearch.config_search import DEFAULT_WEIGHTS
from babelsearch.errors import ConfigError
from babelsearch.eval.judgments import (
    Judged,
    load_beir_judgments,
    load_click_log,
    split_by_group,
)
from babelsearch.eval.tune import (
    TUNABLE,
    Captured,
    TuneOptions,
    _grid,
    capture_overrides,
    evaluate,
    ranking,
    tune_weights,
)
from babelsearch.eval.tune_report import tune_markdown, weights_yaml
from babelsearch.query import SearchRequest
from babelsearch.query.plan import SearchContext, build_plan, resolve
from babelsearch.query.weights import FusionWeights
from babelsearch.query.wire import collect
from babelsearch.types import Capabilities
from ingest.hash_encoder import HashEncoder

CFG = parse_config(
    {
        "index": {"name": "docs"},
        "languages": ["en", "de"],
        "fields": {"text": ["body"]},
        "search": {"weights": capture_overrides({})},
    }
)
CAPS = Capabilities(version="2.19.1", plugins=frozenset({"opensearch-knn"}))
INFO = HashEncoder().info


def _hit(doc: str, score: float, lang: str = "de") -> dict[str, Any]:
    return {"_id": f"{doc}#0", "_score": score, "fields": {"doc_id": [doc], "lang": [lang]}}


def _captured(qid: str, dense_knows: bool) -> Captured:
    """A German query whose answer ``R`` dense ranks first and the text signals rank
    below the distractor ``D`` (or the other way round when ``dense_knows`` is False)."""
    ctx = SearchContext(CFG, CAPS, INFO, FusionWeights.from_config(CFG.search.weights))
    req = SearchRequest("Wann wurde Tesla geboren?", "de", "auto", 10)
    plan = build_plan(ctx, req, resolve(ctx, req), qlang="de", vector=[0.1, 0.2, 0.3])
    rel, dis = f"{qid}-R", f"{qid}-D"
    fill = [_hit(f"{qid}-f{i}", 5.0 - i) for i in range(3)]
    good, bad = (rel, dis) if dense_knows else (dis, rel)
    text = [_hit(bad, 10.0), *fill, _hit(good, 1.0)]
    middle = [_hit(f"{qid}-f{i}", 0.5 - i / 10) for i in range(3)]
    lists = {"dense": [_hit(good, 0.95), *middle, _hit(bad, 0.2)]}
    responses = [{"hits": {"hits": lists.get(n, text)}} for n in plan.request.names]
    cands, ranked = collect(plan.request.names, responses, plan.fields)
    judged = Judged(qid, "Wann wurde Tesla geboren?", "de", {rel: 1.0}, qid)
    return Captured(judged, "de", plan.request, cands, ranked)


def test_weights_learned_from_judgments_beat_the_start_on_held_out_queries() -> None:
    train = [_captured(f"t{i}", True) for i in range(12)]
    held = [_captured(f"h{i}", True) for i in range(6)]
    result = tune_weights(train, held, {}, INFO.covers, TuneOptions(min_pair_queries=1000))
    before, after = result.held_out["before"]["mean"], result.held_out["after"]["mean"]
    assert before < 0.6 and after == 1.0, (before, after)
    assert result.kept and result.weights["same.dense"] > DEFAULT_WEIGHTS["same.dense"]
    assert set(result.weights) <= set(TUNABLE)
    report = tune_markdown(result)
    assert "same.dense" in report and "Tuned weights kept" in report


def test_weights_that_do_not_hold_on_held_out_queries_are_not_kept() -> None:
    train = [_captured(f"t{i}", True) for i in range(12)]
    held = [_captured(f"h{i}", False) for i in range(6)]  # there, text was right
    start = {"cross.neutral": 0.2}
    result = tune_weights(train, held, start, INFO.covers, TuneOptions(min_pair_queries=1000))
    assert not result.kept and result.weights == start
    assert result.held_out["after"] == result.held_out["before"]
    assert any("keeping the starting weights" in n for n in result.notes)


def test_the_weights_block_loads_back_to_the_same_weights() -> None:
    train = [_captured(f"t{i}", True) for i in range(8)]
    held = [_captured(f"h{i}", True) for i in range(4)]
    result = tune_weights(train, held, {}, INFO.covers, TuneOptions(min_pair_queries=1000))
    block = yaml.safe_load(weights_yaml(result))
    cfg = parse_config({"index": {"name": "docs"}, "languages": ["en", "de"], **block})
    assert FusionWeights.from_config(cfg.search.weights) == FusionWeights.from_config(
        result.weights
    )
    assert result.weights  # something changed, so the round trip is not vacuous


def test_evaluate_reports_by_language_and_pair() -> None:
    caps = [_captured(f"q{i}", True) for i in range(3)]
    out = evaluate(caps, {}, INFO.covers, metric="mrr")
    assert out["queries"] == 3 and set(out["by_lang"]) == {"de"}
    assert out["by_pair"]["de->de"]["queries"] == 3
    assert out["mean"] == out["by_lang"]["de"]["mean"] == out["by_pair"]["de->de"]["mean"]


def test_the_grid_never_switches_a_default_signal_off() -> None:
    for key in TUNABLE:
        default = DEFAULT_WEIGHTS[key]
        values = _grid(key, default if default > 0 else 0.3)
        assert values and all(v >= 0 for v in values)
        if default > 0:
            assert 0.0 not in values, key
    assert _grid("corroboration", 0.8) == sorted({0.4, 0.6, 1.0})


def test_split_keeps_groups_together_and_is_stable() -> None:
    judged = [Judged(f"{g}-{lang}", "q", lang, {"d": 1}, g) for g in "abcdefghij" for lang in "xy"]
    train, held = split_by_group(judged, 0.3, seed=1)
    assert train and held and len(train) + len(held) == len(judged)
    assert not {j.group for j in train} & {j.group for j in held}
    assert split_by_group(judged, 0.3, seed=1) == (train, held)
    with pytest.raises(ConfigError, match="cannot be split"):
        split_by_group(judged[:2], 0.3)
    with pytest.raises(ConfigError, match="between 0 and 1"):
        split_by_group(judged, 1.5)


def test_beir_judgments(tmp_path: Path) -> None:
    q = tmp_path / "queries.jsonl"
    q.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"_id": "1", "text": "Wer erfand das Telefon?", "lang": "de", "group": "phone"},
                {"_id": "2", "text": "Who invented the telephone?", "group": "phone"},
                {"_id": "3", "text": "unjudged"},
            ]
        ),
        encoding="utf-8",
    )
    r = tmp_path / "qrels.tsv"
    r.write_text("query-id\tcorpus-id\tscore\n1\tbell\t1\n2\tbell\t2\n2\tedison\t0\n", "utf-8")
    judged = load_beir_judgments(q, r)
    assert [(j.id, j.lang, dict(j.relevant), j.group) for j in judged] == [
        ("1", "de", {"bell": 1.0}, "phone"),
        ("2", None, {"bell": 2.0}, "phone"),
    ]
    r.write_text("1\tbell\tmany\n", "utf-8")
    with pytest.raises(ConfigError, match=r"qrels.tsv:1: score 'many' is not a number"):
        load_beir_judgments(q, r)


def test_click_log_merges_clicks_and_refuses_impossible_ones(tmp_path: Path) -> None:
    log = tmp_path / "clicks.jsonl"
    rows = [
        {"query": "QR Code", "lang": "de", "shown": ["a", "b"], "clicked": "b"},
        {"query": "QR Code", "lang": "de", "shown": ["b", "c"], "clicked": ["b", "c"]},
        {"query": "QR Code", "lang": "de", "shown": ["a"], "clicked": None},
        {"query": "telephone", "shown": ["t"], "clicked": "t"},
    ]
    log.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    judged, stats = load_click_log(log)
    assert (stats.rows, stats.queries, stats.without_click) == (4, 2, 1)
    by_text = {j.text: j for j in judged}
    assert dict(by_text["QR Code"].relevant) == {"b": 2.0, "c": 1.0}
    assert by_text["telephone"].lang is None
    log.write_text(json.dumps({"query": "x", "shown": ["a"], "clicked": "z"}), "utf-8")
    with pytest.raises(ConfigError, match=r"clicks.jsonl:1: clicked 'z' is not among the shown"):
        load_click_log(log)


def test_a_pair_gets_weights_of_its_own_only_when_they_add_on_held_out_queries() -> None:
    train = [_captured(f"t{i}", True) for i in range(12)]
    held = [_captured(f"h{i}", True) for i in range(6)]
    result = tune_weights(train, held, {}, INFO.covers, TuneOptions(min_pair_queries=5))
    # the relation weights already rank every answer first: a de-de override adds nothing
    assert result.pairs == [] and not any(k.startswith("de-de.") for k in result.weights)
    assert any(n.startswith("pair de-de: own weights +0.0000") for n in result.notes), result.notes


def test_a_widened_capture_replays_the_continued_order() -> None:
    """When the live search would widen (the narrow window holds fewer than ``k``
    documents), the replay keeps the narrow window's order and continues it with the
    wide window's new documents, as :meth:`SearchPlan.widen` does."""
    narrow = _captured("n", True)
    wide_part = _captured("w", True)
    wide = dataclasses.replace(narrow, cands=wide_part.cands, ranked=wide_part.ranked)
    weights = FusionWeights.from_config(CFG.search.weights)
    alone = ranking(narrow, weights, INFO.covers, 10)
    assert len(alone) == 5
    both = ranking(dataclasses.replace(narrow, wide=wide), weights, INFO.covers, 10)
    assert both[:5] == alone and len(both) == 10 and all(d.startswith("w-") for d in both[5:])
    assert ranking(dataclasses.replace(narrow, wide=wide), weights, INFO.covers, 4) == alone[:4]
