"""``--nodes 2``: a two-node cluster on loopback that survives losing its data node.

Fault tests (ingest retries, search during node loss) need a cluster where a node
can die; node-0 is the only cluster-manager-eligible node, so stopping node-1
leaves a working (yellow) cluster.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from babelsearch.cluster import connect
from babelsearch.config import ClusterConfig
from babelsearch.node import start_cluster
from babelsearch.node.process import alive

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_consecutive_ports(n: int) -> int:
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = int(sock.getsockname()[1])
        ok = True
        for p in range(base, base + n):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
        if ok and base + n < 65535:
            return base
    raise RuntimeError("no free consecutive ports")


def test_two_node_cluster_replicates_and_survives_a_killed_data_node(
    tmp_path: Path, opensearch_url: str
) -> None:
    port = _free_consecutive_ports(2)
    node = start_cluster(nodes=2, port=port, heap="512m", data_dir=tmp_path / "cluster")
    pids = node.node_pids()
    try:
        assert len(pids) == 2
        client = connect(ClusterConfig(url=node.url, timeout=60))
        health = client.cluster.health()
        assert health["number_of_nodes"] == 2
        names = {n["name"] for n in client.cat.nodes(format="json")}
        assert names == {"node-0", "node-1"}
        # The second node answers HTTP on the next port.
        second = connect(ClusterConfig(url=f"http://127.0.0.1:{port + 1}"))
        assert second.cluster.health()["number_of_nodes"] == 2

        client.indices.create(
            index="faults",
            body={"settings": {"number_of_shards": 2, "number_of_replicas": 1}},
        )
        # (opensearch-py takes a ``timeout`` kwarg as its own HTTP timeout: rely on the
        # server's default 30 s wait instead.)
        health = client.cluster.health(index="faults", wait_for_status="green")
        assert health["status"] == "green", health
        body = []
        for i in range(20):
            body += [{"index": {"_index": "faults", "_id": str(i)}}, {"n": i}]
        assert not client.bulk(body=body, refresh=True)["errors"]

        assert node.stop_node(1, kill=True)
        assert not alive(pids[1])
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            health = client.cluster.health()
            if health["number_of_nodes"] == 1:
                break
            time.sleep(1)
        assert health["number_of_nodes"] == 1
        assert health["status"] == "yellow"  # replicas lost, every primary still there
        assert client.count(index="faults")["count"] == 20
    finally:
        node.stop()
    assert not any(alive(p) for p in pids)
