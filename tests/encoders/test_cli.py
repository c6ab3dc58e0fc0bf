"""``babelsearch encode`` and ``babelsearch detect`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_encode_json_use() -> None:
    code, out = _run("encode", "--json", "--top", "4", "Wer hat das Telefon erfunden?", "hi")
    assert code == 0, out
    rows = json.loads(out)
    assert [r["text"] for r in rows] == ["Wer hat das Telefon erfunden?", "hi"]
    for r in rows:
        assert r["dimension"] == 512 and r["encoder"] == "use" and r["side"] == "document"
        assert abs(r["norm"] - 1.0) < 1e-4 and len(r["first"]) == 4
        assert "sparse_top" not in r
    assert rows[0]["first"] != rows[1]["first"]


@pytest.mark.extras
def test_encode_text_with_sparse_tiny_bge(tiny_bge_dir: Path) -> None:
    code, out = _run(
        "encode", "--kind", "bge-m3", "--model", str(tiny_bge_dir), "--query", "Das Telefon"
    )
    assert code == 0, out
    assert "bge-m3" in out and "query: dimension 32" in out and "sparse (" in out


def test_encode_errors_are_one_line() -> None:
    code, out = _run("encode", "--kind", "sentence-transformers", "hello")
    assert code == 1
    assert out.startswith("Error: encoder.model") and "Traceback" not in out
    code, out = _run("encode", "--kind", "nope", "hello")
    assert code == 1 and "unknown encoder" in out


def test_encode_reads_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("encoder:\n  kind: use\n  languages: [en, de]\n", encoding="utf-8")
    code, out = _run("encode", "--config", str(cfg), "--json", "hello")
    assert code == 0, out
    assert json.loads(out)[0]["dimension"] == 512


def test_detect_json() -> None:
    code, out = _run("detect", "--json", "Wer hat das Telefon erfunden?", "谁发明了电话？", "🙂")
    assert code == 0, out
    rows = json.loads(out)
    assert [r["lang"] for r in rows[:2]] == ["de", "zh"]
    assert rows[2]["confidence"] == 0 and rows[2]["resolved"] == "en"


@pytest.mark.slow  # lingua's first load
def test_detect_text_and_detector_override() -> None:
    code, out = _run("detect", "--detector", "lingua", "¿Quién inventó el teléfono?")
    assert code == 0, out
    assert out.startswith("es\tes (") and "lingua" in out


def test_detect_unknown_detector_is_one_line() -> None:
    code, out = _run("detect", "--detector", "nope", "hello")
    assert code == 1 and "unknown detector" in out


def test_help_has_examples() -> None:
    for cmd in ("encode", "detect"):
        code, out = _run(cmd, "--help")
        assert code == 0 and "Examples:" in out and f"babelsearch {cmd}" in out
