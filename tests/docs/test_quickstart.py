"""``babelsearch quickstart``: the README's first command, end to end on a real node.

The CLI runs through ``CliRunner`` with the real sample corpus, the real Ingestor and the
real Searcher, on a throw-away alias. What it prints must be what happened: the
"correct at rank 1" summary is recomputed here from the sample qrels.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.config import load_config
from babelsearch.ingest import IngestReport
from babelsearch.ingest.actions import build_source
from babelsearch.query import Hit
from babelsearch.quickstart import (
    DemoRow,
    QuickstartResult,
    builtin_config,
    demo_config,
    render_table,
)
from babelsearch.samples import load_sample_corpus, load_sample_queries
from babelsearch.types import Chunk, FieldNames

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "multilingual.yaml"
NAMES = FieldNames(text_fields=("title",))


def test_builtin_spec_equals_the_example_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed wheel (no examples/) must demo exactly the documented spec."""
    monkeypatch.delenv("BABELSEARCH_URL", raising=False)  # load_config honours it
    from_file = dataclasses.replace(load_config(EXAMPLE), source_path=None)
    assert builtin_config() == from_file


def test_demo_config_prefers_the_file_then_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    assert demo_config().source_path == str(Path("examples") / "multilingual.yaml")
    monkeypatch.chdir(tmp_path)
    cfg = demo_config()
    assert cfg.source_path is None and cfg.index.name == "babelsearch-demo"


def _hit(doc_id: str, lang: str, score: float, title: str) -> Hit:
    source = build_source(Chunk(doc_id, 0, lang, {"title": title}), NAMES, (lang,), None)
    return Hit(id=doc_id, chunk_id=doc_id, score=score, lang=lang, source=source)


def test_table_marks_known_answers_and_counts_rank_one() -> None:
    x_en = _hit("x-en", "en", 0.9, "X")
    z_fr = _hit("z-fr", "fr", 0.8, "Z")
    y_ja = _hit("y-ja", "ja", 0.7, "Y")
    rows = [
        DemoRow("q1", "Wer erfand X?", "de", "de", "auto", ("x-en",), [x_en], 1, 3.0),
        DemoRow("q2", "Qui a fait Y ?", "fr", "fr", "auto", ("y-ja",), [z_fr, y_ja], 2, 3.0),
    ]
    report = IngestReport(read=2, indexed=2)
    result = QuickstartResult("http://n:9200", "demo", "x.yaml", report, rows)
    text = render_table(result)
    assert result.correct_at_1 == 1
    assert "1/2 demo queries (de, fr) have a correct answer at rank 1" in text
    assert " * 1  x-en" in text and "   1  z-fr" in text and " * 2  y-ja" in text
    assert 'babelsearch search "Wer erfand X?" --config x.yaml' in text
    assert result.to_dict()["queries"][1]["hits"][1]["relevant"] is True


@pytest.mark.integration
@pytest.mark.slow
def test_quickstart_cli_end_to_end(
    opensearch_url: str, client: Any, unique_name: str, tmp_path: Path
) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["index"]["name"] = alias = f"{unique_name}-demo"
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    # Leftovers of an earlier run -- another version with a stray document behind the
    # alias -- must be gone afterwards: each run starts clean.
    client.indices.create(
        index=f"{alias}-v3",
        body={
            "aliases": {alias: {"is_write_index": True}},
            "mappings": {"properties": {"stray": {"type": "keyword"}}},
        },
    )
    client.index(index=f"{alias}-v3", body={"stray": "x"}, refresh=True)

    args = ["quickstart", "--url", opensearch_url, "--config", str(spec), "--json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)

    corpus = load_sample_corpus()
    demos = {q["qid"]: q for q in load_sample_queries() if q.get("demo")}
    assert out["index"] == alias and out["node_started"] is False
    assert out["ingest"]["indexed"] == len(corpus) and out["ingest"]["dead_lettered"] == 0
    assert set(client.indices.get(index=f"{alias}-v*")) == {f"{alias}-v1"}
    assert client.count(index=alias)["count"] == len(corpus)  # one chunk per sample passage

    assert [q["qid"] for q in out["queries"]] == list(demos)
    correct = 0
    langs = set()
    for q in out["queries"]:
        relevant = set(demos[q["qid"]]["relevant"])
        ids = [h["id"] for h in q["hits"]]
        assert len(ids) == 3 and q["mode"] and q["query_lang"]
        assert [h["relevant"] for h in q["hits"]] == [i in relevant for i in ids]
        correct += bool(ids and ids[0] in relevant)
        langs.add(q["lang"])
        # Cross-lingual: a known answer in a language other than the query's is on screen.
        assert any(h["relevant"] and h["lang"] != q["lang"] for h in q["hits"]), q
    assert out["correct_at_1"] == correct and out["total"] == len(demos)
    assert len(langs) >= 5
    # Every demo query is answered at rank 1 (7/7 with `use`, auto mode): the README's
    # first command must not show a wrong first answer.
    wrong = [(q["qid"], q["hits"][0]["id"]) for q in out["queries"] if not q["hits"][0]["relevant"]]
    assert wrong == [] and correct == len(demos)


@pytest.mark.integration
def test_ensure_node_reuses_whatever_answers_on_the_port(opensearch_url: str) -> None:
    from urllib.parse import urlsplit

    from babelsearch.quickstart import ensure_node

    parts = urlsplit(opensearch_url)
    assert parts.port is not None
    if parts.hostname == "127.0.0.1" and parts.scheme == "http":
        assert ensure_node(parts.port) == (f"http://127.0.0.1:{parts.port}", None)
    assert ensure_node(9, url=opensearch_url + "/") == (opensearch_url, None)
