"""Index administration entry points: ``plan``, ``apply``, ``migrate``, ``status``,
``prune``, ``rollback``.

A stable, flat import path for callers (``from babelsearch.admin import apply``); the
implementation lives in :mod:`babelsearch.indices`, split by concern.
"""

from __future__ import annotations

from .indices import (
    LOCK_INDEX,
    ApplyResult,
    MigrationResult,
    PruneResult,
    RollbackResult,
    Status,
    apply,
    migrate,
    migration_holder,
    migration_lock,
    plan,
    prune,
    rollback,
    status,
)

__all__ = [
    "LOCK_INDEX",
    "ApplyResult",
    "MigrationResult",
    "PruneResult",
    "RollbackResult",
    "Status",
    "apply",
    "migrate",
    "migration_holder",
    "migration_lock",
    "plan",
    "prune",
    "rollback",
    "status",
]
