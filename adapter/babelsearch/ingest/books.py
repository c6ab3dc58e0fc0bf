"""The books of one ingest run: what is finished, what is owed, what the checkpoint says.

Why apart from the stages (:mod:`babelsearch.ingest.run`): the threads only move
records along; every decision about a record's final state -- indexed, replaced,
dead-lettered, skipped -- and every durable promise (watermark, counts, the ledger of
written ids, dead letters) is made here, under one lock, so that the counts can be
audited in one place and a checkpoint never claims more than was acknowledged.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..types import chunk_id
from .actions import Action, delete_action
from .checkpoint import Checkpoint, Watermark, atomic_write
from .deadletter import DeadLetterWriter, prune_after
from .ledger import DocState, Ledger, ledger_path
from .report import IngestReport
from .validate import Rejected

if TYPE_CHECKING:  # pragma: no cover
    from .sink import BulkSink

__all__ = ["Books", "RunPlan", "removal_actions", "settle"]


@dataclass(frozen=True)
class RunPlan:
    """Where a run starts and what it binds to (pure: decided before any thread starts)."""

    source: str
    """The input's name in dead letters (its path, or ``<records>``)."""
    identity: dict[str, Any]
    target: dict[str, Any]
    checkpoint_path: Path | None
    checkpoint: Checkpoint | None
    """The checkpoint resumed from (``None``: a fresh start)."""
    dead_letter_path: str
    total_bytes: int | None = None
    """The input's size when progress can be told in bytes (JSONL records carry offsets)."""

    @property
    def complete(self) -> bool:
        return self.checkpoint is not None and self.checkpoint.complete


def settle(st: DocState, cid: str, reason: str | None) -> bool:
    """Record one action's outcome on ``st`` (caller holds the lock); ``True`` when it was
    the document's last outstanding action, so the document's state is now decided: it
    failed if any action failed (``st.failure`` names the first), else it is indexed.
    Shared by :meth:`Books.chunk_done` and the Ray engine's writers."""
    st.remaining -= 1
    if reason is None:
        st.acked.append(cid)
    elif st.failure is None:
        st.failure = reason if st.chunks == 1 else f"{reason} (chunk {cid})"
    return not st.remaining


def removal_actions(st: DocState) -> list[Action]:
    """Deletes that take a failed document out whole: every chunk id it or its earlier
    version may hold, what was acknowledged and what was found stale. Never half a
    document is left behind."""
    ids = {chunk_id(st.doc_id, n) for n in range(max(st.chunks, st.prior))}
    ids.update(st.acked, st.stale)
    return [delete_action(c, st.position) for c in sorted(ids)]


class Books:
    """Thread-safe bookkeeping of one run, opened from a :class:`RunPlan`."""

    def __init__(self, plan: RunPlan) -> None:
        cp = plan.checkpoint
        self.plan = plan
        self.cp_path = plan.checkpoint_path
        self.wm = Watermark(cp.watermark if cp else -1, cp.counts if cp else None)
        if cp:
            self.wm.offset = cp.offset
        self.resumed_from = cp.watermark if cp else None
        carried = cp.counts if cp else {}
        self.carried = sum(
            int(carried.get(k, 0)) for k in ("indexed", "replaced", "dead_lettered", "skipped")
        )
        self.restore = cp.backfill_restore if cp else None
        if cp is not None:
            prune_after(plan.dead_letter_path, plan.source, cp.watermark)
        self.dl = DeadLetterWriter(plan.dead_letter_path, append=cp is not None, source=plan.source)
        self.ledger = Ledger(
            ledger_path(self.cp_path) if self.cp_path is not None else None,
            watermark=cp.watermark if cp is not None else None,
        )
        self.lock = threading.Lock()
        self.cp_lock = threading.Lock()
        self.last_cp = 0.0
        self.encode_seconds = 0.0
        self.index_seconds = 0.0
        self.retried = 0
        self.sink: BulkSink | None = None
        """Set by the run once it writes: needed to remove half-written documents."""

    def reject(self, rej: Rejected, offset: int | None, doc_id: str | None = None) -> None:
        """A record that never reaches the cluster: skipped, or a dead letter."""
        code = rej.reason.split(":", 1)[0]
        if rej.skip:
            self.wm.finish(rej.position, "skipped", offset=offset, code=code)
        else:
            self.dl.write(rej.position, rej.reason, rej.record, doc_id or rej.doc_id)
            self.wm.finish(rej.position, "dead_lettered", offset=offset, code=code)
        self.maybe_checkpoint()

    def superseded(self, st: DocState) -> None:
        """A record that a later one with its id replaced before it was sent."""
        self.wm.finish(st.position, "replaced", offset=st.offset)
        self.maybe_checkpoint()

    def chunk_done(self, st: DocState, cid: str, reason: str | None) -> None:
        """One action of ``st`` has its outcome; the last one decides the record's state."""
        with self.lock:
            if not settle(st, cid, reason):
                return
        prior = st.prior or None
        if st.failure is None:
            self.ledger.finish(st, st.chunks)
            self.wm.finish(
                st.position, "indexed", chunks=st.chunks, offset=st.offset, supersedes=prior
            )
        else:
            removed = bool(st.acked)
            if removed and self.sink is not None:  # never leave half a document behind
                self.sink.send(removal_actions(st))
            self.ledger.finish(st, 0 if removed else None)
            self.dl.write(st.position, st.failure, st.record, st.doc_id)
            code = st.failure.split(":", 1)[0]
            self.wm.finish(
                st.position,
                "dead_lettered",
                offset=st.offset,
                code=code,
                supersedes=prior if removed else None,
            )
        self.maybe_checkpoint()

    def maybe_checkpoint(self, *, force: bool = False, complete: bool = False) -> None:
        if self.cp_path is None:
            return
        now = time.monotonic()
        if not force and now - self.last_cp < 1.0:
            return
        with self.cp_lock:
            self.last_cp = now
            value, offset, counts = self.wm.snapshot()
            self.ledger.sync()  # every id finished up to `value` is on disk first
            cp = Checkpoint(
                dict(self.plan.identity),
                value,
                offset,
                counts,
                complete,
                self.restore,
                target=dict(self.plan.target),
            )
            atomic_write(self.cp_path, cp.to_bytes())

    def report(self, started: float) -> IngestReport:
        _v, _o, c = self.wm.snapshot()
        elapsed = time.monotonic() - started
        r = IngestReport(
            indexed=c["indexed"],
            replaced=c["replaced"],
            chunks_indexed=c["chunks_indexed"],
            dead_lettered=c["dead_lettered"],
            skipped=c["skipped"],
            retried=self.retried,
            encode_seconds=self.encode_seconds,
            index_seconds=self.index_seconds,
            elapsed=elapsed,
            resumed_from=self.resumed_from,
            dead_letter_path=self.plan.dead_letter_path if c["dead_lettered"] else None,
        )
        r.read = r.indexed + r.replaced + r.dead_lettered + r.skipped
        r.docs_per_s = (r.read - self.carried) / elapsed if elapsed > 0 else 0.0
        for k, v in c.items():
            if k.startswith("skipped:"):
                r.skipped_reasons[k.split(":", 1)[1]] = v
            elif k.startswith("dead_lettered:"):
                r.dead_letter_reasons[k.split(":", 1)[1]] = v
        return r

    def close(self) -> None:
        self.dl.close()
        self.ledger.close()
