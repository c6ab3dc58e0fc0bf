"""Index administration entry points: ``plan``, ``apply``, ``migrate``, ``status``.

A stable, flat import path for callers (``from babelsearch.admin import apply``); the
implementation lives in :mod:`babelsearch.indices`, split by concern.
"""

from __future__ import annotations

from .indices import (
    LOCK_INDEX,
    ApplyResult,
    MigrationResult,
    Status,
    apply,
    migrate,
    migration_lock,
    plan,
    status,
)

__all__ = [
    "LOCK_INDEX",
    "ApplyResult",
    "MigrationResult",
    "Status",
    "apply",
    "migrate",
    "migration_lock",
    "plan",
    "status",
]
