"""Index administration (thin I/O over :mod:`babelsearch.schema`): plan, apply, migrate, status.

The bodies and the plan are computed purely in :mod:`babelsearch.schema`; this package
only reads the live state, sends the resulting requests, and holds the migration lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Config
from ..types import Capabilities, EncoderInfo
from .apply import ApplyResult, Context, apply, desired_spec, plan, put_pipelines
from .live import IndexInfo, LiveState, Status, live_state
from .live import status as _status
from .migrate import LOCK_INDEX, MigrationResult, migrate, migration_lock

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

__all__ = [
    "LOCK_INDEX",
    "ApplyResult",
    "Context",
    "IndexInfo",
    "LiveState",
    "MigrationResult",
    "Status",
    "apply",
    "desired_spec",
    "live_state",
    "migrate",
    "migration_lock",
    "plan",
    "put_pipelines",
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
    return _status(cfg, ctx.client, desired_spec(ctx).meta["babelsearch"]["spec_hash"])
