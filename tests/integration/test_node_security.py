"""``--security``: a local node with TLS and basic auth, from certificates we generate.

Clients must verify the generated CA (verification is never turned off), send the
admin credentials, and are refused without them.
"""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from babelsearch.cluster import cluster_errors, connect
from babelsearch.config import ClusterConfig
from babelsearch.errors import ClusterAuthError, ClusterUnavailable
from babelsearch.node import LocalNode
from babelsearch.node.process import alive

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_secured_node_requires_tls_and_credentials(tmp_path: Path, opensearch_url: str) -> None:
    node = LocalNode(port=_free_port(), heap="512m", data_dir=tmp_path / "sec", security=True)
    url = node.start(timeout=300)
    pids = node.node_pids()
    try:
        assert url.startswith("https://127.0.0.1:")
        creds = node.credentials()
        ca = node.ca_certs
        assert creds is not None and ca is not None
        admin = tmp_path / "sec" / "certs" / "admin.json"
        assert stat.S_IMODE(admin.stat().st_mode) == 0o600
        assert json.loads(admin.read_text())["username"] == creds[0]

        cfg = ClusterConfig(url=url, username=creds[0], password=creds[1], ca_certs=ca)
        client = connect(cfg)
        plugins = {row["component"] for row in client.cat.plugins(format="json")}
        assert {"opensearch-knn", "opensearch-neural-search", "opensearch-security"} <= plugins
        account = client.transport.perform_request("GET", "/_plugins/_security/api/account")
        assert "all_access" in account["roles"]

        # The same setup works for k-NN: a lucene index through TLS + auth.
        client.indices.create(
            index="secured",
            body={
                "settings": {"index": {"knn": True, "number_of_replicas": 0}},
                "mappings": {
                    "properties": {
                        "v": {
                            "type": "knn_vector",
                            "dimension": 2,
                            "method": {"name": "hnsw", "engine": "lucene", "space_type": "l2"},
                        }
                    }
                },
            },
        )
        client.index(index="secured", id="1", body={"v": [1.0, 0.0]}, refresh=True)
        hits = client.search(
            index="secured", body={"query": {"knn": {"v": {"vector": [1.0, 0.1], "k": 1}}}}
        )["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["1"]

        anonymous = connect(ClusterConfig(url=url, ca_certs=ca), retries=False)
        with pytest.raises(ClusterAuthError), cluster_errors(url):
            anonymous.info()
        wrong = connect(
            ClusterConfig(url=url, username=creds[0], password="wrong", ca_certs=ca), retries=False
        )
        with pytest.raises(ClusterAuthError), cluster_errors(url):
            wrong.info()
        # Without our CA the default trust store rejects the self-made certificate.
        untrusted = connect(
            ClusterConfig(url=url, username=creds[0], password=creds[1]), retries=False
        )
        with pytest.raises(ClusterUnavailable), cluster_errors(url):
            untrusted.info()

        status = node.status()
        assert status.running and status.health in ("green", "yellow")
    finally:
        node.stop()
    assert not any(alive(p) for p in pids)
