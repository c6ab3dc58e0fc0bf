"""``migrate``: build ``<alias>-v<N+1>`` from the spec, copy, verify, swap the alias.

Why this order: readers keep querying the alias (the old index) until the new index
is complete, refreshed and counted; then one ``_aliases`` call moves the alias, which
OpenSearch applies atomically, so no reader ever sees a half-filled index. The old
index is kept for rollback. Writes to the old index are blocked during the copy, so
the count check is meaningful and no document written mid-copy is lost (a writer gets
a clear ``cluster_block_exception`` instead).

Vectors are copied only when the encoder fingerprint is unchanged; otherwise every
chunk is re-embedded from its ``_source`` text with the new encoder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..cluster import cluster_errors
from ..config import Config
from ..errors import ClusterError, MappingConflict, MigrationInProgress
from ..types import NEUTRAL, Capabilities, EncoderInfo
from .apply import Context, desired_spec, put_pipelines
from .live import live_state

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

    from ..encoders import Encoder

__all__ = ["LOCK_INDEX", "MigrationResult", "migrate", "migration_lock"]

log = logging.getLogger("babelsearch.indices")

LOCK_INDEX = "babelsearch-locks"
"""Cluster-side lock documents (one per alias), so two hosts cannot migrate at once."""


@contextlib.contextmanager
def migration_lock(client: OpenSearch, alias: str, *, break_lock: bool = False) -> Iterator[str]:
    """Hold the migration lock for ``alias``; :class:`MigrationInProgress` if taken.

    ``op_type=create`` makes taking the lock a single atomic compare-and-set on the
    cluster; the lock is released in ``finally`` even when the migration fails.
    ``break_lock`` first removes a lock left by a crashed run (an operator's decision).
    """
    from opensearchpy import exceptions as ox

    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    with cluster_errors():
        if not client.indices.exists(index=LOCK_INDEX):
            try:
                client.indices.create(
                    index=LOCK_INDEX,
                    body={"settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}}},
                )
            except ox.RequestError as exc:  # created concurrently by another migrate
                if "resource_already_exists" not in str(exc.error):
                    raise
    if break_lock:
        with cluster_errors():
            client.delete(index=LOCK_INDEX, id=alias, refresh="true", ignore=[404])
    try:
        with cluster_errors():
            client.index(
                index=LOCK_INDEX,
                id=alias,
                body={"alias": alias, "owner": token, "started": time.time()},
                op_type="create",
                refresh="true",
            )
    except ClusterError as exc:
        if "409" not in str(exc) and "version_conflict" not in str(exc):
            raise
        held = _lock_owner(client, alias)
        raise MigrationInProgress(
            f"a migration of {alias!r} is already running ({held}); wait for it, or if it "
            "crashed, rerun with --break-lock"
        ) from None
    try:
        yield token
    finally:
        try:
            with cluster_errors():
                client.delete(index=LOCK_INDEX, id=alias, refresh="true")
        except ClusterError:
            log.warning("could not release the migration lock for %s", alias, exc_info=True)


def _lock_owner(client: OpenSearch, alias: str) -> str:
    try:
        with cluster_errors():
            src = client.get(index=LOCK_INDEX, id=alias)["_source"]
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(src["started"])))
        return f"held by {src.get('owner')} since {started}"
    except (ClusterError, KeyError, ValueError, TypeError):
        return "lock holder unknown"


@dataclass(frozen=True)
class MigrationResult:
    alias: str
    source: str
    target: str
    source_docs: int
    target_docs: int
    reembedded: bool
    seconds: float
    pipelines: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "source": self.source,
            "target": self.target,
            "source_docs": self.source_docs,
            "target_docs": self.target_docs,
            "reembedded": self.reembedded,
            "seconds": round(self.seconds, 3),
            "pipelines": dict(self.pipelines),
        }


def migrate(
    cfg: Config,
    *,
    client: OpenSearch | None = None,
    info: EncoderInfo | None = None,
    caps: Capabilities | None = None,
    encoder: Encoder | None = None,
    batch_size: int = 256,
    break_lock: bool = False,
) -> MigrationResult:
    """Move the alias to a fresh index built from ``cfg``, copying every document."""
    ctx = Context.create(cfg, client, info, caps)
    alias = cfg.index.name
    started = time.perf_counter()
    with migration_lock(ctx.client, alias, break_lock=break_lock):
        state = live_state(ctx.client, alias)
        source = state.write_index
        if source is None:
            raise MappingConflict(
                f"alias {alias!r} does not exist yet: run `babelsearch mappings apply` first"
            )
        spec = desired_spec(ctx)
        target = f"{alias}-v{state.next_version}"
        old_meta = (state.indices[source].get("mappings") or {}).get("_meta") or {}
        old_fp = (old_meta.get("babelsearch") or {}).get("encoder")
        reembed = old_fp != ctx.info.fingerprint
        old_langs = set((old_meta.get("babelsearch") or {}).get("languages") or [])
        old_sparse = bool((old_meta.get("babelsearch") or {}).get("sparse"))
        server_side = not reembed and old_langs <= set(cfg.languages)
        server_side = server_side and (not old_sparse or (cfg.sparse and ctx.info.sparse))
        with cluster_errors(cfg.cluster.url):
            ctx.client.indices.create(index=target, body=spec.to_dict())
        _set_write_block(ctx.client, source, True)
        swapped = False
        try:
            if server_side:
                _copy_reindex(ctx, source, target)
            else:
                enc = encoder
                if reembed and enc is None:
                    from ..encoders import get_encoder

                    enc = get_encoder(cfg.encoder)
                _copy_scroll(ctx, source, target, enc if reembed else None, batch_size)
            with cluster_errors(cfg.cluster.url):
                ctx.client.indices.refresh(index=target)
                src_n = int(ctx.client.count(index=source)["count"])
                dst_n = int(ctx.client.count(index=target)["count"])
            if src_n != dst_n:
                raise MappingConflict(
                    f"migration copied {dst_n} of {src_n} documents into {target}; the alias "
                    f"still points to {source} and {target} was deleted (retry the migration)"
                )
            actions: list[dict[str, Any]] = [
                {"remove": {"index": name, "alias": alias}}
                for name in state.indices
                if state.in_alias(name)
            ]
            actions.append({"add": {"index": target, "alias": alias, "is_write_index": True}})
            with cluster_errors(cfg.cluster.url):
                ctx.client.indices.update_aliases(body={"actions": actions})
            swapped = True
        finally:
            _set_write_block(ctx.client, source, False)
            if not swapped:
                _drop_quietly(ctx.client, target)
    pipes = put_pipelines(ctx)
    return MigrationResult(
        alias=alias,
        source=source,
        target=target,
        source_docs=src_n,
        target_docs=dst_n,
        reembedded=reembed,
        seconds=time.perf_counter() - started,
        pipelines=pipes,
    )


def _drop_quietly(client: OpenSearch, index: str) -> None:
    """Remove a half-built target so a retry starts clean (never hides the real error)."""
    try:
        with cluster_errors():
            client.indices.delete(index=index, ignore_unavailable=True)
    except ClusterError:
        log.warning("could not delete the unfinished index %s", index, exc_info=True)


def _set_write_block(client: OpenSearch, index: str, on: bool) -> None:
    with cluster_errors():
        client.indices.put_settings(
            index=index, body={"index": {"blocks": {"write": True if on else None}}}
        )


def _copy_reindex(ctx: Context, source: str, target: str) -> None:
    """Same encoder: let the cluster copy ``_source`` (vectors included) server-side."""
    with cluster_errors(ctx.cfg.cluster.url):
        resp = ctx.client.reindex(
            body={"source": {"index": source}, "dest": {"index": target, "op_type": "create"}},
            wait_for_completion=True,
            refresh=True,
            request_timeout=3600,
        )
    failures = resp.get("failures") or []
    if failures:
        first = failures[0]
        cause = first.get("cause") or {}
        raise MappingConflict(
            f"reindex into {target} failed for {len(failures)} document(s), first "
            f"{first.get('id')}: {cause.get('type')}: {cause.get('reason')}"
        )


def _texts(src: dict[str, Any], text_fields: tuple[str, ...]) -> str:
    """The dense input the ingestor used: the chunk's text fields joined with a newline."""
    parts = []
    for name in text_fields:
        value = src.get(name)
        if isinstance(value, dict):
            text = value.get(NEUTRAL) or next((v for v in value.values() if v), "")
            if text:
                parts.append(str(text))
    return "\n".join(parts)


def _rewrite(src: dict[str, Any], cfg: Config, keep_sparse: bool) -> dict[str, Any]:
    """Drop what the new spec has no field for (removed language subfields, sparse)."""
    out = dict(src)
    if not keep_sparse:
        out.pop("sparse", None)
    langs = set(cfg.languages) | {NEUTRAL}
    for name in cfg.fields.text:
        value = out.get(name)
        if isinstance(value, dict):
            out[name] = {k: v for k, v in value.items() if k in langs}
    return out


def _copy_scroll(
    ctx: Context, source: str, target: str, encoder: Encoder | None, batch_size: int
) -> None:
    """Scroll the old index and bulk into the new one, re-embedding when ``encoder`` is given.

    With an encoder, old vectors (dense and sparse) are dropped and every chunk is
    encoded again from its text; without one (same fingerprint) vectors are kept and
    only fields the new spec no longer has are dropped.
    """
    import numpy as np

    if encoder is not None and encoder.info.fingerprint != ctx.info.fingerprint:
        raise MappingConflict("the encoder given to migrate does not match the spec's encoder")
    with_sparse = ctx.cfg.sparse and ctx.info.sparse
    client = ctx.client
    with cluster_errors(ctx.cfg.cluster.url):
        page = client.search(index=source, scroll="5m", size=batch_size, body={"sort": ["_doc"]})
    scroll_id = page.get("_scroll_id")
    try:
        while True:
            hits = page["hits"]["hits"]
            if not hits:
                break
            keep = encoder is None and with_sparse
            sources = [_rewrite(h["_source"], ctx.cfg, keep) for h in hits]
            if encoder is not None:
                encoded = encoder.encode_documents(
                    [_texts(h["_source"], ctx.cfg.fields.text) for h in hits]
                )
                for i, src in enumerate(sources):
                    vec = np.asarray(encoded.dense[i], dtype=np.float32)
                    src["embedding"] = [float(x) for x in vec]
                    src.pop("sparse", None)
                    if with_sparse and encoded.sparse is not None and encoded.sparse[i]:
                        weights = encoded.sparse[i].items()
                        src["sparse"] = {k: float(v) for k, v in weights if v > 0}
            lines: list[dict[str, Any]] = []
            for hit, src in zip(hits, sources, strict=True):
                lines.append({"create": {"_index": target, "_id": hit["_id"]}})
                lines.append(src)
            with cluster_errors(ctx.cfg.cluster.url):
                resp = client.bulk(body=lines, request_timeout=600)
            if resp.get("errors"):
                bad = next(
                    it[k] for it in resp["items"] for k in it if it[k].get("error") is not None
                )
                raise MappingConflict(
                    f"re-embedding into {target} failed for {bad.get('_id')}: "
                    f"{bad['error'].get('type')}: {bad['error'].get('reason')}"
                )
            with cluster_errors(ctx.cfg.cluster.url):
                page = client.scroll(scroll_id=scroll_id, scroll="5m")
            scroll_id = page.get("_scroll_id", scroll_id)
    finally:
        if scroll_id:
            with contextlib.suppress(ClusterError), cluster_errors():
                client.clear_scroll(scroll_id=scroll_id)
