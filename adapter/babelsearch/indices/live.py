"""Reading what is on the cluster: the alias, its versioned indices, their bodies.

Thin I/O: every function is one or two GETs turned into plain values, so ``plan``,
``apply``, ``migrate`` and ``status`` all see the cluster the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cluster import cluster_errors
from ..config import Config
from ..errors import MappingConflict
from ..schema import index_meta, parse_version, write_index_of

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

__all__ = ["IndexInfo", "LiveState", "Status", "index_meta", "live_state", "move_alias", "status"]


@dataclass(frozen=True)
class IndexInfo:
    """One ``<alias>-v<N>`` index as ``status`` reports it."""

    name: str
    version: int
    docs: int
    in_alias: bool
    is_write: bool
    fingerprint: dict[str, Any] | None
    spec_hash: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "docs": self.docs,
            "in_alias": self.in_alias,
            "is_write": self.is_write,
            "fingerprint": self.fingerprint,
            "spec_hash": self.spec_hash,
        }


@dataclass(frozen=True)
class LiveState:
    """The alias and every versioned index of it, with the write index's body."""

    alias: str
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Index name -> ``GET`` entry (``aliases``, ``mappings``, ``settings``)."""
    write_index: str | None = None

    @property
    def versions(self) -> dict[str, int]:
        out = {}
        for name in self.indices:
            v = parse_version(self.alias, name)
            if v is not None:
                out[name] = v
        return out

    @property
    def next_version(self) -> int:
        return max(self.versions.values(), default=0) + 1

    def in_alias(self, name: str) -> bool:
        return self.alias in (self.indices.get(name, {}).get("aliases") or {})

    @property
    def write_body(self) -> dict[str, Any] | None:
        return self.indices.get(self.write_index) if self.write_index else None


def live_state(client: OpenSearch, alias: str) -> LiveState:
    """``GET <alias>-v*,<alias>``: indices behind (or left over from) the alias.

    A concrete index named like the alias is refused: babelsearch manages versioned
    indices behind an alias, and writing "through" a plain index would hide that.
    """
    with cluster_errors():
        if client.indices.exists(index=alias) and not client.indices.exists_alias(name=alias):
            raise MappingConflict(
                f"{alias!r} is a concrete index, not an alias; babelsearch manages "
                f"{alias}-v<N> indices behind an alias named {alias!r} (reindex or rename it)"
            )
        resp = client.indices.get(
            index=f"{alias}-v*,{alias}", ignore_unavailable=True, allow_no_indices=True
        )
    indices = {
        str(name): body
        for name, body in resp.items()
        if parse_version(alias, str(name)) is not None or alias in (body.get("aliases") or {})
    }
    write = write_index_of(alias, indices)
    return LiveState(alias=alias, indices=indices, write_index=write)


def move_alias(client: OpenSearch, state: LiveState, index: str, url: str | None = None) -> None:
    """Point the alias (reads and writes) at ``index`` only, in one atomic ``_aliases`` call."""
    actions: list[dict[str, Any]] = [
        {"remove": {"index": name, "alias": state.alias}}
        for name in state.indices
        if state.in_alias(name)
    ]
    actions.append({"add": {"index": index, "alias": state.alias, "is_write_index": True}})
    with cluster_errors(url):
        client.indices.update_aliases(body={"actions": actions})


@dataclass(frozen=True)
class Status:
    """What ``babelsearch mappings status`` prints."""

    alias: str
    indices: tuple[IndexInfo, ...]
    write_index: str | None
    fingerprint: dict[str, Any] | None
    spec_hash: str | None
    desired_spec_hash: str
    up_to_date: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "write_index": self.write_index,
            "indices": [i.to_dict() for i in self.indices],
            "fingerprint": self.fingerprint,
            "spec_hash": self.spec_hash,
            "desired_spec_hash": self.desired_spec_hash,
            "up_to_date": self.up_to_date,
        }


def status(
    cfg: Config,
    client: OpenSearch,
    desired_hash: str,
    desired_fingerprint: dict[str, Any] | None = None,
) -> Status:
    """Alias, indices with document counts, and the write index's fingerprint.

    ``up_to_date`` means what ``migrate`` treats as nothing to do: the same spec hash
    and (when ``desired_fingerprint`` is given) the same encoder fingerprint, because
    the hash covers the vector dimension but not which model made the vectors.
    """
    state = live_state(client, cfg.index.name)
    infos = []
    for name, version in sorted(state.versions.items(), key=lambda kv: kv[1]):
        with cluster_errors():
            docs = int(client.count(index=name)["count"])
        meta = index_meta(state.indices[name])
        infos.append(
            IndexInfo(
                name=name,
                version=version,
                docs=docs,
                in_alias=state.in_alias(name),
                is_write=name == state.write_index,
                fingerprint=meta.get("encoder"),
                spec_hash=meta.get("spec_hash"),
            )
        )
    write_meta = index_meta(state.write_body)
    return Status(
        alias=cfg.index.name,
        indices=tuple(infos),
        write_index=state.write_index,
        fingerprint=write_meta.get("encoder"),
        spec_hash=write_meta.get("spec_hash"),
        desired_spec_hash=desired_hash,
        up_to_date=write_meta.get("spec_hash") == desired_hash
        and (desired_fingerprint is None or write_meta.get("encoder") == desired_fingerprint),
    )
