"""babelsearch: multilingual, cross-lingual hybrid search on an existing OpenSearch cluster.

Importing this package is cheap: heavy pieces (encoders, opensearch-py, torch) are
imported lazily by the attribute that needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import Config, load_config
from .errors import (
    BabelsearchError,
    ClusterError,
    ConfigError,
    EncoderError,
    IngestError,
    MappingConflict,
    QueryError,
)

__version__ = "0.1.0"

__all__ = [
    "AsyncSearcher",
    "BabelsearchError",
    "ClusterError",
    "Config",
    "ConfigError",
    "EncoderError",
    "IngestError",
    "Ingestor",
    "MappingConflict",
    "QueryError",
    "Searcher",
    "__version__",
    "load_config",
]

_LAZY = {
    "Ingestor": ("babelsearch.ingest", "Ingestor"),
    "Searcher": ("babelsearch.query", "Searcher"),
    "AsyncSearcher": ("babelsearch.query", "AsyncSearcher"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .ingest import Ingestor
    from .query import AsyncSearcher, Searcher


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'babelsearch' has no attribute {name!r}")
