"""The two ways ``migrate`` copies documents, each with exact accounting.

* :func:`bulk_copy` scrolls the old index and writes through the ingest path: the
  stored ``_source`` becomes a chunk again (:func:`~babelsearch.ingest.actions.chunk_from_source`),
  is re-embedded when the encoder or the vector form changed, checked and converted
  (``prepare_vector``; kept vectors: ``stored_vector``), rebuilt for the new spec
  (``build_source``) and sent as ``index`` actions with the hit's ``_id`` by the
  ingest :class:`~babelsearch.ingest.sink.BulkSink`. Why the ingest path and not a
  second bulk loop: the sink is the one retry layer (per-item 429s, 413 halving, backoff)
  and a resent action overwrites instead of answering 409, so a retry can never abort a
  migration or leave a duplicate. The sink's client must be built with
  ``connect(..., retries=False)``.
* :func:`reindex_copy` lets the cluster copy ``_source`` (vectors included) when the
  encoder and the document shape are unchanged, run as a task and polled, so a client
  timeout can never start a second reindex.

Both return a :class:`CopyReport`; the caller decides (``migrate`` aborts on any failure
and swaps only when the counts match).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..cluster import cluster_errors
from ..config import Config
from ..errors import ClusterError, MappingConflict
from ..ingest.actions import (
    Action,
    batch_actions,
    build_source,
    chunk_from_source,
    clean_sparse,
    dense_text,
    encode_action,
    prepare_vector,
    stored_vector,
)
from ..types import EncoderInfo
from ..vectors import vector_form

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

    from ..encoders import Encoder
    from ..ingest.sink import BulkSink

__all__ = ["MAX_REPORTED_FAILURES", "CopyReport", "bulk_copy", "reindex_copy"]

log = logging.getLogger("babelsearch.indices")

MAX_REPORTED_FAILURES = 20
"""Failures kept with their reasons (the count is always exact)."""


@dataclass
class CopyReport:
    """What one copy did: every document read is either copied or failed."""

    method: str
    """``bulk`` (through the ingest sink) or ``reindex`` (server side)."""
    read: int = 0
    copied: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    """``(_id, reason)`` of the first :data:`MAX_REPORTED_FAILURES` failures, in order."""
    retried: int = 0
    """Item resends by the sink (or reindex bulk retries)."""
    requests: int = 0

    def fail(self, doc_id: str, reason: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_REPORTED_FAILURES:
            self.failures.append((doc_id, reason))

    def first_failure(self) -> str:
        if not self.failures:
            return "no failure"
        doc_id, reason = self.failures[0]
        return f"first {doc_id!r}: {reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "read": self.read,
            "copied": self.copied,
            "failed": self.failed,
            "failures": [{"id": i, "reason": r} for i, r in self.failures],
            "retried": self.retried,
            "requests": self.requests,
        }


def _scroll(
    client: OpenSearch, index: str, size: int
) -> Generator[list[dict[str, Any]], None, None]:
    """Pages of hits in ``_doc`` order; the scroll is cleared even when the caller stops."""
    with cluster_errors(None):
        page = client.search(index=index, scroll="10m", size=size, body={"sort": ["_doc"]})
    scroll_id = page.get("_scroll_id")
    try:
        while page["hits"]["hits"]:
            yield page["hits"]["hits"]
            with cluster_errors(None):
                page = client.scroll(scroll_id=scroll_id, scroll="10m")
            scroll_id = page.get("_scroll_id", scroll_id)
    finally:
        if scroll_id:
            with contextlib.suppress(ClusterError), cluster_errors():
                client.clear_scroll(scroll_id=scroll_id)


def _actions(
    hits: list[dict[str, Any]],
    cfg: Config,
    info: EncoderInfo,
    encoder: Encoder | None,
    keep_sparse: bool,
    report: CopyReport,
) -> list[Action]:
    """One page of hits → checked ``index`` actions; a bad vector is a failure, not sent."""
    names = cfg.field_names
    chunks = [chunk_from_source(str(h["_id"]), h["_source"], names) for h in hits]
    with_sparse = cfg.use_sparse(info)
    dense: list[Any]
    sparse: list[Any]
    if encoder is not None:
        out = encoder.encode_documents([dense_text(c) for c in chunks])
        if len(out.dense) != len(chunks):
            raise MappingConflict(
                f"the encoder returned {len(out.dense)} vectors for {len(chunks)} texts"
            )
        dense = list(out.dense)
        got = out.sparse if with_sparse and out.sparse is not None else None
        sparse = list(got) if got is not None else [None] * len(chunks)
    else:  # same encoder: the stored vectors are the ones ingest checked and wrote
        dense = [h["_source"].get(names.dense_field) for h in hits]
        sparse = [
            h["_source"].get(names.sparse_field) if keep_sparse and with_sparse else None
            for h in hits
        ]
    actions: list[Action] = []
    form = vector_form(info, cfg.dense)
    for pos, (hit, chunk, vec_raw, sp) in enumerate(zip(hits, chunks, dense, sparse, strict=True)):
        hit_id = str(hit["_id"])
        vec = None
        if encoder is not None:  # fresh vectors: checked, then truncated/quantized
            vec, bad = prepare_vector(np.asarray(vec_raw, dtype=np.float32), form)
        elif vec_raw is not None:  # kept vectors are already in the stored form
            vec, bad = stored_vector(vec_raw, form)
        else:  # a stored doc without one stays so
            bad = None
        if bad:
            report.fail(hit_id, bad)
            continue
        weights = clean_sparse(sp) if sp else None
        src = build_source(chunk, names, cfg.languages, vec, weights)
        actions.append(encode_action(hit_id, src, report.read + pos))
    return actions


def bulk_copy(
    cfg: Config,
    *,
    read_client: OpenSearch,
    sink: BulkSink,
    source: str,
    info: EncoderInfo,
    encoder: Encoder | None = None,
    keep_sparse: bool = True,
    batch_size: int = 256,
) -> CopyReport:
    """Copy every document of ``source`` into the sink's index; stop after a failed page.

    ``encoder`` given: old vectors are dropped and each chunk is encoded again from its
    text (``info`` must be that encoder's). ``None``: the stored vectors are kept (they
    were made by the same encoder) and still checked. ``keep_sparse=False`` drops the
    stored sparse weights (the new spec has no sparse field). Running this twice into
    the same index is harmless: every action is an ``index`` with the source ``_id``.
    """
    if encoder is not None and encoder.info.fingerprint != info.fingerprint:
        raise MappingConflict("the encoder given to migrate does not match the spec's encoder")
    report = CopyReport("bulk")
    bulk = cfg.ingest.bulk
    retried0, requests0 = sink.retried, sink.requests
    with contextlib.closing(_scroll(read_client, source, batch_size)) as pages:
        for hits in pages:
            actions = _actions(hits, cfg, info, encoder, keep_sparse, report)
            report.read += len(hits)
            for batch in batch_actions(actions, bulk.max_docs, bulk.max_bytes):
                outcomes = sink.send(batch)
                if len(outcomes) != len(batch):  # the sink's promise; never count blindly
                    raise MappingConflict(
                        f"the bulk sink returned {len(outcomes)} outcomes for {len(batch)} actions"
                    )
                for o in outcomes:
                    if o.ok:
                        report.copied += 1
                    else:
                        report.fail(o.action.chunk_id, o.reason or "unknown bulk failure")
            if report.failed:
                break  # the migration is aborted anyway: do not re-embed the rest for nothing
    report.retried = sink.retried - retried0
    report.requests = sink.requests - requests0
    return report


def reindex_copy(client: OpenSearch, source: str, target: str, *, poll: float = 0.5) -> CopyReport:
    """Server-side ``_reindex`` as a task, polled until done; counts from the task result.

    Why a task: a synchronous reindex that outlives the HTTP timeout would be resent by
    the client's transport retries and start a second copy. ``op_type: create`` makes
    any document already in the fresh target a counted version conflict.
    """
    report = CopyReport("reindex")
    with cluster_errors():
        started = client.reindex(
            body={"source": {"index": source}, "dest": {"index": target, "op_type": "create"}},
            wait_for_completion=False,
            refresh=True,
        )
    task_id = str(started["task"])
    delay = 0.05
    while True:
        with cluster_errors():
            task = client.tasks.get(task_id=task_id)
        if task.get("completed"):
            break
        time.sleep(delay)
        delay = min(poll, delay * 2)
    if task.get("error"):
        err = task["error"]
        raise MappingConflict(
            f"reindex of {source} into {target} failed: {err.get('type')}: {err.get('reason')}"
        )
    resp = task.get("response") or {}
    report.read = int(resp.get("total", 0))
    report.copied = int(resp.get("created", 0)) + int(resp.get("updated", 0))
    retries = resp.get("retries") or {}
    report.retried = int(retries.get("bulk", 0))
    report.requests = int(resp.get("batches", 0))
    listed_conflicts = 0
    for f in resp.get("failures") or []:
        cause = f.get("cause") or {}
        ctype = str(cause.get("type", ""))
        listed_conflicts += "version_conflict" in ctype
        report.fail(str(f.get("id")), f"{ctype}: {cause.get('reason')}"[:1000])
    # With ``conflicts: proceed`` a conflict is only counted, never listed.
    for _ in range(max(0, int(resp.get("version_conflicts", 0)) - listed_conflicts)):
        report.fail("?", "version_conflict: the document was already in the target")
    return report
