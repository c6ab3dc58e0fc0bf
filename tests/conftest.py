"""Session-wide fixtures: a real OpenSearch node, a client, and per-test unique names.

Integration tests never mock OpenSearch. When ``BABELSEARCH_URL`` is set (CI
starts one node for the whole run; a developer may point at the shared dev node)
that node is used; otherwise the first test that needs a cluster starts a
``LocalNode`` on a free port with a throw-away data dir, stopped at session end.
Nothing here skips: a node that cannot start fails the tests that need it.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from babelsearch.cluster import connect
from babelsearch.config import ClusterConfig

TEST_PREFIX = "t-"

# Tiers, by what a test needs (the unit tier is ``-m "not integration and not extras and
# not slow"``: no node, no torch, no ../shared, under a minute). A test that reaches for
# a node or a tiny torch model must say so with its marker, or collection fails: without
# this check such a test would silently join the unit tier and break it on a fresh clone.
_NEEDS = {
    "integration": {"opensearch_url", "client", "unique_name", "ingest_url", "ingest_client"},
    "extras": {"tiny_bge_dir", "tiny_st_dir"},
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wrong = [
        f"{item.nodeid} uses {sorted(used)} but is not marked {marker!r}"
        for item in items
        for marker, fixtures in _NEEDS.items()
        if (used := fixtures & set(getattr(item, "fixturenames", ())))
        and item.get_closest_marker(marker) is None
    ]
    if wrong:
        raise pytest.UsageError("tests in the wrong tier:\n  " + "\n  ".join(wrong))


def _free_port_pair() -> int:
    """A free HTTP port whose ``+100`` (preferred transport port) is free too."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 100 > 65535:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port + 100))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair on 127.0.0.1")


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real OpenSearch with k-NN and neural-search (given or started here)."""
    given = os.environ.get("BABELSEARCH_URL")
    if given:
        yield given.rstrip("/")
        return
    from babelsearch.node import LocalNode

    node = LocalNode(
        port=_free_port_pair(),
        heap=os.environ.get("BABELSEARCH_TEST_HEAP", "1g"),
        data_dir=tmp_path_factory.mktemp("opensearch-node"),
    )
    node.start(timeout=300)
    try:
        yield node.url
    finally:
        node.stop()


@pytest.fixture(scope="session")
def client(opensearch_url: str) -> Any:
    """One opensearch-py client for the session, built by ``babelsearch.cluster.connect``."""
    return connect(ClusterConfig(url=opensearch_url))


def _cleanup(client: Any, prefix: str) -> None:
    client.indices.delete(
        index=f"{prefix}*", expand_wildcards="all", ignore_unavailable=True, allow_no_indices=True
    )
    for kind in ("search", "ingest"):
        path = f"/_{kind}/pipeline"
        try:
            pipelines = client.transport.perform_request("GET", path)
        except Exception as exc:  # 404 when there are none at all
            if getattr(exc, "status_code", None) == 404:
                continue
            raise
        for name in pipelines or {}:
            if name.startswith(prefix):
                client.transport.perform_request("DELETE", f"{path}/{name}")
    templates = client.transport.perform_request("GET", "/_index_template")
    for tpl in templates.get("index_templates", []):
        if tpl["name"].startswith(prefix):
            client.transport.perform_request("DELETE", f"/_index_template/{tpl['name']}")


@pytest.fixture
def unique_name(client: Any) -> Iterator[str]:
    """A lowercase ``t-<8 hex>`` prefix; its indices, aliases and pipelines go afterwards."""
    prefix = f"{TEST_PREFIX}{uuid.uuid4().hex[:8]}"
    try:
        yield prefix
    finally:
        _cleanup(client, prefix)
