"""Index administration (thin I/O over :mod:`babelsearch.schema`): plan, apply, migrate,
status, prune, rollback.

The bodies and the plan are computed purely in :mod:`babelsearch.schema`; this package
only reads the live state, sends the resulting requests, and holds the migration lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Config
from ..types import Capabilities, EncoderInfo
from .apply import ApplyResult, Context, apply, desired_spec, plan, put_pipelines
from .copy import CopyReport, bulk_copy, reindex_copy
from .live import IndexInfo, LiveState, Status, index_meta, live_state
from .live import status as _status
from .migrate import LOCK_INDEX, MigrationResult, migrate, migration_holder, migration_lock
from .versions import PruneResult, RollbackResult, prune, prune_plan, rollback

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

__all__ = [
    "LOCK_INDEX",
    "ApplyResult",
    "Context",
    "CopyReport",
    "IndexInfo",
    "LiveState",
    "MigrationResult",
    "PruneResult",
    "RollbackResult",
    "Status",
    "apply",
    "bulk_copy",
    "desired_spec",
    "index_meta",
    "live_state",
    "migrate",
    "migration_holder",
    "migration_lock",
    "plan",
    "prune",
    "prune_plan",
    "put_pipelines",
    "reindex_copy",
    "rollback",
    "status",
]


def status(
    cfg: Config,
    *,
    client: OpenSearch | None = None,
    info: EncoderInfo | None = None,
    caps: Capabilities | None = None,
) -> Status:
    """Alias, ``<alias>-v<N>`` indices with counts, and the write index's fingerprint."""
    ctx = Context.create(cfg, client, info, caps)
    desired = desired_spec(ctx).layout["spec_hash"]
    return _status(cfg, ctx.client, desired, ctx.info.fingerprint)
