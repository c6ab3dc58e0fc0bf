"""The CLI reads well: every command is listed, documented, has examples, and fails in one line.

Why here and not per command: these are promises the README makes about the CLI as a
whole ("`babelsearch --help` lists the commands; every command's `--help` ends with
examples; errors are one line"), so they are checked for every command at once,
including commands added later.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from babelsearch.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).with_name("babelsearch")


def walk() -> list[tuple[str, click.Command]]:
    """(``"mappings apply"``, command) for every command and sub-command of the group."""
    found: list[tuple[str, click.Command]] = []

    def visit(name: str, cmd: click.Command) -> None:
        found.append((name, cmd))
        if isinstance(cmd, click.Group):
            for sub_name, sub in sorted(cmd.commands.items()):
                visit(f"{name} {sub_name}", sub)

    for name, (module, attr, _help) in COMMANDS.items():
        visit(name, getattr(importlib.import_module(module), attr))
    return found


COMMAND_NAMES = [name for name, _ in walk()]


def test_the_walk_sees_groups_and_leaves() -> None:
    assert {"quickstart", "mappings apply", "node start", "eval xquad-r"} <= set(COMMAND_NAMES)


def test_top_level_help_lists_every_command_on_one_line() -> None:
    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    for name in COMMANDS:
        rows = [ln for ln in lines if ln.strip().startswith(f"{name} ")]
        assert len(rows) == 1, f"`babelsearch --help` should list {name!r} once: {rows}"
        assert len(rows[0].split(None, 1)) == 2, f"{name!r} has no one-line description"


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_help_has_examples(name: str) -> None:
    out = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert out.exit_code == 0, out.output
    assert "Examples:" in out.output, f"`babelsearch {name} --help` has no Examples section"
    section = out.output.split("Examples:", 1)[1]
    assert f"babelsearch {name.split()[0]}" in section, f"{name}: examples do not show the command"


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one error line, got:\n{result.stderr}"
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BABELSEARCH_")}
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env
    )


def test_missing_config_file_is_one_actionable_line() -> None:
    line = _one_line_error(_run("mappings", "render", "--config", "no/such/spec.yaml"))
    assert "no/such/spec.yaml" in line


def test_invalid_config_names_the_bad_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("index:\n  nmae: oops\n", encoding="utf-8")
    line = _one_line_error(_run("mappings", "render", "--config", str(bad)))
    assert "nmae" in line


def test_unreachable_cluster_is_one_actionable_line() -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    result = _run("mappings", "status", "--url", "http://127.0.0.1:9")
    line = _one_line_error(result)
    assert re.search(r"127\.0\.0\.1\D{0,10}\b9\b", line), line  # which cluster
    assert "babelsearch node start" in line or "--url" in line, line  # what to do


def test_quickstart_against_an_unreachable_cluster_fails_fast() -> None:
    result = _run("quickstart", "--url", "http://127.0.0.1:9")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    # Progress notes go to stderr too; the error is the one last line.
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert errors == [result.stderr.strip().splitlines()[-1]]
    assert "cannot reach" in errors[0]


def test_verbose_adds_details_to_an_error() -> None:
    quiet = _run("mappings", "status", "--url", "http://127.0.0.1:9")
    loud = _run("-v", "mappings", "status", "--url", "http://127.0.0.1:9")
    assert loud.returncode == 1
    assert len(loud.stderr.splitlines()) > len(quiet.stderr.splitlines())


def _wrapped_by_handle_errors(func: object) -> bool:
    while func is not None:
        if getattr(func, "handles_errors", False):
            return True
        func = getattr(func, "__wrapped__", None)
    return False


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_turns_errors_into_one_line(name: str) -> None:
    """Library errors -> ``Error: ...`` exit 1, Ctrl-C -> exit 130, for every leaf command."""
    cmd = dict(walk())[name]
    if isinstance(cmd, click.Group):
        return
    assert _wrapped_by_handle_errors(cmd.callback), f"{name}: body not wrapped in handle_errors"


URL_COMMANDS = [
    name
    for name, cmd in walk()
    if not isinstance(cmd, click.Group) and any("--url" in p.opts for p in cmd.params)
]


def test_url_commands_are_found() -> None:
    assert {"doctor", "ingest", "search", "mappings apply", "quickstart"} <= set(URL_COMMANDS)


@pytest.mark.parametrize("name", URL_COMMANDS)
def test_a_malformed_url_is_one_line_for_every_command(name: str, tmp_path: Path) -> None:
    required = {
        "ingest": ["-"],
        "search": ["x"],
        "eval xquad-r": ["--data", str(tmp_path), "--langs", "en", "--out", str(tmp_path / "o")],
        "eval beir": ["--data", str(tmp_path), "--out", str(tmp_path / "o")],
    }
    args = [*name.split(), *required.get(name, []), "--url", "http://admin:pw1@host:notaport"]
    res = CliRunner().invoke(cli, args, env={"BABELSEARCH_URL": None})
    assert res.exit_code == 1, (res.output, res.exception)
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("Error")]
    assert len(lines) == 1 and "not a valid cluster URL" in lines[0], res.stderr
    assert "pw1" not in res.output and "unexpected" not in res.output
