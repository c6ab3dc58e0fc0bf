"""apply / plan / migrate / status against a real OpenSearch node (no mocks)."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import numpy as np
import pytest

from babelsearch.config import Config, parse_config
from babelsearch.errors import MappingConflict, MigrationInProgress
from babelsearch.indices import LOCK_INDEX, apply, migrate, migration_lock, plan, status
from babelsearch.schema import pipeline_names

from .helpers import USE_INFO, indexed_source

pytestmark = pytest.mark.integration


def _cfg(alias: str, url: str, **over: Any) -> Config:
    data: dict[str, Any] = {
        "index": {"name": alias},
        "languages": ["en", "de", "vi"],
        "analyzers": {"vi": "standard"},
        "fields": {"metadata": {"topic": "keyword"}},
        "cluster": {"url": url},
    }
    data.update(over)
    return parse_config(data)


def _index_docs(client: Any, alias: str, n: int, dim: int = 512) -> None:
    """Documents in the agreed shape, written through the alias as the ingestor does."""
    rng = np.random.default_rng(7)
    langs = ["en", "de", "vi"]
    lines: list[dict[str, Any]] = []
    for i in range(n):
        lang = langs[i % 3]
        v = rng.normal(size=dim)
        v /= np.linalg.norm(v)
        text = f"common passage {i} about topic {i % 5}"
        lines.append({"index": {"_id": f"d{i}"}})
        texts = {"title": f"title {i}", "body": text}
        lines.append(
            indexed_source(
                f"d{i}", lang, texts, languages=langs, embedding=v.tolist(), topic=f"t{i % 5}"
            )
        )
    resp = client.bulk(body=lines, index=alias, refresh=True, require_alias=True)
    assert not resp["errors"]


def test_apply_creates_v1_behind_the_alias_and_puts_pipelines(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    cfg = _cfg(unique_name, opensearch_url)
    assert plan(cfg, client=client, info=USE_INFO).kind == "create"
    res = apply(cfg, client=client, info=USE_INFO)
    assert (res.action, res.index) == ("created", f"{unique_name}-v1")
    aliases = client.indices.get_alias(name=unique_name)
    assert aliases[f"{unique_name}-v1"]["aliases"][unique_name]["is_write_index"] is True
    names = pipeline_names(unique_name)
    from babelsearch.cluster import capabilities

    if capabilities(client).normalization_processor:
        assert res.pipelines[names["min_max"]] == "put"
        assert res.pipelines[names["rrf"]] == "put"
        stored = client.search_pipeline.get(id=names["min_max"])
        assert "normalization-processor" in str(stored)
    else:  # without neural-search there is no processor: skipped, and said so
        assert res.pipelines[names["min_max"]] == "skipped: the cluster has no processor for it"
        assert res.pipelines[names["rrf"]].startswith("skipped: ")
    # The round trip through the real node is what makes a second apply a no-op.
    again = apply(cfg, client=client, info=USE_INFO)
    assert again.action == "unchanged" and again.plan.kind == "nothing_to_do"
    st = status(cfg, client=client, info=USE_INFO).to_dict()
    assert st["alias"] == unique_name and st["up_to_date"] is True
    assert st["indices"][0]["name"] == f"{unique_name}-v1" and st["indices"][0]["docs"] == 0
    assert st["fingerprint"] == USE_INFO.fingerprint


def test_plan_after_each_kind_of_change(client: Any, unique_name: str, opensearch_url: str) -> None:
    base = _cfg(unique_name, opensearch_url)
    apply(base, client=client, info=USE_INFO)

    grown = _cfg(
        unique_name,
        opensearch_url,
        languages=["en", "de", "vi", "fr"],
        fields={"metadata": {"topic": "keyword", "year": "integer"}},
        index={"name": unique_name, "replicas": 1, "refresh_interval": "2s"},
    )
    p = plan(grown, client=client, info=USE_INFO)
    assert p.kind == "in_place_update"
    assert {c.path for c in p.changes} == {
        "title.fr",
        "body.fr",
        "year",
        "settings.number_of_replicas",
        "settings.refresh_interval",
    }
    assert apply(grown, client=client, info=USE_INFO).action == "updated"
    assert plan(grown, client=client, info=USE_INFO).kind == "nothing_to_do"
    mapping = client.indices.get_mapping(index=unique_name)[f"{unique_name}-v1"]["mappings"]
    assert mapping["properties"]["title"]["properties"]["fr"]["analyzer"] == "french"

    blocked = {
        "analyzer": (dataclasses.replace(grown, analyzers={"vi": "neutral"}), USE_INFO),
        "encoder": (grown, dataclasses.replace(USE_INFO, model_id="other-model")),
        "m": (dataclasses.replace(grown, dense=dataclasses.replace(grown.dense, m=32)), USE_INFO),
        "shards": (
            dataclasses.replace(grown, index=dataclasses.replace(grown.index, shards=2)),
            USE_INFO,
        ),
        "type": (
            dataclasses.replace(
                grown,
                fields=dataclasses.replace(
                    grown.fields, metadata={"topic": "integer", "year": "integer"}
                ),
            ),
            USE_INFO,
        ),
    }
    for what, (cfg, info) in blocked.items():
        p = plan(cfg, client=client, info=info)
        assert p.kind == "needs_new_index", what
        assert p.reasons, what
        with pytest.raises(MappingConflict, match="babelsearch mappings migrate"):
            apply(cfg, client=client, info=info)
    # Nothing was half-applied by the refusals.
    assert plan(grown, client=client, info=USE_INFO).kind == "nothing_to_do"


def test_migrate_while_a_reader_queries_the_alias(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    base = _cfg(unique_name, opensearch_url)
    apply(base, client=client, info=USE_INFO)
    _index_docs(client, unique_name, 600)
    changed = _cfg(unique_name, opensearch_url, analyzers={"vi": "neutral"})
    assert plan(changed, client=client, info=USE_INFO).kind == "needs_new_index"

    stop = threading.Event()
    seen: dict[str, Any] = {"reads": 0, "errors": [], "empty": 0}

    def reader() -> None:
        body = {"query": {"match": {"body.neutral": "common passage"}}, "size": 3}
        while not stop.is_set():
            try:
                total = client.search(index=unique_name, body=body)["hits"]["total"]["value"]
                seen["reads"] += 1
                if total == 0:
                    seen["empty"] += 1
            except Exception as exc:
                seen["errors"].append(repr(exc))
            time.sleep(0.005)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        time.sleep(0.2)
        res = migrate(changed, client=client, info=USE_INFO)
        time.sleep(0.2)
    finally:
        stop.set()
        t.join(10)
    assert seen["errors"] == [] and seen["empty"] == 0 and seen["reads"] > 5
    assert (res.source, res.target) == (f"{unique_name}-v1", f"{unique_name}-v2")
    assert res.source_docs == res.target_docs == 600 and res.reembedded is False
    assert list(client.indices.get_alias(name=unique_name)) == [f"{unique_name}-v2"]
    assert client.count(index=f"{unique_name}-v1")["count"] == 600
    settings = client.indices.get_settings(index=f"{unique_name}-v1", flat_settings=True)
    assert settings[f"{unique_name}-v1"]["settings"].get("index.blocks.write") in (None, "false")
    assert plan(changed, client=client, info=USE_INFO).kind == "nothing_to_do"
    st = status(changed, client=client, info=USE_INFO).to_dict()
    assert [(i["name"], i["docs"], i["is_write"]) for i in st["indices"]] == [
        (f"{unique_name}-v1", 600, False),
        (f"{unique_name}-v2", 600, True),
    ]
    # Writes through the alias land in -v2 now.
    _index_docs(client, unique_name, 3)
    assert client.get(index=f"{unique_name}-v2", id="d0")["_source"]["doc_id"] == "d0"


def test_concurrent_migrate_is_refused_and_the_lock_is_released(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    cfg = _cfg(unique_name, opensearch_url)
    apply(cfg, client=client, info=USE_INFO)
    _index_docs(client, unique_name, 10)
    changed = _cfg(unique_name, opensearch_url, analyzers={"vi": "neutral"})
    with migration_lock(client, unique_name):
        with pytest.raises(MigrationInProgress, match="already running"):
            migrate(changed, client=client, info=USE_INFO)
        assert client.exists(index=LOCK_INDEX, id=unique_name)
    assert not client.exists(index=LOCK_INDEX, id=unique_name)
    # Two migrations started together: exactly one wins while the other is refused,
    # or (if the first finished before the second began) both succeed in sequence.
    outcomes: list[str] = []

    def run() -> None:
        try:
            outcomes.append(migrate(changed, client=client, info=USE_INFO).target)
        except MigrationInProgress:
            outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert len(outcomes) == 2 and f"{unique_name}-v2" in outcomes
    assert not client.exists(index=LOCK_INDEX, id=unique_name)
    # A lock left by a crashed run blocks until an operator breaks it.
    client.index(index=LOCK_INDEX, id=unique_name, body={"owner": "crashed", "started": 0})
    try:
        with pytest.raises(MigrationInProgress, match="held by crashed since 1970"):
            migrate(changed, client=client, info=USE_INFO)
        res = migrate(changed, client=client, info=USE_INFO, break_lock=True)
        assert res.target_docs == 10
    finally:
        client.delete(index=LOCK_INDEX, id=unique_name, ignore=[404])
    assert not client.exists(index=LOCK_INDEX, id=unique_name)


def test_migrate_reembeds_when_the_encoder_changes(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    from babelsearch.encoders import describe_encoder, get_encoder

    cfg = _cfg(unique_name, opensearch_url)
    old = dataclasses.replace(USE_INFO, model_id="old-encoder", dimension=8)
    apply(cfg, client=client, info=old)
    _index_docs(client, unique_name, 12, dim=8)
    info = describe_encoder(cfg.encoder)
    p = plan(cfg, client=client, info=info)
    assert p.kind == "needs_new_index" and any("re-embedded" in r for r in p.reasons)
    res = migrate(cfg, client=client, info=info)
    assert res.reembedded and res.source_docs == res.target_docs == 12
    src = client.get(index=unique_name, id="d4")["_source"]
    assert len(src["embedding"]) == info.dimension
    expected = get_encoder(cfg.encoder).encode_documents([f"title 4\n{src['body']['neutral']}"])
    got = np.asarray(src["embedding"], dtype=np.float32)
    cos = float(got @ expected.dense[0] / (np.linalg.norm(got) * np.linalg.norm(expected.dense[0])))
    assert cos > 0.999
    meta = client.indices.get_mapping(index=res.target)[res.target]["mappings"]["_meta"]
    assert meta["babelsearch"]["encoder"] == info.fingerprint
    # The old index keeps its old vectors: nothing was reused across fingerprints.
    old_src = client.get(index=f"{unique_name}-v1", id="d4")["_source"]
    assert len(old_src["embedding"]) == 8


def test_a_concrete_index_named_like_the_alias_is_refused(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    client.indices.create(index=unique_name)
    with pytest.raises(MappingConflict, match="concrete index, not an alias"):
        apply(_cfg(unique_name, opensearch_url), client=client, info=USE_INFO)
