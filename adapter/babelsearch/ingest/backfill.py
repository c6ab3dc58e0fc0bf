"""Backfill mode: relax refresh and replicas on the write index during a big load.

Why: with ``refresh_interval: -1`` and no replicas, a bulk load writes each document
once, without making segments searchable every second -- typically several times
faster. The previous values are remembered (also in the checkpoint, so a killed run
can be restored by the next one) and put back in a ``finally``.
"""

from __future__ import annotations

from typing import Any

from ..cluster import cluster_errors
from ..errors import IngestError
from ..schema import write_index_of

__all__ = ["begin_backfill", "end_backfill", "write_index"]

_KEYS = ("index.refresh_interval", "index.number_of_replicas")


def write_index(client: Any, alias: str) -> str:
    """The concrete index an alias writes to (the rule: :func:`schema.write_index_of`)."""
    with cluster_errors():
        resp = client.indices.get_alias(name=alias)
    index = write_index_of(alias, resp)
    if index is None:
        raise IngestError(f"alias {alias!r} points to no index")
    return index


def begin_backfill(client: Any, alias: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    """Relax the settings; returns what to restore (``previous`` wins when resuming)."""
    index = write_index(client, alias)
    with cluster_errors():
        resp = client.indices.get_settings(index=index, flat_settings=True)
        settings = resp[index]["settings"]
        restore = previous or {
            "index": index,
            "settings": {k: settings.get(k) for k in _KEYS},
        }
        client.indices.put_settings(
            index=index,
            body={"index.refresh_interval": "-1", "index.number_of_replicas": 0},
        )
    return restore


def end_backfill(client: Any, restore: dict[str, Any]) -> None:
    """Put the remembered values back (``None`` resets a setting to its default), refresh."""
    index = restore["index"]
    with cluster_errors():
        client.indices.put_settings(index=index, body=dict(restore["settings"]))
        client.indices.refresh(index=index)
