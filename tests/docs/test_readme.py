"""The README cannot rot: its runnable blocks run, its links resolve, every command is in it.

Why: a newcomer's first ten minutes are spent in the README. Blocks fenced as
```` ```bash runnable ```` are executed here against the test node (cheap commands
only); the opening block must stay exactly the two documented commands; every CLI
command and sub-command must be named in the README or in docs/cli.md; and every
relative link must point at a file that exists.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli_help import COMMAND_NAMES

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CLI_DOC = ROOT / "docs" / "cli.md"
_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.M | re.S)


def blocks(text: str) -> list[tuple[str, str]]:
    """(info string, body) of every fenced block."""
    return [(m[1].strip(), m[2]) for m in _FENCE.finditer(text)]


def runnable_blocks() -> list[str]:
    return [
        body
        for info, body in blocks(README.read_text(encoding="utf-8"))
        if info.split()[:2] == ["bash", "runnable"]
    ]


def test_blocks_are_found() -> None:
    # A guard on the guard: a broken fence regex would make the tests below vacuous.
    assert len(blocks(README.read_text(encoding="utf-8"))) >= 8
    assert runnable_blocks()


def test_the_first_block_is_exactly_the_two_commands() -> None:
    _info, body = blocks(README.read_text(encoding="utf-8"))[0]
    commands = [ln.split("#", 1)[0].strip() for ln in body.splitlines() if ln.strip()]
    assert commands == ["bash scripts/quickstart.sh", "bash scripts/test.sh"]
    for line in body.splitlines():
        assert "#" in line and line.split("#", 1)[1].strip(), "each command needs its one line"
    for script in ("quickstart.sh", "test.sh"):
        assert (ROOT / "scripts" / script).is_file()


def test_the_quickstart_script_runs_the_quickstart_command() -> None:
    text = (ROOT / "scripts" / "quickstart.sh").read_text(encoding="utf-8")
    assert "bootstrap.sh" in text and "babelsearch quickstart" in text


@pytest.mark.integration
@pytest.mark.parametrize("n", range(len(runnable_blocks())))
def test_runnable_block_runs(n: int, opensearch_url: str) -> None:
    body = runnable_blocks()[n]
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["BABELSEARCH_URL"] = opensearch_url
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", body],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"README block failed:\n{body}\n{result.stderr[-2000:]}"
    assert result.stdout.strip(), f"README block printed nothing:\n{body}"


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_is_documented(name: str) -> None:
    docs = README.read_text(encoding="utf-8") + CLI_DOC.read_text(encoding="utf-8")
    assert f"babelsearch {name}" in docs, f"`babelsearch {name}` is in neither README nor cli.md"


def test_every_top_level_command_is_in_the_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("## CLI reference", 1)[1].split("\n## ", 1)[0]
    for name in {n.split()[0] for n in COMMAND_NAMES}:
        assert f"| `babelsearch {name}" in table, f"README CLI table lacks {name!r}"


_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", ["README.md", "docs/cli.md", "docs/configuration.md"])
def test_relative_links_resolve(doc: str) -> None:
    path = ROOT / doc
    for target in _LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file_part = target.split("#", 1)[0]
        assert (path.parent / file_part).exists(), f"{doc}: broken link {target}"


def test_numbers_are_placeholders_or_measured() -> None:
    """Evaluation and performance quote measured numbers, filled in from benchmark output."""
    text = README.read_text(encoding="utf-8")
    for section in ("Evaluation", "Performance"):
        body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
        marker = f"<!-- numbers: {'quality' if section == 'Evaluation' else 'performance'} -->"
        assert marker in body or re.search(r"\d", body), f"{section}: no numbers or marker"


@pytest.mark.integration
def test_python_snippets_run(
    opensearch_url: str, unique_name: str, tmp_path: Path, client: object
) -> None:
    """Every ```python block, in order, against the test node on a throw-away alias.

    The snippets name ``examples/multilingual.yaml`` and ``docs.jsonl``; both are provided
    in a scratch directory (the spec with a unique alias and the test node's URL, the
    documents a slice of the sample corpus), so the code runs exactly as printed.
    """
    import json

    import yaml

    from babelsearch.samples import load_sample_corpus

    data = yaml.safe_load((ROOT / "examples" / "multilingual.yaml").read_text(encoding="utf-8"))
    data["index"]["name"] = f"{unique_name}-readme"
    data["cluster"] = {"url": opensearch_url}
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "multilingual.yaml").write_text(yaml.safe_dump(data))
    docs = [r for r in load_sample_corpus() if r["id"].startswith(("fact-011", "fact-016"))]
    (tmp_path / "docs.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in docs), encoding="utf-8"
    )
    snippets = [b for i, b in blocks(README.read_text(encoding="utf-8")) if i == "python"]
    assert len(snippets) >= 2
    for body in snippets:
        result = subprocess.run(
            [sys.executable, "-c", body],
            cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if not k.startswith("BABELSEARCH_")},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"README snippet failed:\n{body}\n{result.stderr[-2000:]}"
        assert result.stdout.strip()
    assert "fact-011" in result.stdout  # the async snippet's QR query finds the QR passages
