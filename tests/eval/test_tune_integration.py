"""``babelsearch tune`` against a real node: re-fusing the captured responses replays
the live ``auto`` search exactly, and the CLI turns BEIR judgments or a click log into
a weights block that the config loads, with a held-out report."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.config import Config, load_config, parse_config
from babelsearch.eval.judgments import Judged
from babelsearch.eval.tune import capture, ranking
from babelsearch.eval.tune_run import with_capture_weights
from babelsearch.query import Searcher
from babelsearch.query.weights import FusionWeights
from query.corpus import TOPICS
from query.corpus_index import corpus_index

pytestmark = pytest.mark.integration

SPEC: dict[str, Any] = {
    "languages": ["en", "de", "fr", "es", "ru"],
    "fields": {"text": ["title", "body"], "metadata": {"tenant": "keyword", "year": "integer"}},
    "search": {"candidates": 30},
}


@pytest.fixture(scope="module")
def cfg(request: pytest.FixtureRequest) -> Iterator[Config]:
    from babelsearch.cluster import connect
    from babelsearch.encoders import get_encoder

    env = os.environ.get("BABELSEARCH_URL")
    url = env if env else str(request.getfixturevalue("opensearch_url"))
    cfg = parse_config(
        {**SPEC, "index": {"name": f"t-tune-{uuid.uuid4().hex[:8]}"}, "cluster": {"url": url}}
    )
    client = connect(cfg.cluster)
    try:
        with corpus_index(cfg, client, get_encoder(cfg.encoder)):
            yield cfg
    finally:
        client.close()


def _judged() -> list[Judged]:
    """Each topic's title in each language asks for the topic's documents in every
    language (translations share a group, so they are held out together)."""
    out = []
    for topic, langs in TOPICS.items():
        relevant = {f"{topic}-{lang}": 1.0 for lang in langs}
        for lang, (title, _body) in langs.items():
            out.append(Judged(f"{topic}-{lang}", title, lang, relevant, topic))
    return out


def test_re_fusing_the_capture_replays_the_live_search(cfg: Config) -> None:
    judged = _judged()
    with Searcher(with_capture_weights(cfg)) as cap:
        captured = capture(cap, judged, k=10, concurrency=2)
        covers = cap.info.covers
    weights = FusionWeights.from_config(cfg.search.weights)
    with Searcher(cfg) as live:
        for c in captured:
            res = live.search(c.judged.text, lang=c.judged.lang, k=10, highlight=False)
            assert ranking(c, weights, covers, 10) == [h.id for h in res.hits], c.judged.id


def _write_config(cfg: Config, tmp_path: Path) -> Path:
    path = tmp_path / "search.yaml"
    spec = {**SPEC, "index": {"name": cfg.index.name}, "cluster": {"url": cfg.cluster.url}}
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_cli_tunes_on_beir_judgments_and_the_block_loads(cfg: Config, tmp_path: Path) -> None:
    judged = _judged()
    queries, qrels = tmp_path / "queries.jsonl", tmp_path / "qrels.tsv"
    queries.write_text(
        "\n".join(
            json.dumps({"_id": j.id, "text": j.text, "lang": j.lang, "group": j.group})
            for j in judged
        ),
        encoding="utf-8",
    )
    qrels.write_text(
        "".join(f"{j.id}\t{d}\t1\n" for j in judged for d in j.relevant), encoding="utf-8"
    )
    conf = _write_config(cfg, tmp_path)
    out, rep = tmp_path / "weights.yaml", tmp_path / "tune.json"
    args = ["tune", "--config", str(conf), "--queries", str(queries), "--qrels", str(qrels)]
    res = CliRunner().invoke(cli, [*args, "--out", str(out), "--report-json", str(rep)])
    assert res.exit_code == 0, res.output
    assert "| held-out | queries | before | after | change |" in res.output
    result = json.loads(rep.read_text("utf-8"))
    held = result["held_out"]
    assert held["before"]["queries"] > 0 and held["after"]["mean"] >= held["before"]["mean"]
    assert held["before"]["queries"] + result["train"]["before"]["queries"] == len(judged)
    merged = yaml.safe_load(conf.read_text("utf-8"))
    merged["search"] = {**merged["search"], **yaml.safe_load(out.read_text("utf-8"))["search"]}
    conf.write_text(yaml.safe_dump(merged), encoding="utf-8")
    assert load_config(conf).search.weights == result["weights"]


def test_cli_tunes_on_a_click_log(cfg: Config, tmp_path: Path) -> None:
    rows = []
    for j in _judged():
        shown = sorted(j.relevant)[:3]
        rows.append({"query": j.text, "lang": j.lang, "shown": shown, "clicked": shown[0]})
        rows.append({"query": j.text, "lang": j.lang, "shown": shown, "clicked": None})
    log = tmp_path / "clicks.jsonl"
    log.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    conf = _write_config(cfg, tmp_path)
    out = tmp_path / "weights.yaml"
    res = CliRunner().invoke(cli, ["tune", "--config", str(conf), "--clicks", str(log),
                                   "--out", str(out), "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert f"{len(rows)} click-log rows" in res.output
    data = json.loads(res.stdout)  # progress goes to stderr, the result to stdout
    assert data["held_out"]["after"]["mean"] >= data["held_out"]["before"]["mean"]
    assert isinstance(yaml.safe_load(out.read_text("utf-8"))["search"]["weights"], dict)


def test_cli_refuses_both_inputs_or_none(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["tune", "--clicks", "a.jsonl", "--qrels", "b.tsv"])
    assert res.exit_code != 0 and "either --clicks, or --queries and --qrels" in res.output
    res = CliRunner().invoke(cli, ["tune"])
    assert res.exit_code != 0 and "either --clicks" in res.output
