"""The index layout as read back from a cluster: ``_meta`` and the alias's write index.

Pure, like the rest of :mod:`babelsearch.schema`: functions of the bodies OpenSearch
returns, so the mapping planner, ingest, migration and status read them the same way
(there was a parse of ``_meta.babelsearch`` in four modules, and two write-index rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import MappingConflict

__all__ = ["META_KEY", "index_meta", "mappings_meta", "write_index_of"]

META_KEY = "babelsearch"
"""The key under ``mappings._meta`` that holds what babelsearch built the index with."""


def mappings_meta(mappings: Mapping[str, Any] | None) -> dict[str, Any]:
    """``_meta.babelsearch`` of a mappings body (empty when absent): spec hash, encoder
    fingerprint, languages and sparse flag the index was built with."""
    return dict(((mappings or {}).get("_meta") or {}).get(META_KEY) or {})


def index_meta(body: Mapping[str, Any] | None) -> dict[str, Any]:
    """The same, from a ``GET <index>`` or ``GET <index>/_mapping`` entry."""
    return mappings_meta((body or {}).get("mappings"))


def write_index_of(alias: str, indices: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The index ``alias`` writes to, from a response mapping index → ``{"aliases": ...}``
    (``GET <alias>`` or ``GET _alias/<alias>``); ``None`` when no index holds the alias.

    One index behind the alias is its write index; with several, the one flagged
    ``is_write_index``; several and none flagged is an error (writes would be refused).
    """
    holding = [str(n) for n, b in indices.items() if alias in (b.get("aliases") or {})]
    if len(holding) == 1:
        return holding[0]
    for name in holding:
        if ((indices[name].get("aliases") or {}).get(alias) or {}).get("is_write_index"):
            return name
    if holding:
        raise MappingConflict(
            f"alias {alias!r} points to {sorted(holding)} and none is the write index"
        )
    return None
