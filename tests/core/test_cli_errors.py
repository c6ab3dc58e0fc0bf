"""The CLI's integrity at its edges: bad arguments, Ctrl-C, malformed URLs, TLS refusals.

Each of these once did something quietly wrong (``--k 0`` became 10), or showed
"unexpected ValueError/FileNotFoundError" where a person needs one actionable line.
CLI behaviour goes through ``CliRunner``; anything involving a cluster uses the
real node (``opensearch_url``). The one monkeypatch here stands in for a library
call that is interrupted by Ctrl-C -- it is not an OpenSearch mock.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from babelsearch.cli import cli
from babelsearch.config import parse_config
from babelsearch.errors import QueryError
from babelsearch.query import Searcher

BIN = Path(sys.executable).with_name("babelsearch")
SECRET = "hunter2-s3cret"


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def _one_line_error(res: Result, code: int = 1) -> str:
    assert res.exit_code == code, (res.exit_code, res.output, res.exception)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in res.output and "unexpected" not in res.output, res.output
    return lines[0]


def _cfg_file(tmp_path: Path, url: str, alias: str) -> Path:
    p = tmp_path / "cfg.yaml"  # JSON is YAML
    p.write_text(json.dumps({"index": {"name": alias}, "cluster": {"url": url}, "sparse": False}))
    return p


# -- 1. --k is validated by the library, not replaced -----------------------------------
@pytest.mark.integration
@pytest.mark.parametrize("k", [0, -3])
def test_search_k_out_of_range_is_the_library_error(
    k: int, opensearch_url: str, unique_name: str, tmp_path: Path
) -> None:
    cfg = _cfg_file(tmp_path, opensearch_url, unique_name)
    with pytest.raises(QueryError) as api:
        Searcher(
            parse_config({"index": {"name": unique_name}, "cluster": {"url": opensearch_url}})
        ).search("river", mode="bm25", k=k)
    line = _one_line_error(
        _invoke("search", "river", "--config", str(cfg), "--mode", "bm25", "--k", str(k))
    )
    assert line == f"Error: {api.value}"  # the same words as the Python API


# -- 2. Ctrl-C is exit 130 and one line --------------------------------------------------
def _interrupt(*_a: Any, **_k: Any) -> Any:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("target", "args"),
    [
        ("babelsearch.lang.get_detector", ["detect", "hello world"]),
        ("babelsearch.doctor.diagnose", ["doctor", "--url", "http://127.0.0.1:9"]),
        ("babelsearch.query.Searcher.search", ["search", "x", "--url", "http://127.0.0.1:9"]),
        ("babelsearch.ingest.Ingestor.run", ["ingest", "-", "--url", "http://127.0.0.1:9"]),
    ],
    ids=["detect", "doctor", "search", "ingest"],
)
def test_ctrl_c_in_a_command_is_exit_130_and_one_line(
    target: str, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(target, _interrupt)
    res = _invoke(*args)
    assert _one_line_error(res, code=130) == "Error: interrupted"


def _default_sigint() -> None:
    """The child gets SIGINT's default action: a suite started in the background by a
    non-interactive shell inherits SIGINT *ignored*, and so would the child (Python then
    installs no KeyboardInterrupt handler), which would test the shell, not the CLI."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.integration
def test_sigint_to_a_real_ingest_from_a_slow_pipe_exits_130(
    opensearch_url: str, unique_name: str, client: Any, tmp_path: Path
) -> None:
    cfg = _cfg_file(tmp_path, opensearch_url, unique_name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BABELSEARCH_")}
    proc = subprocess.Popen(
        [str(BIN), "ingest", "-", "--config", str(cfg), "--create", "--no-progress"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_default_sigint,
    )
    assert proc.stdin is not None
    try:
        deadline = time.monotonic() + 120
        i = 0
        # feed slowly until the run is demonstrably under way (it created the alias)
        while not client.indices.exists_alias(name=unique_name):
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            proc.stdin.write(json.dumps({"id": f"d{i}", "body": f"river {i}"}).encode() + b"\n")
            proc.stdin.flush()
            i += 1
            time.sleep(0.3)
        time.sleep(1.0)  # blocked reading the pipe, which stays open
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    proc.stdin.close()
    assert rc == 130, (rc, stderr[-3000:])
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stderr.strip().splitlines()[-1] == "Error: interrupted", stderr[-3000:]


# -- 3. malformed URLs are a ConfigError naming the problem ------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://host:notaport",
        f"http://admin:{SECRET}@host:notaport",
        "http://127.0.0.1:99999",
        "127.0.0.1:9200",
        "http://[::1",
        "",
    ],
)
@pytest.mark.parametrize("command", [["doctor"], ["mappings", "status"], ["search", "x"]])
def test_malformed_url_option_is_one_clear_line(url: str, command: list[str]) -> None:
    line = _one_line_error(_invoke(*command, "--url", url))
    assert line.startswith("Error: --url: ") and "not a valid cluster URL" in line, line
    assert SECRET not in line


def test_malformed_url_in_env_or_config_names_its_source(tmp_path: Path) -> None:
    line = _one_line_error(_invoke("doctor", env={"BABELSEARCH_URL": "http://h:port"}))
    assert line.startswith("Error: BABELSEARCH_URL: ") and "port" in line, line
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"cluster:\n  url: https://u:{SECRET}@h:x9200\n")
    line = _one_line_error(_invoke("doctor", "--config", str(cfg), env={"BABELSEARCH_URL": ""}))
    assert line.startswith("Error: cluster.url: ") and SECRET not in line, line


@pytest.mark.integration
def test_explicit_url_wins_over_env_and_file(opensearch_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("cluster:\n  url: http://127.0.0.1:9\n")
    bad_env = {"BABELSEARCH_URL": "http://127.0.0.1:9"}
    res = _invoke("doctor", "--config", str(cfg), "--url", opensearch_url, "--json", env=bad_env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["url"] == opensearch_url
    good_env = {"BABELSEARCH_URL": opensearch_url}
    res = _invoke("doctor", "--config", str(cfg), "--json", env=good_env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["url"] == opensearch_url


# -- 4. a missing input file -------------------------------------------------------------
def test_ingest_of_a_missing_path_says_input_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.jsonl"
    line = _one_line_error(_invoke("ingest", str(missing), "--url", "http://127.0.0.1:9"))
    assert line == f"Error: input not found: {missing}"


# -- 5. TLS refusals name the https URL and say what to set ------------------------------
@pytest.mark.integration
@pytest.mark.parametrize("command", [["doctor"], ["mappings", "status"], ["ingest", "-"]])
def test_https_against_the_plain_node_names_the_url_and_a_fix(
    command: list[str], opensearch_url: str
) -> None:
    host = opensearch_url.split("://", 1)[1]
    res = CliRunner().invoke(
        cli, [*command, "--url", f"https://admin:{SECRET}@{host}"], input='{"id": "a"}\n'
    )
    line = _one_line_error(res)
    assert f"https://{host}" in line and SECRET not in line, line
    assert "TLS" in line and "http://" in line, line
    assert "ca_certs" in line and "verify_certs" in line, line
