"""A bad config file is one clear error, before any cluster is contacted (no node).

Through the real CLI (``babelsearch mappings render``), where a user meets it: exit
code 1 and one ``Error:`` line that names the offending key or value. The config points
at a closed port, so nothing here could pass by talking to a cluster.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli

from .conftest import config_data


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    return result


def _yaml(**over: Any) -> dict[str, Any]:
    data = config_data("http://127.0.0.1:1", "t-cfg-never-created")
    for dotted, value in over.items():
        node = data
        *parents, leaf = dotted.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return data


CONFIG_CASES: list[tuple[str, Any, str]] = [
    ("unknown_top_key", {**_yaml(), "fileds": {"id": "id"}}, "fileds"),
    ("unknown_nested_key", _yaml(ingest__bulk={"max_byts": 5}), "max_byts"),
    ("bad_metadata_type", _yaml(fields__metadata={"n": "integr"}), "integr"),
    ("language_name_not_code", _yaml(languages=["english"]), "english"),
    ("unknown_encoder_kind", _yaml(encoder={"kind": "gpt-9"}), "gpt-9"),
    ("wrong_value_type", _yaml(index__shards="many"), "index.shards"),
    ("reserved_field_name", _yaml(fields__metadata={"_id": "keyword"}), "_id"),
    ("dotted_field_name", _yaml(fields__text=["a.b"]), "a.b"),
    ("index_name_uppercase", _yaml(index__name="BadName"), "BadName"),
    ("index_name_wildcard", _yaml(index__name="logs*"), "logs*"),
    ("index_name_comma", _yaml(index__name="a,b"), "a,b"),
    ("index_name_leading_underscore", _yaml(index__name="_x"), "_x"),
    ("index_name_dotdot", _yaml(index__name=".."), ".."),
    ("index_name_too_long", _yaml(index__name="a" * 260), "index.name"),
    ("index_name_space", _yaml(index__name="a b"), "a b"),
    ("top_level_list", ["index", "name"], "mapping"),
    ("yaml_syntax_error", "index: {name: [unclosed\n", "invalid YAML"),
]


@pytest.mark.parametrize(
    ("body", "needle"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_config_is_one_clear_error(body: Any, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    result = _cli("mappings", "render", "--config", str(path))
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error:") and needle in last, result.output
