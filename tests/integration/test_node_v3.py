"""OpenSearch 3.6.0 on real nodes of its own, beside the 2.19.1 session node.

Proves the 3.x recipe (Java agent, transport-grpc, no security manager, Java 21+),
that capabilities are detected on 3.x, and, on a 3.6 node assembled without
neural-search, that ``hybrid`` is refused with a message naming the missing plugin
while ``auto`` and ``rrf`` still answer and ``doctor`` says what it will use.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.cluster import capabilities, connect
from babelsearch.config import ClusterConfig, parse_config
from babelsearch.errors import NodeError, QueryError
from babelsearch.node import LocalNode
from babelsearch.node.assemble import MARKER
from babelsearch.node.java import java_major
from babelsearch.node.spec import distribution_spec

from .v3 import V3, free_port_pair, v3_home, without_neural_search

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def home() -> Path:
    return LocalNode(version=V3, home=v3_home()).assemble()


def _descriptor(folder: Path) -> dict[str, str]:
    lines = (folder / "plugin-descriptor.properties").read_text().splitlines()
    return dict(ln.split("=", 1) for ln in lines if "=" in ln and not ln.startswith("#"))


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


@pytest.fixture(scope="module")
def node36(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    """Started and stopped through the CLI, as a user does: ``node start --version 3.6.0``."""
    port = free_port_pair()
    where = ["--version", V3, "--home", str(home), "--port", str(port)]
    data = tmp_path_factory.mktemp("os36")
    runner = CliRunner()
    res = runner.invoke(cli, ["node", "start", *where, "--data-dir", str(data), "--timeout", "300"])
    assert res.exit_code == 0, res.output
    assert f"http://127.0.0.1:{port}" in res.output
    try:
        status = json.loads(runner.invoke(cli, ["node", "status", *where, "--json"]).output)
        assert status["running"] and status["version"] == V3, status
        yield LocalNode(version=V3, home=home, port=port, data_dir=data)
    finally:
        res = runner.invoke(cli, ["node", "stop", *where])
        assert "stopped" in res.output, res.output


def test_3_6_layout_follows_its_recipe(home: Path) -> None:
    spec = distribution_spec(V3)
    marker = json.loads((home / MARKER).read_text())
    assert marker["version"] == V3
    modules = sorted(p.name for p in (home / "modules").iterdir())
    assert modules == sorted(m.name for m in spec.modules)
    assert "transport-grpc" in modules and "lang-expression" not in modules
    for mod in spec.modules:  # the agent checks connects against these (see spec.py)
        assert (home / "modules" / mod.name / "plugin-security.policy").is_file() == bool(
            mod.policy
        ), mod.name
    assert (
        "SocketPermission" in (home / "modules/transport-netty4/plugin-security.policy").read_text()
    )
    agent = sorted(p.name for p in (home / "agent").glob("*.jar"))
    assert f"opensearch-agent-{V3}.jar" in agent
    assert f"opensearch-agent-bootstrap-{V3}.jar" in agent
    assert any(n.startswith("byte-buddy-") for n in agent), agent
    knn = _descriptor(home / "plugins" / "opensearch-knn")
    neural = _descriptor(home / "plugins" / "opensearch-neural-search")
    assert knn["version"] == neural["version"] == f"{V3}.0"
    assert "transport-grpc" in knn["extended.plugins"].split(",")
    grpc = home / "modules" / "transport-grpc"
    with zipfile.ZipFile(grpc / f"transport-grpc-{V3}.jar") as zf:
        assert _descriptor(grpc)["classname"].replace(".", "/") + ".class" in zf.namelist()


def test_3_6_node_runs_with_the_agent_and_no_security_manager(node36: LocalNode) -> None:
    pid = node36.pid
    assert pid is not None
    argv = _cmdline(pid)
    assert java_major(argv[0]) >= 21
    assert f"-javaagent:{node36.home / 'agent' / f'opensearch-agent-{V3}.jar'}" in argv
    assert not [a for a in argv if a.startswith("-Djava.security.manager")]
    assert (
        f"transport.port: {node36.port + 100}"
        in (
            Path(json.loads(node36.state_file.read_text())["nodes"][0]["conf"]) / "opensearch.yml"
        ).read_text()
    )
    client = connect(ClusterConfig(url=node36.url))
    try:
        assert client.info()["version"]["number"] == V3
        mods = {
            m["name"]
            for n in client.nodes.info(metric="plugins")["nodes"].values()
            for m in n["modules"]
        }
        assert {"transport-grpc", "analysis-common", "mapper-extras", "lang-painless"} <= mods
    finally:
        client.close()


def test_3_6_capabilities_are_detected(node36: LocalNode) -> None:
    client = connect(ClusterConfig(url=node36.url))
    try:
        caps = capabilities(client)
    finally:
        client.close()
    assert caps.version == V3 and caps.distribution == "opensearch"
    assert {"opensearch-knn", "opensearch-neural-search"} <= caps.plugins
    assert caps.hybrid_query and caps.neural_sparse and caps.rank_features
    # read from _nodes on 3.x (phase-results processors are listed there)
    assert caps.normalization_processor and caps.score_ranker_processor
    assert caps.knn_engines == frozenset({"lucene"})


def test_security_is_refused_for_3x_by_name(tmp_path: Path) -> None:
    with pytest.raises(NodeError, match=f"no opensearch-security {V3}.0 zip is published"):
        LocalNode(version=V3, home=tmp_path / "h", security=True)
    res = CliRunner().invoke(
        cli, ["node", "start", "--version", V3, "--security", "--home", str(tmp_path / "h")]
    )
    assert res.exit_code == 1 and "--version 2.19.1" in res.output, res.output
    assert not (tmp_path / "h").exists()


def test_unpinned_3x_versions_are_refused_with_the_supported_list() -> None:
    with pytest.raises(NodeError, match=r"3\.5\.0 cannot be assembled.*3\.6\.0"):
        distribution_spec("3.5.0")


def test_a_home_of_another_version_is_refused(tmp_path: Path, home: Path) -> None:
    with pytest.raises(NodeError, match=f"holds OpenSearch {V3}, not 2.19.1"):
        LocalNode(version="2.19.1", home=home)


# --------------------------------------------- a 3.6 cluster without neural-search
@pytest.fixture(scope="module")
def knn_only_url(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    bare = without_neural_search(home, tmp_path_factory.mktemp("knn-only") / "home")
    node = LocalNode(version=V3, home=bare, port=free_port_pair(), heap="1g", data_dir=bare / "run")
    node.start(timeout=300)
    try:
        yield node.url
    finally:
        node.stop()


def _loaded_searcher(url: str) -> Any:
    from babelsearch.encoders import get_encoder
    from babelsearch.query import Searcher
    from babelsearch.schema import build_index_body, versioned_name

    cfg = parse_config(
        {
            "index": {"name": f"t-v3-{uuid.uuid4().hex[:8]}"},
            "languages": ["en", "de"],
            "cluster": {"url": url},
        }
    )
    client = connect(cfg.cluster)
    enc = get_encoder(cfg.encoder)
    body = dict(build_index_body(cfg, enc.info, capabilities(client)))
    body["aliases"] = {cfg.index.name: {}}
    client.indices.create(index=versioned_name(cfg.index.name, 1), body=body)
    docs = [
        ("tesla-en", "en", "Nikola Tesla was an inventor who developed alternating current."),
        ("tesla-de", "de", "Nikola Tesla war ein Erfinder, er entwickelte den Wechselstrom."),
        ("eiffel-en", "en", "The Eiffel Tower in Paris is about 330 metres tall."),
    ]
    vecs = enc.encode_documents([t for _, _, t in docs]).dense
    lines: list[Any] = []
    for (doc_id, lang, text), vec in zip(docs, vecs, strict=True):
        lines.append({"index": {"_index": cfg.index.name, "_id": doc_id}})
        src = {"doc_id": doc_id, "chunk_no": 0, "lang": lang, "embedding": vec.tolist()}
        src["body"] = {"neutral": text, lang: text}
        lines.append(src)
    resp = client.bulk(body=lines, refresh=True)
    assert not resp["errors"], resp
    return Searcher(cfg, client=client, encoder=enc)


def test_hybrid_is_refused_by_name_without_neural_search(knn_only_url: str) -> None:
    with _loaded_searcher(knn_only_url) as searcher:
        assert not searcher.capabilities().hybrid_query
        with pytest.raises(QueryError, match="no opensearch-neural-search plugin") as err:
            searcher.search("Who invented alternating current?", lang="en", mode="hybrid")
        assert f"opensearch {V3}" in str(err.value) and "'auto'" in str(err.value)
        for mode in ("auto", "rrf", "bool", "dense", "bm25"):
            res = searcher.search("Who invented alternating current?", lang="en", mode=mode)
            assert res.hits and res.hits[0].id.startswith("tesla-"), (mode, res.hits)
        # rank_features still exists without neural-search: sparse would use rank_feature
        assert searcher.capabilities().rank_features


def test_doctor_says_what_it_found_and_which_modes_it_uses(knn_only_url: str) -> None:
    res = CliRunner().invoke(cli, ["doctor", "--url", knn_only_url])
    assert res.exit_code == 0, res.output
    assert f"(opensearch {V3})" in res.output
    assert "hybrid query  no (no opensearch-neural-search plugin)" in res.output
    modes_line = next(ln for ln in res.output.splitlines() if ln.startswith("modes"))
    assert "auto" in modes_line and "rrf" in modes_line and "hybrid" not in modes_line
    assert "note: mode 'hybrid' is refused here" in res.output
    data = json.loads(CliRunner().invoke(cli, ["doctor", "--url", knn_only_url, "--json"]).output)
    assert (
        "hybrid" not in data["modes"]
        and "opensearch-neural-search" in (data["unavailable_modes"]["hybrid"])
    )
    assert data["normalization_processor"] is False


def test_doctor_on_3_6_with_neural_search_lists_hybrid(node36: LocalNode) -> None:
    data = json.loads(CliRunner().invoke(cli, ["doctor", "--url", node36.url, "--json"]).output)
    assert data["version"] == V3
    assert {"auto", "bm25", "dense", "hybrid", "rrf", "bool"} <= set(data["modes"])
    assert "language-aware fusion" in data["auto_fusion"]


def test_two_node_3_6_cluster(home: Path, tmp_path: Path) -> None:
    node = LocalNode(
        version=V3, home=home, port=free_port_pair(2), heap="512m", data_dir=tmp_path, nodes=2
    )
    node.start(timeout=300)
    try:
        client = connect(ClusterConfig(url=node.url))
        health = client.cluster.health(wait_for_nodes="2")
        assert health["number_of_nodes"] == 2 and health["status"] in ("green", "yellow")
        client.close()
    finally:
        assert node.stop()
