"""Desired vs live: what ``apply`` may do in place, and what needs ``migrate`` (pure).

Why classify instead of just trying ``put_mapping``: OpenSearch rejects some changes
(a new analyzer for an existing field, another vector dimension) but silently accepts
others that would still be wrong -- documents indexed with one encoder's vectors
queried with another's. So the plan decides from the bodies, and every change comes
with a sentence a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .body import IndexSpec
from .meta import mappings_meta

__all__ = [
    "Change",
    "CreateIndex",
    "InPlaceUpdate",
    "NeedsNewIndex",
    "NothingToDo",
    "Plan",
    "plan_changes",
]


@dataclass(frozen=True)
class Change:
    """One difference between the spec and the live index."""

    path: str
    """``title.vi``, ``settings.number_of_replicas``, ``_meta.encoder``, ..."""
    detail: str
    in_place: bool

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "detail": self.detail, "in_place": self.in_place}


@dataclass(frozen=True)
class Plan:
    """Base of the four outcomes; ``kind`` is stable for ``--json`` and scripts."""

    kind: ClassVar[str] = "plan"
    index: str | None
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def reasons(self) -> list[str]:
        """Why a new index is needed (empty unless :class:`NeedsNewIndex`)."""
        return [c.detail for c in self.changes if not c.in_place]

    def summary(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "index": self.index,
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CreateIndex(Plan):
    kind: ClassVar[str] = "create"

    def summary(self) -> str:
        return f"no index behind the alias yet: apply creates {self.index}"


@dataclass(frozen=True)
class NothingToDo(Plan):
    kind: ClassVar[str] = "nothing_to_do"

    def summary(self) -> str:
        return f"{self.index} already matches the spec: nothing to do"


@dataclass(frozen=True)
class InPlaceUpdate(Plan):
    kind: ClassVar[str] = "in_place_update"
    mapping_update: dict[str, Any] = field(default_factory=dict)
    """Body for ``put_mapping`` (only the added fields, plus the new ``_meta``)."""
    settings_update: dict[str, Any] = field(default_factory=dict)
    """Body for ``put_settings`` (dynamic settings only); empty when unchanged."""

    def summary(self) -> str:
        return f"{self.index} can be updated in place: {len(self.changes)} change(s)"


@dataclass(frozen=True)
class NeedsNewIndex(Plan):
    kind: ClassVar[str] = "needs_new_index"

    def summary(self) -> str:
        return (
            f"{self.index} cannot be updated in place ({'; '.join(self.reasons)}); "
            "run `babelsearch mappings migrate`"
        )


def _s(value: Any) -> str:
    """Settings come back as strings (``"1"``, ``"true"``); compare on that form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(d: Mapping[str, Any]) -> str:
    if "properties" in d:
        return "object"
    t = str(d.get("type", "object"))
    if t == "text":
        return f"text, analyzer {d.get('analyzer', 'standard')}"
    if t == "knn_vector":
        return f"knn_vector, dimension {d.get('dimension')}"
    return t


def _knn_shape(d: Mapping[str, Any]) -> dict[str, Any]:
    method = dict(d.get("method") or {})
    params = dict(method.get("parameters") or {})
    return {
        "dimension": d.get("dimension"),
        "data_type": str(d.get("data_type") or "float").lower(),  # read back as "BYTE"
        "name": method.get("name"),
        "engine": method.get("engine"),
        "space_type": method.get("space_type") or d.get("space_type"),
        "m": params.get("m"),
        "ef_construction": params.get("ef_construction"),
        "encoder": params.get("encoder"),
    }


class _Diff:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.notes: list[str] = []

    def add(self, path: str, detail: str, in_place: bool) -> None:
        self.changes.append(Change(path, detail, in_place))

    def properties(
        self, desired: Mapping[str, Any], live: Mapping[str, Any], prefix: str
    ) -> dict[str, Any]:
        """Walk both trees; return the properties ``put_mapping`` must add."""
        additions: dict[str, Any] = {}
        for name, want in desired.items():
            path = f"{prefix}{name}"
            have = live.get(name)
            if have is None:
                additions[name] = want
                self.add(path, f"add field {path} ({_describe(want)})", True)
                continue
            if "properties" in want:
                if "properties" not in have or have.get("type") not in (None, "object"):
                    self.add(
                        path, f"{path} is {_describe(have)} live but an object in the spec", False
                    )
                    continue
                sub = self.properties(want["properties"], have["properties"], f"{path}.")
                if sub:
                    additions[name] = {"properties": sub}
                continue
            self.field(path, want, have)
        for name in live:
            if name not in desired:
                path = f"{prefix}{name}"
                self.notes.append(
                    f"{path} exists in the live index but not in the spec; it is kept "
                    "(migrate to drop it)"
                )
        return additions

    def field(self, path: str, want: Mapping[str, Any], have: Mapping[str, Any]) -> None:
        wt, ht = want.get("type"), have.get("type", "object")
        if wt != ht:
            self.add(path, f"{path} changes type from {ht} to {wt}", False)
            return
        if wt == "text":
            wa, ha = want.get("analyzer", "standard"), have.get("analyzer", "standard")
            if wa != ha:
                self.add(path, f"{path} changes analyzer from {ha} to {wa}", False)
            return
        if wt == "knn_vector":
            w, h = _knn_shape(want), _knn_shape(have)
            for key in w:
                if w[key] != h[key]:
                    self.add(path, f"{path}: {key} changes from {h[key]} to {w[key]}", False)
            return
        for key, value in want.items():
            if have.get(key) != value:
                self.add(path, f"{path}: {key} changes from {have.get(key)} to {value}", False)


