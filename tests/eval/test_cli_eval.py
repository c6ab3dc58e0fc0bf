"""``babelsearch eval`` argument handling that needs no cluster."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from babelsearch.cli import cli

from .fixtures import write_xquad_r


def test_cli_eval_reports_bad_input_as_one_line(tmp_path: Path) -> None:
    data = write_xquad_r(tmp_path / "xq")
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "xquad-r",
            "--data",
            str(data),
            "--langs",
            "en",
            "fr",
            "--out",
            str(tmp_path / "r.json"),
            "--url",
            "http://127.0.0.1:1",
        ],
    )
    assert res.exit_code == 1
    assert "Error: data:" in res.output and "fr.json" in res.output


def test_cli_eval_xquad_r_needs_langs(tmp_path: Path) -> None:
    data = write_xquad_r(tmp_path / "xq")
    res = CliRunner().invoke(
        cli, ["eval", "xquad-r", "--data", str(data), "--out", str(tmp_path / "r.json")]
    )
    assert res.exit_code == 1
    assert "Error: --langs" in res.output


def test_cli_eval_rejects_unknown_setting_before_touching_the_cluster(tmp_path: Path) -> None:
    data = write_xquad_r(tmp_path / "xq")
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "xquad-r",
            "--data",
            str(data),
            "--langs",
            "en",
            "de",
            "--settings",
            "mono",
            "bilingual",
            "--out",
            str(tmp_path / "r.json"),
            "--url",
            "http://127.0.0.1:1",
        ],
    )
    assert res.exit_code == 1
    assert "Error: settings: unknown ['bilingual']" in res.output
