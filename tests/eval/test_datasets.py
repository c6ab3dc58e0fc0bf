"""Dataset loaders and task splitting on tiny files the tests write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from babelsearch.errors import ConfigError
from babelsearch.eval.datasets import (
    build_tasks,
    default_pairs,
    load_beir,
    load_xquad_r,
    parse_pairs,
)

from .fixtures import write_beir, write_xquad_r


def test_xquad_r_candidates_queries_and_relevance(tmp_path: Path) -> None:
    ds = load_xquad_r(write_xquad_r(tmp_path), ["en", "de"])
    assert len(ds.candidates) == 12 and len(ds.queries) == 12
    ids = [c.id for c in ds.candidates]
    assert ids[:3] == ["en-0-0", "en-0-1", "en-1-0"]
    assert len(set(ids)) == len(ids)
    assert ds.candidates[0].fields == {
        "text": "The violin was built in Cremona by Antonio Stradivari."
    }
    # q1-1's answer is in the second sentence of paragraph 1, in both languages
    assert ds.qrels["de-q1-1"] == {"en-1-1": 1.0, "de-1-1": 1.0}
    assert {q.lang for q in ds.queries} == {"en", "de"}


def test_xquad_r_answer_in_gap_belongs_to_previous_sentence(tmp_path: Path) -> None:
    root = write_xquad_r(tmp_path)
    doc = json.loads((root / "en.json").read_text("utf-8"))
    qa = doc["data"][0]["paragraphs"][0]["qas"][1]
    end_of_first = doc["data"][0]["paragraphs"][0]["sentence_breaks"][0][1]
    qa["answers"][0]["answer_start"] = end_of_first  # the space between the sentences
    (root / "en.json").write_text(json.dumps(doc), "utf-8")
    ds = load_xquad_r(root, ["en"])
    assert ds.qrels["en-q0-1"] == {"en-0-0": 1.0}


def test_xquad_r_limit_keeps_only_needed_paragraphs(tmp_path: Path) -> None:
    ds = load_xquad_r(write_xquad_r(tmp_path), ["en", "de"], limit=3)
    assert len(ds.queries) == 6
    # questions 0-0, 0-1 (paragraph 0) and 1-0 (paragraph 1): two paragraphs per language
    assert sorted({c.id.rsplit("-", 1)[0] for c in ds.candidates}) == [
        "de-0",
        "de-1",
        "en-0",
        "en-1",
    ]


def test_xquad_r_missing_language_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fr\.json"):
        load_xquad_r(write_xquad_r(tmp_path), ["en", "fr"])


def test_tasks_per_setting(tmp_path: Path) -> None:
    ds = load_xquad_r(write_xquad_r(tmp_path), ["en", "de"])
    tasks = build_tasks(ds)
    cells = [(t.setting, t.query_lang, t.doc_lang) for t in tasks]
    assert cells == [
        ("mono", "de", "de"),
        ("mono", "en", "en"),
        ("cross", "en", "de"),
        ("cross", "de", "en"),
        ("pool", "de", "*"),
        ("pool", "en", "*"),
    ]
    cross = tasks[2]
    assert cross.lang_filter == "de"
    assert cross.qrels["en-q2-0"] == {"de-2-0": 1.0}
    pool = tasks[4]
    assert pool.lang_filter is None
    assert pool.qrels["de-q2-0"] == {"en-2-0": 1.0, "de-2-0": 1.0}
    assert all(len(t.queries) == 6 for t in tasks)
    with pytest.raises(ConfigError):
        build_tasks(ds, ["bilingual"])


def test_default_and_parsed_pairs() -> None:
    pairs = default_pairs(["ar", "de", "en", "es", "ru", "zh"])
    assert len(pairs) == 11
    assert ("zh", "ar") in pairs and ("en", "de") in pairs and ("de", "en") in pairs
    assert ("de", "es") not in pairs
    assert default_pairs(["de", "fr"]) == [("de", "fr"), ("fr", "de")]
    assert parse_pairs(["en-de,zh-ar", "de-en"]) == [("en", "de"), ("zh", "ar"), ("de", "en")]
    with pytest.raises(ConfigError):
        parse_pairs(["en"])


@pytest.mark.parametrize("header", [True, False])
def test_beir_loader(tmp_path: Path, header: bool) -> None:
    ds = load_beir(write_beir(tmp_path, header=header))
    assert ds.text_fields == ("title", "text")
    assert len(ds.candidates) == 12 and len(ds.queries) == 12
    assert ds.qrels["Qen11"] == {"en11": 1.0, "de11": 1.0}
    assert next(ds.records()) == {
        "id": "en00",
        "lang": "en",
        "title": "",
        "text": "The violin was built in Cremona by Antonio Stradivari.",
    }
    only_de = load_beir(tmp_path, ["de"])
    assert {c.lang for c in only_de.candidates} == {"de"}
    tasks = build_tasks(only_de)
    assert [(t.setting, t.query_lang, t.doc_lang) for t in tasks] == [
        ("mono", "de", "de"),
        ("pool", "de", "*"),
    ]


def test_beir_rejects_rows_without_language(tmp_path: Path) -> None:
    root = write_beir(tmp_path)
    (root / "queries.jsonl").write_text('{"_id": "q", "text": "hello"}\n', "utf-8")
    with pytest.raises(ConfigError, match=r"queries.jsonl:1: missing 'lang'"):
        load_beir(root)
