"""``babelsearch ingest`` through click's CliRunner: exit codes, stdin, messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.encoders import describe_encoder

from .conftest import create_index, make_config


def _cfg_file(tmp_path: Path, url: str, alias: str) -> Path:
    p = tmp_path / "cfg.yaml"  # JSON is valid YAML
    p.write_bytes(
        orjson.dumps(
            {
                "index": {"name": alias},
                "languages": ["en", "de"],
                "cluster": {"url": url},
                "fields": {"text": ["title", "body"]},
            }
        )
    )
    return p


def test_help_documents_exit_codes() -> None:
    res = CliRunner().invoke(cli, ["ingest", "--help"])
    assert res.exit_code == 0
    for text in (
        "--resume",
        "--report-json",
        "--backfill",
        "--dead-letter",
        "Exit codes",
        "dead-lettered",
        "fatal",
    ):
        assert text in res.output


@pytest.mark.integration
def test_missing_alias_is_exit_1_with_a_hint(ingest_url: str, tmp_path: Path) -> None:
    cfg = _cfg_file(tmp_path, ingest_url, "t-ing-does-not-exist")
    src = tmp_path / "a.jsonl"
    src.write_text('{"id":"a","body":"x"}\n')
    res = CliRunner().invoke(cli, ["ingest", str(src), "--config", str(cfg)])
    assert res.exit_code == 1
    assert "mappings apply" in res.output and "Traceback" not in res.output


@pytest.mark.integration
def test_stdin_with_a_bad_line_exits_2(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg_path = _cfg_file(tmp_path, ingest_url, prefix)
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, describe_encoder(cfg.encoder))
    data = (
        b'{"id":"1","title":"Hallo Welt","body":"Ein kurzer Text.","lang":"de"}\n'
        b'{"id":"2","body":"An English sentence about rivers."}\n'
        b'{"id":"3","body":"broken\n'
        b'{"id":"4","body":"   "}\n'
    )
    dl = tmp_path / "dl.jsonl"
    res = CliRunner().invoke(
        cli, ["ingest", "-", "--config", str(cfg_path), "--dead-letter", str(dl)], input=data
    )
    assert res.exit_code == 2, res.output
    report = orjson.loads(res.stdout[res.stdout.index("{") :])
    assert (report["read"], report["indexed"], report["dead_lettered"], report["skipped"]) == (
        4,
        2,
        1,
        1,
    )
    (entry,) = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    assert entry["position"] == 2 and entry["code"] in ("invalid_json", "truncated_line")
    ingest_client.indices.refresh(index=prefix)
    assert ingest_client.count(index=prefix)["count"] == 2
    again = CliRunner().invoke(
        cli, ["ingest", "-", "--config", str(cfg_path), "--resume"], input=data
    )
    assert again.exit_code == 1 and "--resume needs a file" in again.output
