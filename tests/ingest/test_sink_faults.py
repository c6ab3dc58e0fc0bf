"""The sink's single retry layer, against the real node behind a fault-injecting proxy."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import orjson
import pytest

from babelsearch.cluster import connect
from babelsearch.config import Config
from babelsearch.errors import ClusterAuthError, ClusterUnavailable
from babelsearch.ingest import Ingestor

from .conftest import all_ids, create_index, make_config, make_docs
from .fault_proxy import FaultProxy
from .hash_encoder import HashEncoder

pytestmark = pytest.mark.integration


def _cfg(url: str, alias: str, **bulk: Any) -> Config:
    return make_config(
        url,
        alias,
        bulk={"initial_backoff": 0.01, "max_backoff": 0.05, **bulk},
        chunking={"enabled": False},
    )


def _setup(ingest_url: str, client: Any, prefix: str, plan: list[str], **bulk: Any) -> Any:
    cfg = _cfg(ingest_url, prefix, **bulk)
    create_index(client, cfg, HashEncoder().info)
    proxy = FaultProxy(ingest_url, plan)
    return cfg, proxy


def test_retries_resend_only_failed_items(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg, proxy = _setup(
        ingest_url, ingest_client, prefix, ["429", "drop", "items-429-even"], max_docs=100
    )
    docs = make_docs(40)
    with proxy:
        client = connect(dataclasses.replace(cfg.cluster, url=proxy.url), retries=False)
        report = Ingestor(
            cfg, client=client, encoder=HashEncoder(), dead_letter=tmp_path / "dl.jsonl"
        ).run(docs)
    assert report.indexed == 40 and report.dead_lettered == 0
    assert report.retried == 40 + 40 + 20
    sent = [b["ids"] for b in proxy.bulks]
    every = [d["id"] for d in docs]
    assert [sorted(s) for s in sent[:3]] == [sorted(every)] * 3
    assert sent[0] == sent[1] == sent[2]  # the same request, resent whole
    assert sent[3] == sent[2][0::2]  # then only the items the cluster refused
    assert len(sent) == 4  # the client itself retried nothing
    _ids, doc_ids = all_ids(ingest_client, prefix)
    assert sorted(doc_ids) == sorted(every)


def test_413_splits_and_a_single_oversized_doc_is_dead_lettered(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg, proxy = _setup(ingest_url, ingest_client, prefix, ["413>30000"], max_docs=100)
    docs = make_docs(16)
    docs.append({"id": "huge", "body": "word " * 8000})
    dl = tmp_path / "dl.jsonl"
    with proxy:
        client = connect(dataclasses.replace(cfg.cluster, url=proxy.url), retries=False)
        report = Ingestor(cfg, client=client, encoder=HashEncoder(), dead_letter=dl).run(docs)
    assert report.indexed == 16 and report.dead_lettered == 1 and report.retried == 0
    (entry,) = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    assert entry["id"] == "huge" and entry["code"] == "request_too_large"
    forwarded = [b for b in proxy.bulks if b["fault"] is None]
    assert all(b["bytes"] <= 30000 for b in forwarded)
    assert sorted(i for b in forwarded for i in b["ids"]) == sorted(d["id"] for d in docs[:16])


def test_auth_failure_is_fatal_and_not_retried(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    # many small batches, so the queues are full when the fatal error arrives: no hang
    cfg, proxy = _setup(ingest_url, ingest_client, prefix, ["401"] * 5, max_docs=10)
    with proxy:
        client = connect(dataclasses.replace(cfg.cluster, url=proxy.url), retries=False)
        with pytest.raises(ClusterAuthError):
            Ingestor(
                cfg, client=client, encoder=HashEncoder(), dead_letter=tmp_path / "dl.jsonl"
            ).run(make_docs(3000))
    assert 1 <= len(proxy.bulks) <= cfg.ingest.bulk.max_in_flight  # never retried


def test_unavailable_cluster_gives_up_after_max_retries(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg, proxy = _setup(ingest_url, ingest_client, prefix, ["503"] * 10, max_retries=3)
    with proxy:
        client = connect(dataclasses.replace(cfg.cluster, url=proxy.url), retries=False)
        with pytest.raises(ClusterUnavailable, match="after 3 retries"):
            Ingestor(
                cfg, client=client, encoder=HashEncoder(), dead_letter=tmp_path / "dl.jsonl"
            ).run(make_docs(10))
    assert len(proxy.bulks) == 4
