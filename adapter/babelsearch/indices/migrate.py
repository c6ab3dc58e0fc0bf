"""``migrate``: build ``<alias>-v<N+1>`` from the spec, copy, verify, swap the alias.

Why this order: readers keep querying the alias (the old index) until the new index
is complete, refreshed and counted; then one ``_aliases`` call moves the alias, which
OpenSearch applies atomically, so no reader ever sees a half-filled index. The old
index is kept for rollback. Writes to the old index are blocked during the copy and
the old index is refreshed under the block, so the copy sees every acknowledged
document, the count check is meaningful and no document written mid-copy is lost (a
writer gets a clear ``cluster_block_exception`` instead).

Vectors are copied only when the encoder fingerprint is unchanged; otherwise every
chunk is re-embedded from its ``_source`` text with the new encoder. Every write goes
through the ingest action builder and :class:`~babelsearch.ingest.sink.BulkSink`
(see :mod:`.copy`); the alias moves only when the copy's accounting matches the source.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cluster import cluster_errors
from ..config import Config
from ..errors import BabelsearchError, ClusterError, MappingConflict, MigrationInProgress
from ..schema.fields import vector_layout
from ..types import Capabilities, EncoderInfo
from .apply import Context, desired_spec, put_pipelines
from .copy import CopyReport, bulk_copy, reindex_copy
from .live import index_meta, live_state, move_alias

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

    from ..encoders import Encoder

__all__ = ["LOCK_INDEX", "MigrationResult", "migrate", "migration_holder", "migration_lock"]

log = logging.getLogger("babelsearch.indices")

LOCK_INDEX = "babelsearch-locks"
"""Cluster-side lock documents (one per alias), so two hosts cannot migrate at once."""


@contextlib.contextmanager
def migration_lock(
    client: OpenSearch, alias: str, *, break_lock: bool = False, operation: str = "migrate"
) -> Iterator[str]:
    """Hold the migration lock for ``alias``; :class:`MigrationInProgress` if taken.

    ``op_type=create`` makes taking the lock a single atomic compare-and-set on the
    cluster; the lock is released in ``finally`` even when the migration fails.
    ``break_lock`` first removes a lock left by a crashed run (an operator's decision).
    ``operation`` (``migrate``, ``prune``, ``rollback``) is recorded for the holder text:
    every command that changes which versioned indices exist or which one the alias
    points to takes the same lock.
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
                body={
                    "alias": alias,
                    "owner": token,
                    "started": time.time(),
                    "operation": operation,
                },
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


def migration_holder(client: OpenSearch, alias: str) -> str | None:
    """Who holds the migration lock of ``alias``: ``"host:pid since <UTC time>"``, or ``None``.

    For messages such as "a migration of 'docs' holds the write block (held by …)": a
    ``cluster_block_exception`` on the write index usually means a migration is copying
    it. ``None`` when no lock document (or no lock index) exists. A lock document that is
    unreadable still counts as held (``"an unknown holder"``). Other cluster errors raise
    :class:`~babelsearch.errors.ClusterError`: one GET, no retries of its own.
    """
    with cluster_errors():
        doc = client.get(index=LOCK_INDEX, id=alias, ignore=[404])
    if not isinstance(doc, dict) or not doc.get("found"):
        return None
    src = doc.get("_source") or {}
    owner = str(src.get("owner") or "an unknown holder")
    parts = owner.split(":")
    if len(parts) == 3 and len(parts[2]) == 8:  # host:pid:<run token>
        owner = f"{parts[0]}:{parts[1]}"
    try:
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(src["started"])))
    except (KeyError, TypeError, ValueError, OverflowError):
        return owner
    operation = src.get("operation")
    suffix = f", running {operation}" if operation and operation != "migrate" else ""
    return f"{owner} since {since}{suffix}"


def _lock_owner(client: OpenSearch, alias: str) -> str:
    try:
        holder = migration_holder(client, alias)
    except ClusterError:
        holder = None
    return f"held by {holder}" if holder else "lock holder unknown"


