"""``babelsearch mappings ...`` through click's CliRunner (the real node for all but render)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.config import load_config
from babelsearch.encoders import describe_encoder
from babelsearch.schema import build_index_body

from .helpers import ALL_PLUGINS, EXAMPLE, indexed_source

UNIT = [1.0] + [0.0] * 511


def _spec(tmp_path: Path, alias: str, name: str = "spec.yaml", **replace: str) -> Path:
    """A copy of the reference spec under another alias, with text replacements."""
    text = EXAMPLE.read_text(encoding="utf-8").replace("name: babelsearch-demo", f"name: {alias}")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str, url: str | None = None) -> Any:
    env = {"BABELSEARCH_URL": url} if url else {}
    return CliRunner().invoke(cli, ["mappings", *args], env=env, catch_exceptions=False)


def test_help_lists_commands_with_examples() -> None:
    res = _run("--help")
    assert res.exit_code == 0
    for sub in ("render", "plan", "apply", "migrate", "status", "prune", "rollback"):
        assert sub in res.output
        sub_help = _run(sub, "--help")
        assert sub_help.exit_code == 0 and "Examples:" in sub_help.output
        assert "--config" in sub_help.output and "BABELSEARCH_URL" in sub_help.output


def test_render_is_offline_and_matches_the_library() -> None:
    cfg = load_config(EXAMPLE)
    res = _run("render", "--config", str(EXAMPLE), url="http://127.0.0.1:1")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == build_index_body(cfg, describe_encoder(cfg.encoder))
    plug = _run(
        "render", "--config", str(EXAMPLE), *[f"--plugin={p}" for p in ALL_PLUGINS.analysis_plugins]
    )
    body = json.loads(plug.output)
    assert body["mappings"]["properties"]["title"]["properties"]["ja"]["analyzer"] == "kuromoji"


def test_render_reports_config_errors_in_one_line(tmp_path: Path) -> None:
    bad = _spec(tmp_path, "x", **{"  vi: standard   # OpenSearch ships no Vietnamese analyzer": ""})
    res = _run("render", "--config", str(bad))
    assert res.exit_code == 1
    assert res.output.startswith("Error: language 'vi' has no built-in OpenSearch analyzer")


@pytest.mark.integration
def test_the_issue_script_end_to_end(
    client: Any, unique_name: str, opensearch_url: str, tmp_path: Path
) -> None:
    """apply the reference spec, index, change an analyzer: plan/apply/migrate/status."""
    spec = _spec(tmp_path, unique_name)
    res = _run("apply", "--config", str(spec), url=opensearch_url)
    assert res.exit_code == 0, res.output
    assert f"created: {unique_name}-v1" in res.output
    lines: list[dict[str, Any]] = []
    for i in range(25):
        lines.append({"index": {"_id": f"doc{i}"}})
        lines.append(
            indexed_source(
                f"doc{i}", "pl", {"title": f"Tytuł {i}"}, languages=("pl",), embedding=UNIT
            )
        )
    assert not client.bulk(body=lines, index=unique_name, refresh=True, require_alias=True)[
        "errors"
    ]

    changed = _spec(
        tmp_path,
        unique_name,
        "changed.yaml",
        **{"  pl: standard": "  pl: neutral"},
    )
    res = _run("plan", "--config", str(changed), "--detailed-exitcode", url=opensearch_url)
    assert res.exit_code == 2
    assert "cannot be updated in place" in res.output
    assert "title.pl changes analyzer from standard to babelsearch_neutral" in res.output
    res = _run("plan", "--config", str(changed), "--json", url=opensearch_url)
    assert json.loads(res.output)["kind"] == "needs_new_index"

    res = _run("apply", "--config", str(changed), url=opensearch_url)
    assert res.exit_code == 1
    assert "Error:" in res.output and "run `babelsearch mappings migrate`" in res.output
    assert "title.pl changes analyzer" in res.output

    res = _run("migrate", "--config", str(changed), "--json", url=opensearch_url)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["source_docs"] == out["target_docs"] == 25
    assert out["target"] == f"{unique_name}-v2"

    res = _run("status", "--config", str(changed), "--json", url=opensearch_url)
    st = json.loads(res.output)
    assert st["alias"] == unique_name
    assert [(i["name"], i["docs"]) for i in st["indices"]] == [
        (f"{unique_name}-v1", 25),
        (f"{unique_name}-v2", 25),
    ]
    assert st["write_index"] == f"{unique_name}-v2" and st["fingerprint"]["dimension"] == 512
    res = _run("status", "--config", str(changed), url=opensearch_url)
    assert f"{unique_name} -> {unique_name}-v2" in res.output
    res = _run("plan", "--config", str(changed), "--detailed-exitcode", url=opensearch_url)
    assert res.exit_code == 0 and "nothing to do" in res.output
