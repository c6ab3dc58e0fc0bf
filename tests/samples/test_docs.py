"""docs/configuration.md cannot rot: every config key, its type and its default are there.

Why a test and not a generator: the reference is prose written for people (what a key
does and why), which a generator cannot write; but the facts in its tables -- which keys
exist, their types, their defaults -- are derived from ``babelsearch.config`` here and
compared, in both directions, so a key added, renamed or re-defaulted in the code without
updating the docs fails the suite.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest

from babelsearch.config import Config

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
_ROW = re.compile(r"^\|\s*`(?P<key>[a-z_][a-z0-9_.]*)`\s*\|")


def _walk(cls: type, prefix: str = "") -> dict[str, tuple[Any, Any, bool]]:
    """Every key path -> (type hint, default, is_section)."""
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[Any, Any, bool]] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name == "source_path":
            continue
        path = f"{prefix}{f.name}"
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            out[path] = (tp, None, True)
            out.update(_walk(tp, f"{path}."))  # type: ignore[arg-type]
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        else:
            assert f.default_factory is not dataclasses.MISSING
            default = f.default_factory()
        out[path] = (tp, default, False)
    return out


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        parts = [_type_name(a) for a in get_args(tp) if a is not type(None)]
        null = [" | null"] if type(None) in get_args(tp) else []
        return " | ".join(parts) + "".join(null)
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in get_args(tp))
    if origin is tuple:
        return f"list[{_type_name(get_args(tp)[0])}]"
    if origin is dict:
        k, v = get_args(tp)
        return f"map[{_type_name(k)}, {_type_name(v)}]"
    return str(tp.__name__)


def _yaml(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    raise AssertionError(f"no YAML rendering for {value!r}")


def _cells(line: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes; ``\\|`` is a literal pipe."""
    parts = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [p.strip().replace("\\|", "|") for p in parts]


@pytest.fixture(scope="module")
def rows() -> dict[str, list[str]]:
    """Rows of the reference tables (header ``| Key | Type | Default | Meaning |``) only."""
    table: dict[str, list[str]] = {}
    in_reference = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            in_reference = False
            continue
        if _cells(line) == ["Key", "Type", "Default", "Meaning"]:
            in_reference = True
            continue
        m = _ROW.match(line)
        if m and in_reference:
            assert m["key"] not in table, f"{m['key']} is documented twice"
            table[m["key"]] = _cells(line)
    return table


KEYS = _walk(Config)


def test_the_walk_sees_the_whole_config() -> None:
    # A guard on the guard: if the walk silently missed keys, the tests below prove little.
    assert {"cluster.password", "ingest.bulk.max_bytes", "search.weights"} <= set(KEYS)
    assert len([k for k, v in KEYS.items() if not v[2]]) >= 60


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_key_is_documented(key: str, rows: dict[str, list[str]]) -> None:
    assert key in rows, f"docs/configuration.md has no table row for `{key}`"
    tp, default, is_section = KEYS[key]
    _, type_cell, default_cell, meaning = rows[key][:4]
    assert meaning, f"`{key}`: the meaning column is empty"
    if is_section:
        assert type_cell == "mapping", f"`{key}` is a section; its type should read 'mapping'"
        return
    assert type_cell == _type_name(tp), f"`{key}`: documented type {type_cell!r}"
    assert default_cell == f"`{_yaml(default)}`", (
        f"`{key}`: documented default {default_cell} but the code says `{_yaml(default)}`"
    )


def test_no_documented_key_is_stale(rows: dict[str, list[str]]) -> None:
    stale = sorted(set(rows) - set(KEYS))
    assert not stale, f"documented but not in babelsearch.config: {stale}"


def test_example_in_the_docs_is_a_valid_config() -> None:
    """The complete example must load, so copy-paste from the docs works."""
    yaml = pytest.importorskip("yaml")
    from babelsearch.config import parse_config

    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"## A complete example\n\n```yaml\n(.*?)```", text, re.S)
    assert block, "the complete example block is missing"
    data = yaml.safe_load(block[1].replace("${OPENSEARCH_PASSWORD}", "secret"))
    cfg = parse_config(data)
    assert "ja" in cfg.languages and cfg.fields.metadata["topic"] == "keyword"


# -- docs/cli.md ---------------------------------------------------------------------------

CLI_DOC = DOC.parent / "cli.md"


def _cli_commands() -> list[tuple[str, Any]]:
    """(``"node start"``, click command) for every installed command and sub-command.

    Commands whose module does not exist yet are left out: the reference may describe
    them as drafts, but cannot be checked against code that is not there.
    """
    import importlib.util

    import click

    from babelsearch.cli import COMMANDS

    found: list[tuple[str, Any]] = []

    def visit(name: str, cmd: click.Command) -> None:
        found.append((name, cmd))
        if isinstance(cmd, click.Group):
            for sub_name, sub in sorted(cmd.commands.items()):
                visit(f"{name} {sub_name}", sub)

    for name, (module, attr, _help) in COMMANDS.items():
        if importlib.util.find_spec(module) is None:
            continue
        visit(name, getattr(importlib.import_module(module), attr))
    return found


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    m = re.search(rf"^(#+) {re.escape(heading)}\b.*$", text, re.M)
    assert m, f"docs/cli.md has no heading {heading!r}"
    level = len(m[1])
    rest = text[m.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def test_cli_reference_covers_every_command_and_option() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    commands = _cli_commands()
    assert len(commands) >= 5, "the CLI modules could not be imported"
    for name, cmd in commands:
        heading = f"`babelsearch {name}"
        section = _section(text, heading)
        # A group's shared options are documented once, in the group's section.
        parent = _section(text, f"`babelsearch {name.split()[0]}") if " " in name else ""
        for param in cmd.params:
            for opt in (*param.opts, *param.secondary_opts):
                if not opt.startswith("-") or opt in ("-h", "--help"):
                    continue
                documented = f"`{opt}`" in section or f"`{opt}`" in parent
                assert documented, f"docs/cli.md: `babelsearch {name}` does not mention `{opt}`"
