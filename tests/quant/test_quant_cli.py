"""The new ``dense`` options through the CLI (click's CliRunner; no node)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from babelsearch.cli import cli


def _render(tmp_path: Path, dense: str) -> tuple[int, str]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"languages: [en, de]\ndense:\n{dense}", "utf-8")
    res = CliRunner().invoke(
        cli, ["mappings", "render", "--config", str(spec)], env={"BABELSEARCH_URL": ""}
    )
    return res.exit_code, res.output


def test_render_shows_the_derived_dimension_and_data_type(tmp_path: Path) -> None:
    code, out = _render(tmp_path, "  data_type: byte\n  dimensions: 256\n")
    assert code == 0, out
    emb = json.loads(out)["mappings"]["properties"]["embedding"]
    assert (emb["dimension"], emb["data_type"]) == (256, "byte")


def test_a_bad_option_is_one_error_line_naming_it(tmp_path: Path) -> None:
    code, out = _render(tmp_path, "  data_type: int4\n")
    assert code == 1
    assert out.startswith("Error: ") and "dense.data_type: 'int4' is not one of" in out
    assert "Traceback" not in out
    code, out = _render(tmp_path, "  dimensions: 2048\n")
    assert code == 1 and "dense.dimensions: 2048 is more than the encoder's 512" in out
