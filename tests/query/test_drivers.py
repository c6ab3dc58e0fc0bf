"""The two drivers only do I/O over one plan: on the real node, ``Searcher`` and
``AsyncSearcher`` build equal plans, return identical results for the same plan, and
translate a TLS failure into the same error."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from babelsearch.config import Config, parse_config
from babelsearch.errors import ClusterUnavailable
from babelsearch.query import AsyncSearcher, Searcher, SearchRequest, SearchResult
from babelsearch.types import Capabilities
from ingest.hash_encoder import HashEncoder

from .corpus_index import corpus_index

pytestmark = pytest.mark.integration

MODES = ("auto", "bm25", "dense", "bool", "hybrid", "rrf")
ACME = {"tenant": "acme"}


@pytest.fixture(scope="module")
def url(request: pytest.FixtureRequest) -> str:
    env = os.environ.get("BABELSEARCH_URL")
    return (env if env else str(request.getfixturevalue("opensearch_url"))).rstrip("/")


def _cfg(url: str, name: str) -> Config:
    return parse_config(
        {
            "index": {"name": name},
            "languages": ["en", "de", "fr", "es", "ru"],
            "fields": {
                "text": ["title", "body"],
                "metadata": {"tenant": "keyword", "year": "integer"},
                "tenant": "tenant",
            },
            "search": {"candidates": 30},
            "cluster": {"url": url, "timeout": 10},
        }
    )


@pytest.fixture(scope="module")
def searcher(url: str) -> Iterator[Searcher]:
    from babelsearch.cluster import connect

    cfg = _cfg(url, f"t-drivers-{uuid.uuid4().hex[:8]}")
    client = connect(cfg.cluster)
    enc = HashEncoder()
    try:
        with corpus_index(cfg, client, enc), Searcher(cfg, client=client, encoder=enc) as s:
            yield s
    finally:
        client.close()


def _everything(res: SearchResult) -> dict[str, Any]:
    """The whole result but the wall-clock time."""
    out = res.to_dict()
    del out["took_ms"]
    return out


@pytest.mark.parametrize("explain", [False, True], ids=["plain", "explain"])
async def test_sync_and_async_run_one_plan_identically(searcher: Searcher, explain: bool) -> None:
    caps = searcher.capabilities()
    async with AsyncSearcher(searcher.cfg, encoder=searcher._get_encoder()) as asearcher:
        for mode in MODES:
            if mode == "hybrid" and not caps.hybrid_query:
                continue  # refused by name: tests/query/test_search_integration.py
            req = SearchRequest("Wann wurde Nikola Tesla geboren?", "de", mode, 5, ACME, explain)
            plan = searcher.plan(req)
            assert await asearcher.plan(req) == plan, mode
            sync = searcher.execute(plan)
            async_ = await asearcher.execute(plan)
            assert sync.hits, mode
            assert _everything(async_) == _everything(sync), mode


async def test_both_drivers_translate_a_tls_failure_the_same_way(
    searcher: Searcher, url: str
) -> None:
    """The node speaks plain HTTP; ``https://`` to it fails in the TLS handshake."""
    parts = urlsplit(url)
    tls_url = f"https://{parts.hostname}:{parts.port}"
    cfg = _cfg(tls_url, searcher.cfg.index.name)
    caps: Capabilities = searcher.capabilities()
    enc = searcher._get_encoder()
    errors: list[BaseException] = []
    with Searcher(cfg, encoder=enc, capabilities=caps) as s:
        plan = s.plan(SearchRequest("Nikola Tesla", "en", "bm25", 3, ACME))
        with pytest.raises(ClusterUnavailable) as sync_err:
            s.execute(plan)
        errors.append(sync_err.value)
    async with AsyncSearcher(cfg, encoder=enc, capabilities=caps) as a:
        with pytest.raises(ClusterUnavailable) as async_err:
            await a.execute(plan)
        errors.append(async_err.value)
    head = f"TLS handshake with the cluster at {tls_url} failed: "
    hints = []
    for err in errors:
        text = str(err)
        assert type(err) is ClusterUnavailable and text.startswith(head), text
        assert err.__cause__ is not None
        hints.append(text[text.rindex(" (") :])
    assert hints[0] == hints[1] and "use http://" in hints[0], hints
