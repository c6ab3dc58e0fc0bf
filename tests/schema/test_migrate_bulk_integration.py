"""``migrate`` copies through the ingest bulk path, with exact accounting (real node, no mocks).

The faults come from the ingest tests' :class:`FaultProxy`: every request it does not
fault reaches the real node, and the assertions read the real indices afterwards.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.cluster import connect
from babelsearch.config import Config, parse_config
from babelsearch.errors import MappingConflict
from babelsearch.indices import (
    LOCK_INDEX,
    Context,
    apply,
    bulk_copy,
    desired_spec,
    migrate,
    migration_holder,
    migration_lock,
    status,
)
from babelsearch.ingest.sink import BulkSink
from ingest.fault_proxy import FaultProxy
from ingest.hash_encoder import HashEncoder

from .helpers import USE_INFO, indexed_source

pytestmark = pytest.mark.integration

LANGS = ("en", "de", "vi")


def _data(alias: str, url: str, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "index": {"name": alias},
        "languages": list(LANGS),
        "analyzers": {"vi": "standard"},
        "fields": {"metadata": {"topic": "keyword"}},
        "cluster": {"url": url},
        "ingest": {"bulk": {"initial_backoff": 0.01, "max_backoff": 0.05, "max_docs": 50}},
    }
    data.update(over)
    return data


def _cfg(alias: str, url: str, **over: Any) -> Config:
    return parse_config(_data(alias, url, **over))


def _text(i: int) -> str:
    return "NANVEC breaks the encoder" if i < 0 else f"common passage {i} about topic {i % 5}"


def _index_docs(
    client: Any,
    alias: str,
    n: int,
    *,
    dim: int = 512,
    langs: tuple[str, ...] = LANGS,
    refresh: bool = True,
    poison: int | None = None,
) -> None:
    """Documents in the agreed shape, written through the alias as the ingestor does.

    Built by ``build_source``: a language outside ``langs`` gets the neutral subfield
    only, as for a language the config does not list; ``poison`` names the one document
    whose text makes :class:`HashEncoder` return NaN.
    """
    rng = np.random.default_rng(7)
    lines: list[dict[str, Any]] = []
    for i in range(n):
        lang = LANGS[i % 3]
        v = rng.normal(size=dim)
        v /= np.linalg.norm(v)
        texts = {"title": f"title {i}", "body": _text(-1 if i == poison else i)}
        lines.append({"index": {"_id": f"d{i}"}})
        lines.append(
            indexed_source(
                f"d{i}", lang, texts, languages=langs, embedding=v.tolist(), topic=f"t{i % 5}"
            )
        )
    resp = client.bulk(body=lines, index=alias, refresh=refresh, require_alias=True)
    assert not resp["errors"]


def _write_blocked(client: Any, index: str) -> bool:
    settings = client.indices.get_settings(index=index, flat_settings=True)
    return settings[index]["settings"].get("index.blocks.write") == "true"


def _assert_untouched(client: Any, alias: str, n: int) -> None:
    """After an aborted migration: target gone, alias and docs on -v1, no block, no lock."""
    assert list(client.indices.get_alias(name=alias)) == [f"{alias}-v1"]
    assert not client.indices.exists(index=f"{alias}-v2")
    assert client.count(index=alias)["count"] == n
    assert not _write_blocked(client, f"{alias}-v1")
    assert not client.exists(index=LOCK_INDEX, id=alias)


def test_reembedding_goes_through_the_bulk_sink_and_survives_429s(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    apply(_cfg(unique_name, opensearch_url), client=client, info=USE_INFO)
    _index_docs(client, unique_name, 120)
    enc = HashEncoder()
    # bulk 1: a whole-request 429, then an answer whose even items say 429 although the
    # node indexed them (so the resend hits documents already there), then a 503.
    with FaultProxy(opensearch_url, ["429", "items-429-even", "503"]) as proxy:
        res = migrate(_cfg(unique_name, proxy.url), info=enc.info, encoder=enc)
    assert res.reembedded and not res.noop and res.target == f"{unique_name}-v2"
    assert res.copy["method"] == "bulk"
    assert (res.copy["read"], res.copy["copied"], res.copy["failed"]) == (120, 120, 0)
    assert res.source_docs == res.target_docs == 120
    assert res.retried == 50 + 25 + 25
    sent = [b["ids"] for b in proxy.bulks]
    assert len(sent) == 6  # 4 tries of the first request, then 2 clean ones: no client retry
    assert sent[1] == sent[0] and sent[2] == sent[0][0::2] and sent[3] == sent[2]
    assert sorted(i for s in (sent[0], sent[4], sent[5]) for i in s) == sorted(
        f"d{i}" for i in range(120)
    )
    # The resent items overwrote (version 2) instead of answering 409.
    target = res.target
    for doc_id in sent[0]:
        version = client.get(index=target, id=doc_id)["_version"]
        assert version == (2 if doc_id in sent[2] else 1), doc_id
    assert list(client.indices.get_alias(name=unique_name)) == [target]
    assert not _write_blocked(client, f"{unique_name}-v1")
    src = client.get(index=target, id="d7")["_source"]
    expected = enc.encode_documents([f"title 7\n{_text(7)}"]).dense[0]
    assert np.allclose(np.asarray(src["embedding"], dtype=np.float32), expected, atol=1e-6)
    assert src["body"] == {"de": _text(7), "neutral": _text(7)} and src["topic"] == "t2"


def test_copying_twice_into_the_same_target_overwrites(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    """A resent copy (the client resending a whole bulk, an operator rerunning) never 409s."""
    cfg = _cfg(unique_name, opensearch_url)
    apply(cfg, client=client, info=USE_INFO)
    _index_docs(client, unique_name, 40)
    enc = HashEncoder()
    ctx = Context.create(cfg, client, enc.info)
    target = f"{unique_name}-v9"
    client.indices.create(index=target, body=desired_spec(ctx).to_dict())
    sink = BulkSink(
        connect(cfg.cluster, retries=False), target, cfg.ingest.bulk, require_alias=False
    )
    reports = [
        bulk_copy(
            cfg,
            read_client=client,
            sink=sink,
            source=f"{unique_name}-v1",
            info=enc.info,
            encoder=enc,
            batch_size=16,
        )
        for _ in range(2)
    ]
    for rep in reports:
        assert (rep.read, rep.copied, rep.failed, rep.failures) == (40, 40, 0, [])
        assert rep.requests == 3  # pages of 16, 16, 8: one bulk each
    client.indices.refresh(index=target)
    assert client.count(index=target)["count"] == 40
    assert client.get(index=target, id="d0")["_version"] == 2


def test_documents_not_yet_refreshed_are_copied(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    """Before: 0 of 30 copied, counts "matched" (0 == 0) and the alias moved to an empty index."""
    index = {"name": unique_name, "refresh_interval": "-1"}
    apply(_cfg(unique_name, opensearch_url, index=index), client=client, info=USE_INFO)
    _index_docs(client, unique_name, 30, refresh=False)
    changed = _cfg(unique_name, opensearch_url, index=index, analyzers={"vi": "neutral"})
    res = migrate(changed, client=client, info=USE_INFO)
    assert res.copy["method"] == "reindex"
    assert res.source_docs == res.target_docs == res.copied == 30
    client.indices.refresh(index=res.target)
    assert client.count(index=res.target)["count"] == 30


def test_a_broken_vector_aborts_and_changes_nothing(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    apply(_cfg(unique_name, opensearch_url), client=client, info=USE_INFO)
    _index_docs(client, unique_name, 20, poison=13)
    enc = HashEncoder()
    with pytest.raises(MappingConflict) as err:
        migrate(_cfg(unique_name, opensearch_url), client=client, info=enc.info, encoder=enc)
    msg = str(err.value)
    assert "1 document(s) could not be copied" in msg and "(19 copied)" in msg
    assert "first 'd13': encoder_non_finite" in msg
    assert f"the alias still points to {unique_name}-v1" in msg
    _assert_untouched(client, unique_name, 20)


def test_an_item_the_new_mapping_refuses_aborts_with_its_id_and_reason(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    apply(_cfg(unique_name, opensearch_url), client=client, info=USE_INFO)
    _index_docs(client, unique_name, 20)
    # topic "t0".. cannot become an integer; re-embedding takes the bulk path.
    changed = _cfg(unique_name, opensearch_url, fields={"metadata": {"topic": "integer"}})
    enc = HashEncoder()
    with pytest.raises(MappingConflict) as err:
        migrate(changed, client=client, info=enc.info, encoder=enc)
    msg = str(err.value)
    assert "20 document(s) could not be copied" in msg and "(0 copied)" in msg
    assert "first 'd0': " in msg and "parsing_exception" in msg and "[topic]" in msg
    _assert_untouched(client, unique_name, 20)
    # The same change with the same encoder goes server-side and is checked the same way.
    with pytest.raises(MappingConflict, match=r"could not be copied .*parsing_exception"):
        migrate(changed, client=client, info=USE_INFO)
    _assert_untouched(client, unique_name, 20)


def test_a_language_added_to_the_config_gets_its_subfield(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    """Before: the server-side copy left German documents without ``body.de`` (0 hits)."""
    apply(_cfg(unique_name, opensearch_url, languages=["en", "vi"]), client=client, info=USE_INFO)
    _index_docs(client, unique_name, 9, langs=("en", "vi"))
    # indexed while en was not configured, and without a vector
    bare = indexed_source("bare", "en", {"body": "no vector"}, languages=("vi",))
    client.index(index=unique_name, id="bare", body=bare, refresh="true")
    res = migrate(_cfg(unique_name, opensearch_url), client=client, info=USE_INFO)
    assert res.copy["method"] == "bulk" and not res.reembedded and res.copied == 10
    assert client.get(index=res.target, id="bare")["_source"] == {
        **bare,
        "body": {"en": "no vector", "neutral": "no vector"},
    }  # copied as it was (no vector invented), with the subfield of its language
    hits = client.search(index=unique_name, body={"query": {"match": {"body.de": "passage"}}})
    assert hits["hits"]["total"]["value"] == 3
    old = client.get(index=f"{unique_name}-v1", id="d4")["_source"]["embedding"]
    new = client.get(index=unique_name, id="d4")["_source"]["embedding"]
    assert new == pytest.approx(old, abs=1e-6)  # same encoder: the vectors were kept


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, ["mappings", *args], catch_exceptions=False)


def test_nothing_to_migrate_is_a_noop_unless_forced(
    client: Any, unique_name: str, opensearch_url: str, tmp_path: Path
) -> None:
    data = _data(unique_name, opensearch_url)
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    cfg = parse_config(data)
    apply(cfg, client=client)
    _index_docs(client, unique_name, 12)
    res = migrate(cfg, client=client)
    assert res.noop and res.source == res.target == f"{unique_name}-v1"
    assert res.to_dict()["noop"] is True and res.source_docs == res.target_docs == 12
    assert not client.indices.exists(index=f"{unique_name}-v2")
    assert status(cfg, client=client).up_to_date

    out = _cli("migrate", "--config", str(spec))
    assert out.exit_code == 0, out.output
    assert out.output.strip() == (
        f"nothing to migrate: {unique_name}-v1 is up to date (use --force to rebuild)"
    )
    out = _cli("migrate", "--config", str(spec), "--json")
    assert json.loads(out.output)["noop"] is True
    assert not client.indices.exists(index=f"{unique_name}-v2")

    out = _cli("migrate", "--config", str(spec), "--force", "--json")
    assert out.exit_code == 0, out.output
    forced = json.loads(out.output)
    assert forced["noop"] is False and forced["target"] == f"{unique_name}-v2"
    assert forced["copy"]["copied"] == forced["source_docs"] == forced["target_docs"] == 12
    assert list(client.indices.get_alias(name=unique_name)) == [f"{unique_name}-v2"]
    # Another encoder with the same dimension: the spec hash is equal, the fingerprint not.
    other = dataclasses.replace(USE_INFO, model_id="another-512d-model")
    assert not status(cfg, client=client, info=other).up_to_date
    enc = HashEncoder()
    enc._info = other  # a real encoder, described as the other model
    res = migrate(cfg, client=client, info=other, encoder=enc)
    assert not res.noop and res.reembedded and res.target == f"{unique_name}-v3"


def test_migration_holder_names_the_lock_holder(client: Any, unique_name: str) -> None:
    assert migration_holder(client, unique_name) is None
    with migration_lock(client, unique_name):
        held = migration_holder(client, unique_name)
        assert held is not None
        assert held.startswith(f"{socket.gethostname()}:{os.getpid()} since 20")
        assert held.endswith("Z")
    assert migration_holder(client, unique_name) is None
    with migration_lock(client, unique_name, operation="prune"):
        assert str(migration_holder(client, unique_name)).endswith(", running prune")
    client.index(
        index=LOCK_INDEX,
        id=unique_name,
        body={"owner": "crashed", "started": 0},
        refresh="true",
    )
    try:
        assert migration_holder(client, unique_name) == "crashed since 1970-01-01T00:00:00Z"
    finally:
        client.delete(index=LOCK_INDEX, id=unique_name, refresh="true")
    assert migration_holder(client, unique_name) is None