def _live_index_settings(live: Mapping[str, Any]) -> dict[str, Any]:
    settings = live.get("settings") or {}
    index = settings.get("index") or {}
    return dict(index)


def plan_changes(desired: IndexSpec, live: Mapping[str, Any] | None, index: str) -> Plan:
    """Classify the difference between ``desired`` and one live index.

    ``live`` is the per-index entry of ``GET <alias>`` (``mappings``, ``settings``) for
    the alias's write index, or ``None`` when there is no index yet (``index`` is then
    the name ``apply`` would create).
    """
    if live is None:
        return CreateIndex(index=index)
    d = _Diff()
    mappings = live.get("mappings") or {}
    settings = _live_index_settings(live)

    # Encoder first: the single most important reason vectors must never be reused.
    live_meta = mappings_meta(mappings)
    want_meta = desired.layout
    if not live_meta:
        d.add(
            "_meta", "the live index has no babelsearch _meta (not created by babelsearch?)", False
        )
    elif live_meta.get("encoder") != want_meta["encoder"]:
        old, new = live_meta.get("encoder") or {}, want_meta["encoder"]
        d.add(
            "_meta.encoder",
            f"encoder changes from {old.get('model_id')} ({old.get('dimension')}-d) to "
            f"{new['model_id']} ({new['dimension']}-d): documents must be re-embedded",
            False,
        )
    additions = d.properties(desired.properties, mappings.get("properties") or {}, "")
    if mappings.get("dynamic", "strict") not in ("strict", None):
        d.add("mappings.dynamic", "the live mapping is not dynamic: strict", False)

    shards = desired.static_settings["number_of_shards"]
    if _s(settings.get("number_of_shards")) != _s(shards):
        d.add(
            "settings.number_of_shards",
            f"shards change from {settings.get('number_of_shards')} to {shards}",
            False,
        )
    if _s(settings.get("knn", "false")) != "true":
        d.add("settings.knn", "the live index was created without index.knn: true", False)
    have_sim = settings.get("similarity") or {}
    for name, definition in (desired.static_settings.get("similarity") or {}).items():
        live_def = have_sim.get(name)
        if live_def is None or {k: _s(v) for k, v in live_def.items()} != {
            k: _s(v) for k, v in definition.items()
        }:
            d.add(
                f"settings.similarity.{name}",
                f"similarity {name} changes from {live_def} to {definition}",
                False,
            )
    want_an = (desired.static_settings.get("analysis") or {}).get("analyzer") or {}
    have_an = (settings.get("analysis") or {}).get("analyzer") or {}
    for name, definition in want_an.items():
        if name not in have_an:
            d.add(f"settings.analysis.{name}", f"analyzer {name} is not defined live", False)
        elif {k: v for k, v in have_an[name].items()} != {
            k: v if not isinstance(v, bool | int) else _s(v) for k, v in definition.items()
        }:
            d.add(
                f"settings.analysis.{name}",
                f"analyzer {name} changes from {have_an[name]} to {definition}",
                False,
            )

    settings_update: dict[str, Any] = {}
    for key, value in desired.dynamic_settings.items():
        if _s(settings.get(key)) != _s(value):
            settings_update[key] = value
            d.add(f"settings.{key}", f"{key} changes from {settings.get(key)} to {value}", True)

    blocking = [c for c in d.changes if not c.in_place]
    if blocking:
        return NeedsNewIndex(index=index, changes=tuple(d.changes), notes=tuple(d.notes))
    meta_changed = live_meta != want_meta
    if not d.changes and not meta_changed:
        return NothingToDo(index=index, notes=tuple(d.notes))
    if meta_changed and not additions:
        d.add("_meta", "refresh the spec description in _meta", True)
    mapping_update: dict[str, Any] = {"_meta": desired.meta}
    if additions:
        mapping_update["properties"] = additions
    return InPlaceUpdate(
        index=index,
        changes=tuple(d.changes),
        notes=tuple(d.notes),
        mapping_update=mapping_update,
        settings_update={"index": settings_update} if settings_update else {},
    )
