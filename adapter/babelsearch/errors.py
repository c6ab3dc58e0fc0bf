"""One error tree for the whole library.

Library code raises only these; the CLI is the single place that turns them into
one-line, friendly messages. Each class says *what kind* of failure it is, so that
callers (and the retry layer in the ingest sink) can decide what to do by type,
never by parsing messages.
"""

from __future__ import annotations

__all__ = [
    "BabelsearchError",
    "ClusterAuthError",
    "ClusterError",
    "ClusterUnavailable",
    "ConfigError",
    "EncoderError",
    "IngestError",
    "LanguageError",
    "MappingConflict",
    "MigrationInProgress",
    "NodeError",
    "QueryError",
]


class BabelsearchError(Exception):
    """Base of every error babelsearch raises on purpose."""


class ConfigError(BabelsearchError):
    """The configuration (YAML or arguments) is invalid; the message names the path."""


class ClusterError(BabelsearchError):
    """The cluster answered with an error we cannot fix by retrying."""


class ClusterUnavailable(ClusterError):
    """The cluster could not be reached (connection refused, TLS failure, timeout)."""


class ClusterAuthError(ClusterError):
    """Authentication or authorization failed (401/403); never retried."""


class MappingConflict(BabelsearchError):
    """The desired mapping cannot be applied in place; a migration is needed."""


class MigrationInProgress(MappingConflict):
    """Another migration holds the lock for this alias."""


class EncoderError(BabelsearchError):
    """An encoder could not be loaded or failed to encode."""


class LanguageError(BabelsearchError):
    """A language is unknown or has no analyzer and no configured fallback."""


class IngestError(BabelsearchError):
    """A fatal ingest failure (not a per-record problem, which goes to the dead-letter file)."""


class QueryError(BabelsearchError):
    """A search request is invalid (bad k, unknown filter field, ...)."""


class NodeError(BabelsearchError):
    """The local development node could not be assembled, started or stopped."""
