"""Capability detection against the real node."""

from __future__ import annotations

import pytest

from babelsearch.cluster import capabilities, cluster_errors, connect
from babelsearch.config import ClusterConfig
from babelsearch.errors import ClusterError, ClusterUnavailable
from faults.tlsutil import async_detect_error

pytestmark = pytest.mark.integration


def test_capabilities_of_the_local_node(client) -> None:  # type: ignore[no-untyped-def]
    caps = capabilities(client)
    assert caps.version_tuple >= (2, 19)
    assert {"opensearch-knn", "opensearch-neural-search"} <= caps.plugins
    assert "lucene" in caps.knn_engines
    assert caps.hybrid_query and caps.normalization_processor and caps.score_ranker_processor
    assert caps.rank_features


def test_unreachable_cluster_is_a_clear_error() -> None:
    c = connect(ClusterConfig(url="http://127.0.0.1:1", timeout=2), retries=False)
    with pytest.raises(ClusterUnavailable, match="cannot reach the cluster"):
        capabilities(c)


def test_missing_index_is_translated(client, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClusterError, match="404"), cluster_errors():
        client.indices.get(index=f"{unique_name}-missing")


def test_async_capabilities_match_sync(client, opensearch_url: str) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from babelsearch.cluster import capabilities_async, connect_async

    async def detect() -> object:
        ac = connect_async(ClusterConfig(url=opensearch_url))
        try:
            return await capabilities_async(ac)
        finally:
            await ac.close()

    assert asyncio.run(detect()) == capabilities(client)


def test_async_unreachable_cluster_is_a_clear_error() -> None:
    import asyncio

    from babelsearch.cluster import capabilities_async, connect_async

    async def detect() -> object:
        ac = connect_async(ClusterConfig(url="http://127.0.0.1:1", timeout=2), retries=False)
        try:
            return await capabilities_async(ac)
        finally:
            await ac.close()

    with pytest.raises(ClusterUnavailable, match="cannot reach the cluster"):
        asyncio.run(detect())


def _https(opensearch_url: str) -> tuple[str, str]:
    """(URL with a planted password, the credential-free https URL) for the plain node."""
    host = opensearch_url.split("://", 1)[1]
    return f"https://admin:hunter2@{host}", f"https://{host}"


def test_https_against_the_plain_node_names_the_url_and_the_fix(opensearch_url: str) -> None:
    url, shown = _https(opensearch_url)
    c = connect(ClusterConfig(url=url, timeout=5), retries=False)
    with pytest.raises(ClusterUnavailable) as err:
        capabilities(c)  # the URL comes from the client
    msg = str(err.value)
    assert f"at {shown} failed" in msg and "hunter2" not in msg, msg
    assert "use http://" in msg and "ca_certs" in msg and "verify_certs" in msg, msg
    with pytest.raises(ClusterUnavailable) as err, cluster_errors():  # no URL given at all
        c.indices.exists_alias(name="anything")
    assert f"at {shown}" in str(err.value) and "hunter2" not in str(err.value)


def test_async_https_against_the_plain_node_names_the_url(opensearch_url: str) -> None:
    url, shown = _https(opensearch_url)
    err = async_detect_error(url, timeout=5)
    assert isinstance(err, ClusterUnavailable), repr(err)
    assert f"at {shown}" in str(err) and "hunter2" not in str(err)
    assert "use http://" in str(err)
