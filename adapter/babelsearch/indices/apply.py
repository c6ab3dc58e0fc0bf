"""``plan`` and ``apply``: create the first index, or update the live one in place.

Apply is deliberately conservative: anything the plan classifies as needing a new
index is refused with :class:`~babelsearch.errors.MappingConflict` naming the reason,
because the only safe way to make such a change is a migration that copies (and if
needed re-embeds) every document while readers keep using the old index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cluster import capabilities, cluster_errors, connect
from ..config import Config
from ..errors import ClusterError, MappingConflict
from ..schema import (
    CreateIndex,
    IndexSpec,
    InPlaceUpdate,
    NeedsNewIndex,
    Plan,
    build_index_spec,
    pipeline_body,
    pipeline_names,
    plan_changes,
    versioned_name,
)
from ..types import Capabilities, EncoderInfo
from .live import live_state

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

__all__ = ["ApplyResult", "Context", "apply", "desired_spec", "plan", "put_pipelines"]

log = logging.getLogger("babelsearch.indices")


@dataclass
class Context:
    """Client, encoder info and capabilities, resolved once per command."""

    cfg: Config
    client: OpenSearch
    info: EncoderInfo
    caps: Capabilities

    @classmethod
    def create(
        cls,
        cfg: Config,
        client: OpenSearch | None = None,
        info: EncoderInfo | None = None,
        caps: Capabilities | None = None,
    ) -> Context:
        if info is None:
            from ..encoders import describe_encoder

            info = describe_encoder(cfg.encoder)
        client = client if client is not None else connect(cfg.cluster)
        return cls(cfg, client, info, caps if caps is not None else capabilities(client))


def desired_spec(ctx: Context) -> IndexSpec:
    return build_index_spec(ctx.cfg, ctx.info, ctx.caps)


def plan(
    cfg: Config,
    *,
    client: OpenSearch | None = None,
    info: EncoderInfo | None = None,
    caps: Capabilities | None = None,
) -> Plan:
    """Compare the spec with the alias's write index (or note that nothing exists yet)."""
    ctx = Context.create(cfg, client, info, caps)
    return _plan(ctx, desired_spec(ctx))


def _plan(ctx: Context, spec: IndexSpec) -> Plan:
    state = live_state(ctx.client, ctx.cfg.index.name)
    if state.write_index is None:
        return plan_changes(spec, None, versioned_name(ctx.cfg.index.name, state.next_version))
    return plan_changes(spec, state.write_body, state.write_index)


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    action: str
    """``created``, ``updated`` or ``unchanged``."""
    index: str | None
    pipelines: dict[str, str] = field(default_factory=dict)
    """Pipeline name -> ``put`` or why it was skipped."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "index": self.index,
            "plan": self.plan.to_dict(),
            "pipelines": dict(self.pipelines),
        }


def apply(
    cfg: Config,
    *,
    client: OpenSearch | None = None,
    info: EncoderInfo | None = None,
    caps: Capabilities | None = None,
) -> ApplyResult:
    """Create ``<alias>-v1`` behind the alias, or update in place; refuse anything else."""
    ctx = Context.create(cfg, client, info, caps)
    spec = desired_spec(ctx)
    p = _plan(ctx, spec)
    alias = cfg.index.name
    if isinstance(p, NeedsNewIndex):
        raise MappingConflict(
            f"{alias}: the spec needs a new index ({'; '.join(p.reasons)}); "
            "run `babelsearch mappings migrate`"
        )
    with cluster_errors(cfg.cluster.url):
        if isinstance(p, CreateIndex):
            body = spec.to_dict()
            body["aliases"] = {alias: {"is_write_index": True}}
            ctx.client.indices.create(index=p.index, body=body)
            action = "created"
        elif isinstance(p, InPlaceUpdate):
            if p.mapping_update:
                ctx.client.indices.put_mapping(index=p.index, body=p.mapping_update)
            if p.settings_update:
                ctx.client.indices.put_settings(index=p.index, body=p.settings_update)
            action = "updated"
        else:
            action = "unchanged"
    pipes = put_pipelines(ctx)
    return ApplyResult(plan=p, action=action, index=p.index, pipelines=pipes)


def put_pipelines(ctx: Context) -> dict[str, str]:
    """Put the fusion pipelines the cluster supports; report the others as skipped.

    A missing processor is not an error: the query side falls back to client-side
    fusion. A processor that rejects one technique (``z_score`` arrives in 3.0; 2.19
    answers "normalization technique is not supported") is reported, not fatal.
    """
    out: dict[str, str] = {}
    for kind, name in pipeline_names(ctx.cfg.index.name).items():
        # ``_nodes`` does not list phase-results processors, so the neural-search plugin
        # (and 2.19+ for RRF) is the signal; the PUT itself is the final check.
        neural = ctx.caps.hybrid_query or ctx.caps.normalization_processor
        if kind == "rrf":
            supported = ctx.caps.score_ranker_processor or (
                neural and ctx.caps.version_tuple[:2] >= (2, 19)
            )
        else:
            supported = neural
        if not supported:
            out[name] = "skipped: the cluster has no processor for it"
            continue
        try:
            with cluster_errors(ctx.cfg.cluster.url):
                ctx.client.search_pipeline.put(id=name, body=pipeline_body(kind))
            out[name] = "put"
        except ClusterError as exc:
            log.info("search pipeline %s not put: %s", name, exc)
            out[name] = f"skipped: {exc}"
    return out
