"""``babelsearch node start|status|logs|stop`` on a real node of its own.

Proves what the issue promises: a start prints the URL of a healthy node with both
plugins, a second start uses the cache (no ``mvn`` on PATH), ``start`` again finds
the running node, ``stop`` leaves no JVM of that node behind, and missing tools
give an error that names what to install.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.cluster import connect
from babelsearch.config import ClusterConfig
from babelsearch.errors import NodeError
from babelsearch.node import LocalNode, default_home
from babelsearch.node import maven as node_maven

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _jvms_with(conf_fragment: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "org.opensearch.bootstrap.OpenSearch" in cmd and conf_fragment in cmd:
                pids.append(int(entry.name))
    return pids


def _java_only_path(tmp_path: Path) -> str:
    """A PATH with java and nothing else (no mvn), to prove a cached start needs no Maven."""
    java = node_maven.find_java(17)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(os.path.realpath(java))
    return str(bin_dir)


def test_cli_lifecycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opensearch_url: str
) -> None:
    # The session node (or CI's) has assembled the home already; make sure of it.
    LocalNode().assemble()
    port = _free_port()
    data = tmp_path / "data"
    runner = CliRunner()
    common = ["--port", str(port)]
    monkeypatch.setenv("PATH", _java_only_path(tmp_path))

    res = runner.invoke(cli, ["node", "start", *common, "--heap", "512m", "--data-dir", str(data)])
    assert res.exit_code == 0, res.output
    url = f"http://127.0.0.1:{port}"
    assert url in res.output
    try:
        client = connect(ClusterConfig(url=url))
        plugins = {row["component"] for row in client.cat.plugins(format="json")}
        assert {"opensearch-knn", "opensearch-neural-search"} <= plugins
        assert client.cluster.health()["status"] in ("green", "yellow")

        res = runner.invoke(cli, ["node", "status", *common, "--json"])
        assert res.exit_code == 0, res.output
        status = json.loads(res.output)
        assert status["running"] and status["url"] == url and status["version"] == "2.19.1"
        pid = status["pid"]
        assert _jvms_with(str(data)) == [pid]

        res = runner.invoke(cli, ["node", "start", *common])
        assert res.exit_code == 0 and "already running" in res.output
        assert _jvms_with(str(data)) == [pid]

        res = runner.invoke(cli, ["node", "logs", *common, "-n", "200"])
        assert res.exit_code == 0 and "started" in res.output
    finally:
        res = runner.invoke(cli, ["node", "stop", *common])
    assert res.exit_code == 0 and "stopped" in res.output
    assert _jvms_with(str(data)) == []
    res = runner.invoke(cli, ["node", "status", *common])
    assert res.output.startswith("not running")
    res = runner.invoke(cli, ["node", "stop", *common])
    assert "no node of ours" in res.output


def test_start_on_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        res = CliRunner().invoke(
            cli, ["node", "start", "--port", str(port), "--data-dir", str(tmp_path)]
        )
    assert res.exit_code == 1
    assert f"port {port} is already in use" in res.output
    assert _jvms_with(str(tmp_path)) == []


def test_missing_java_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    monkeypatch.setattr(node_maven, "JVM_ROOT", tmp_path / "no-jvms")
    with pytest.raises(NodeError, match="apt-get install openjdk-17-jdk-headless maven"):
        LocalNode(home=tmp_path / "home").start()


def test_missing_maven_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", _java_only_path(tmp_path))
    with pytest.raises(NodeError, match="apt-get install openjdk-17-jdk-headless maven"):
        LocalNode(home=tmp_path / "empty-home").assemble()
    assert not (tmp_path / "empty-home" / "lib").exists()


def test_3x_without_jdk21_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java17 = [j for j in ("/usr/lib/jvm/java-17-openjdk-amd64/bin/java",) if Path(j).exists()]
    java = java17[0] if java17 else node_maven.find_java(17)
    if node_maven.java_major(java) >= 21:
        pytest.fail("this check needs a Java below 21 to be the only one visible")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(os.path.realpath(java))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    monkeypatch.setattr(node_maven, "JVM_ROOT", tmp_path / "no-jvms")
    with pytest.raises(NodeError, match=r"needs Java 21\+"):
        LocalNode(version="3.0.0", home=tmp_path / "home3").start()


def test_default_home_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BABELSEARCH_HOME", str(tmp_path / "h"))
    assert default_home() == tmp_path / "h"
    assert LocalNode().home == tmp_path / "h"