@dataclass(frozen=True)
class MigrationResult:
    alias: str
    source: str
    target: str
    """The new write index; equal to ``source`` when ``noop``."""
    source_docs: int
    target_docs: int
    reembedded: bool
    seconds: float
    pipelines: dict[str, str]
    noop: bool = False
    """Nothing to migrate: the write index already has the spec and the encoder."""
    copy: dict[str, Any] = field(default_factory=dict)
    """:meth:`CopyReport.to_dict`: method, read, copied, failed, retried, requests."""

    @property
    def copied(self) -> int:
        return int(self.copy.get("copied", 0))

    @property
    def retried(self) -> int:
        return int(self.copy.get("retried", 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "noop": self.noop,
            "source": self.source,
            "target": self.target,
            "source_docs": self.source_docs,
            "target_docs": self.target_docs,
            "reembedded": self.reembedded,
            "seconds": round(self.seconds, 3),
            "copy": dict(self.copy),
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
    force: bool = False,
    bulk_client: OpenSearch | None = None,
) -> MigrationResult:
    """Move the alias to a fresh index built from ``cfg``, copying every document.

    A no-op (``noop=True``, nothing written) when the write index already has the
    desired spec hash and encoder fingerprint, unless ``force``. ``bulk_client`` is the
    client the copy writes with; it defaults to ``connect(cfg.cluster, retries=False)``
    because the bulk sink is the one retry layer. Raises :class:`MappingConflict` when
    any document fails to copy (naming the first one and why) or the counts differ; the
    half-built index is then deleted and the alias and the old index stay as they were.
    """
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
        old = index_meta(state.write_body)
        same_encoder = old.get("encoder") == ctx.info.fingerprint
        same_spec = old.get("spec_hash") == spec.layout["spec_hash"]
        if same_encoder and same_spec and not force:
            with cluster_errors(cfg.cluster.url):
                n = int(ctx.client.count(index=source)["count"])
            return MigrationResult(
                alias, source, source, n, n, False, time.perf_counter() - started, {}, noop=True
            )
        with_sparse = cfg.use_sparse(ctx.info)
        dense = cfg.field_names.dense_field
        live_props = ((state.write_body or {}).get("mappings") or {}).get("properties") or {}
        same_vectors = vector_layout(live_props.get(dense)) == vector_layout(
            spec.properties.get(dense)
        )  # dense.dimensions / data_type changed: the stored vectors do not fit
        # Sparse weights that the old index never had can only come from the encoder.
        reembed = not (same_encoder and same_vectors) or (with_sparse and not old.get("sparse"))
        same_shape = set(old.get("languages") or []) == set(cfg.languages)
        same_shape = same_shape and bool(old.get("sparse")) == with_sparse
        target = f"{alias}-v{state.next_version}"
        with cluster_errors(cfg.cluster.url):
            ctx.client.indices.create(index=target, body=spec.to_dict())
        _set_write_block(ctx.client, source, True)
        swapped = False
        try:
            with cluster_errors(cfg.cluster.url):  # acknowledged but unrefreshed docs too
                ctx.client.indices.refresh(index=source)
                src_n = int(ctx.client.count(index=source)["count"])
            try:
                report = _copy(
                    ctx, source, target, reembed, same_shape, encoder, batch_size, bulk_client
                )
            except MappingConflict:
                raise
            except BabelsearchError as exc:  # same kind, with where it stopped and what is left
                raise type(exc)(
                    f"migration of {alias!r} aborted while copying into {target}: {exc}; the "
                    f"alias still points to {source} and {target} was deleted"
                ) from exc
            _check_report(report, alias, source, target)
            with cluster_errors(cfg.cluster.url):
                ctx.client.indices.refresh(index=target)
                dst_n = int(ctx.client.count(index=target)["count"])
            if report.copied != src_n or dst_n != src_n:
                raise MappingConflict(
                    f"migration copied {report.copied} documents and {target} holds {dst_n}, "
                    f"but {source} holds {src_n}; the alias still points to {source} and "
                    f"{target} was deleted (retry the migration)"
                )
            move_alias(ctx.client, state, target, cfg.cluster.url)
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
        copy=report.to_dict(),
    )


def _copy(
    ctx: Context,
    source: str,
    target: str,
    reembed: bool,
    same_shape: bool,
    encoder: Encoder | None,
    batch_size: int,
    bulk_client: OpenSearch | None,
) -> CopyReport:
    """Server-side reindex when nothing about a document changes, else the ingest path."""
    if not reembed and same_shape:
        return reindex_copy(ctx.client, source, target)
    from ..cluster import connect
    from ..ingest.sink import BulkSink

    enc = encoder
    if reembed and enc is None:
        from ..encoders import get_encoder

        enc = get_encoder(ctx.cfg.encoder)
    writer = bulk_client if bulk_client is not None else connect(ctx.cfg.cluster, retries=False)
    sink = BulkSink(writer, target, ctx.cfg.ingest.bulk, require_alias=False)
    return bulk_copy(
        ctx.cfg,
        read_client=ctx.client,
        sink=sink,
        source=source,
        info=ctx.info,
        encoder=enc if reembed else None,
        keep_sparse=ctx.cfg.use_sparse(ctx.info),
        batch_size=batch_size,
    )


def _check_report(report: CopyReport, alias: str, source: str, target: str) -> None:
    if report.failed:
        raise MappingConflict(
            f"migration of {alias!r} aborted: {report.failed} document(s) could not be "
            f"copied into {target} ({report.copied} copied), {report.first_failure()}; "
            f"the alias still points to {source} and {target} was deleted"
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
