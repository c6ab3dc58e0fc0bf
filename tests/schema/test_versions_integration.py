"""``prune`` and ``rollback`` of ``<alias>-v<N>`` indices, library and CLI, on the real node."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.config import parse_config
from babelsearch.errors import MappingConflict, MigrationInProgress
from babelsearch.indices import (
    LOCK_INDEX,
    apply,
    live_state,
    migrate,
    migration_lock,
    prune,
    prune_plan,
    rollback,
)

from .helpers import USE_INFO, indexed_source
from .test_migrate_bulk_integration import _data, _index_docs

pytestmark = pytest.mark.integration


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, ["mappings", *args], catch_exceptions=False)


def _spec(tmp_path: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


def _indices(client: Any, alias: str) -> list[str]:
    return sorted(live_state(client, alias).versions, key=lambda n: int(n.rsplit("v", 1)[1]))


def _aliased(client: Any, alias: str) -> list[str]:
    return list(client.indices.get_alias(name=alias))


def test_prune_keeps_the_newest_and_never_the_alias(
    client: Any, unique_name: str, opensearch_url: str, tmp_path: Path
) -> None:
    data = _data(unique_name, opensearch_url)
    cfg = parse_config(data)
    spec = _spec(tmp_path, data)
    apply(cfg, client=client, info=USE_INFO)
    _index_docs(client, unique_name, 5)
    for _ in range(3):
        migrate(cfg, client=client, info=USE_INFO, force=True)
    v = [f"{unique_name}-v{i}" for i in range(1, 5)]
    assert _indices(client, unique_name) == v and _aliased(client, unique_name) == [v[3]]

    out = _cli("prune", "--config", str(spec), "--keep", "1", "--dry-run")
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [
        f"would delete {v[0]}",
        f"would delete {v[1]}",
        f"kept {v[2]}",
    ]
    assert _indices(client, unique_name) == v  # a dry run deletes nothing

    out = _cli("prune", "--config", str(spec), "--keep", "1")
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [f"deleted {v[0]}", f"deleted {v[1]}", f"kept {v[2]}"]
    assert _indices(client, unique_name) == v[2:]

    res = prune(cfg, keep=0, client=client)
    assert (res.deleted, res.kept, res.write_index) == ((v[2],), (), v[3])
    assert _indices(client, unique_name) == [v[3]]  # --keep 0 still never takes the write index
    out = _cli("prune", "--config", str(spec), "--keep", "0", "--json")
    assert json.loads(out.output) == {
        "alias": unique_name,
        "write_index": v[3],
        "deleted": [],
        "kept": [],
        "dry_run": False,
    }
    out = _cli("prune", "--config", str(spec))
    assert out.output.strip() == f"nothing to prune: {unique_name} -> {v[3]}"
    assert client.count(index=unique_name)["count"] == 5
    out = _cli("prune", "--config", str(spec), "--keep", "-1")
    assert out.exit_code == 2 and "-1 is not in the range x>=0" in out.output


def test_prune_plan_counts_versions_newer_than_the_write_index_too(
    client: Any, unique_name: str, opensearch_url: str
) -> None:
    """After a rollback the newer index is outside the alias: ranked by version like any other."""
    cfg = parse_config(_data(unique_name, opensearch_url))
    apply(cfg, client=client, info=USE_INFO)
    _index_docs(client, unique_name, 3)
    migrate(cfg, client=client, info=USE_INFO, force=True)
    migrate(cfg, client=client, info=USE_INFO, force=True)
    rollback(cfg, client=client, info=USE_INFO)  # alias -> v2; v1 and v3 outside
    state = live_state(client, unique_name)
    assert state.write_index == f"{unique_name}-v2"
    assert prune_plan(state, 1) == ([f"{unique_name}-v1"], [f"{unique_name}-v3"])
    assert prune_plan(state, 5) == ([], [f"{unique_name}-v3", f"{unique_name}-v1"])
    with pytest.raises(MappingConflict, match="--keep must be 0 or more"):
        prune_plan(state, -1)


def test_prune_waits_for_a_running_migration_and_needs_the_alias(
    client: Any, unique_name: str, opensearch_url: str, tmp_path: Path
) -> None:
    data = _data(unique_name, opensearch_url)
    cfg = parse_config(data)
    with pytest.raises(MappingConflict, match="does not exist: nothing is protected"):
        prune(cfg, keep=0, client=client)
    apply(cfg, client=client, info=USE_INFO)
    # A migration's half-built index sits outside the alias while it copies.
    client.indices.create(index=f"{unique_name}-v2")
    with migration_lock(client, unique_name):
        with pytest.raises(MigrationInProgress, match="already running"):
            prune(cfg, keep=0, client=client)
        out = _cli("prune", "--config", str(_spec(tmp_path, data)), "--keep", "0")
        assert out.exit_code == 1 and out.output.startswith("Error: a migration of")
        assert prune(cfg, keep=0, client=client, dry_run=True).deleted == (f"{unique_name}-v2",)
        assert client.indices.exists(index=f"{unique_name}-v2")
    assert not client.exists(index=LOCK_INDEX, id=unique_name)
    assert prune(cfg, keep=0, client=client).deleted == (f"{unique_name}-v2",)


def test_rollback_moves_reads_and_writes_back_and_refuses_past_the_oldest(
    client: Any, unique_name: str, opensearch_url: str, tmp_path: Path
) -> None:
    base = parse_config(_data(unique_name, opensearch_url))
    apply(base, client=client)  # the configured encoder, as the CLI describes it
    _index_docs(client, unique_name, 6)
    with pytest.raises(MappingConflict, match=f"nothing to roll back to: {unique_name}-v1 is"):
        rollback(base, client=client)
    changed_data = _data(unique_name, opensearch_url, analyzers={"vi": "neutral"})
    changed = parse_config(changed_data)
    migrate(changed, client=client)
    client.index(
        index=unique_name,
        id="new",
        body=indexed_source("new", "en", {}, languages=(), embedding=[1.0] + [0.0] * 511),
        refresh="true",
    )
    assert client.count(index=f"{unique_name}-v2")["count"] == 7

    out = _cli("rollback", "--config", str(_spec(tmp_path, changed_data)))
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == (
        f"rolled back {unique_name}: {unique_name}-v2 -> {unique_name}-v1 (6 documents); "
        f"{unique_name}-v2 kept"
    )
    assert any("does not match the configured spec" in line for line in lines[1:])
    assert any("holds 7 documents" in line and "stay in" in line for line in lines[1:])
    state = live_state(client, unique_name)
    assert _aliased(client, unique_name) == [f"{unique_name}-v1"]
    assert state.write_index == f"{unique_name}-v1" and client.indices.exists(
        index=f"{unique_name}-v2"
    )
    after = indexed_source("after", "en", {}, languages=())
    client.index(index=unique_name, id="after", body=after, refresh="true")
    assert client.exists(index=f"{unique_name}-v1", id="after")
    assert not client.exists(index=f"{unique_name}-v2", id="after")
    # Past -v1 there is nothing left, whatever the config says.
    with pytest.raises(MappingConflict, match="is the oldest version"):
        rollback(base, client=client)
    out = _cli("rollback", "--config", str(_spec(tmp_path, changed_data)))
    assert out.exit_code == 1 and out.output.startswith("Error: nothing to roll back to")
    assert not client.exists(index=LOCK_INDEX, id=unique_name)


def test_rollback_refuses_an_index_built_for_another_encoder_unless_forced(
    client: Any, unique_name: str, opensearch_url: str, tmp_path: Path
) -> None:
    from babelsearch.encoders import describe_encoder

    data = _data(unique_name, opensearch_url)
    cfg = parse_config(data)
    spec = _spec(tmp_path, data)
    old = dataclasses.replace(USE_INFO, model_id="old-encoder", dimension=8)
    apply(cfg, client=client, info=old)
    _index_docs(client, unique_name, 6, dim=8)
    res = migrate(cfg, client=client, info=describe_encoder(cfg.encoder))
    assert res.reembedded and res.target == f"{unique_name}-v2"

    with pytest.raises(MappingConflict) as err:
        rollback(cfg, client=client)
    msg = str(err.value)
    assert f"refusing to roll back {unique_name!r} to {unique_name}-v1" in msg
    assert "built for encoder use:old-encoder (8-d, cosine)" in msg and "pass --force" in msg
    out = _cli("rollback", "--config", str(spec))
    assert out.exit_code == 1 and out.output.startswith("Error: refusing to roll back")
    assert _aliased(client, unique_name) == [f"{unique_name}-v2"]
    # The config that names the old encoder may roll back without --force.
    assert rollback(cfg, client=client, info=old).to_index == f"{unique_name}-v1"
    migrate(cfg, client=client, info=describe_encoder(cfg.encoder))  # back on the new one
    assert _aliased(client, unique_name) == [f"{unique_name}-v3"]
    # The previous version of -v3 is -v2, built for the new encoder: now the old one is wrong.
    with pytest.raises(MappingConflict, match=f"to {unique_name}-v2: {unique_name}-v2 was built"):
        rollback(cfg, client=client, info=old)
    res2 = rollback(cfg, client=client)
    assert (res2.to_index, res2.forced, res2.notes) == (f"{unique_name}-v2", False, ())
    assert _aliased(client, unique_name) == [f"{unique_name}-v2"]


def test_rollback_force_overrides_the_encoder_check(
    client: Any, unique_name: str, opensearch_url: str, tmp_path: Path
) -> None:
    from babelsearch.encoders import describe_encoder

    data = _data(unique_name, opensearch_url)
    cfg = parse_config(data)
    old = dataclasses.replace(USE_INFO, model_id="old-encoder", dimension=8)
    apply(cfg, client=client, info=old)
    _index_docs(client, unique_name, 4, dim=8)
    migrate(cfg, client=client, info=describe_encoder(cfg.encoder))
    out = _cli("rollback", "--config", str(_spec(tmp_path, data)), "--force", "--json")
    assert out.exit_code == 0, out.output
    res = json.loads(out.output)
    assert (res["from"], res["to"], res["forced"]) == (
        f"{unique_name}-v2",
        f"{unique_name}-v1",
        True,
    )
    assert res["notes"][0].startswith(f"forced: {unique_name}-v1 was built for encoder")
    assert _aliased(client, unique_name) == [f"{unique_name}-v1"]
