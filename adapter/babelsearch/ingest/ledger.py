"""The run's ledger of document ids: what was written, what is in flight, who waits.

Why a ledger: the same id can appear twice in one input. The documented rule is that
the last record wins, and the report says so (``replaced``) instead of counting both
as indexed. Two records of one id must therefore reach the cluster in input order --
with several bulk requests in flight and retries, nothing else guarantees it -- so a
record whose id is still in flight waits here (the reader goes on with other records)
and is dispatched when the earlier one is finished. The ledger also remembers each
written id's chunk count, so that a shorter later version deletes the earlier one's
extra chunks even before they are searchable.

The ledger survives ``--resume``: every finished id is appended to a side file next to
the checkpoint (``<checkpoint>.ids``, one ``position<TAB>chunks<TAB>id`` line; ids
cannot hold tabs or newlines), fsynced before each checkpoint, and read back up to
the checkpoint's watermark. Memory: one dict entry per distinct id of the input.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .checkpoint import atomic_write

__all__ = ["DocState", "Ledger", "ledger_path"]


@dataclass(eq=False)
class DocState:
    """One document on its way through the pipeline (mutated under the run's lock)."""

    position: int
    doc_id: str
    record: Any
    offset: int | None
    remaining: int
    chunks: int
    prior: int = 0
    """Chunks of the earlier record of this input with the same id (0: none written)."""
    acked: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    looked_up: bool = False
    failure: str | None = None


def ledger_path(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name + ".ids")


class Ledger:
    """Thread-safe: the reader admits documents, senders finish them."""

    def __init__(self, path: Path | None, *, watermark: int | None) -> None:
        self.path = path
        self.seen: dict[str, int] = {}
        self.inflight: dict[str, DocState] = {}
        self.waiting: dict[str, deque[Any]] = {}
        self.ready: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._fh: IO[bytes] | None = None
        if path is not None:
            kept = self._load(path, watermark) if watermark is not None else b""
            atomic_write(path, kept)  # drop what lies past the watermark: it is redone
            self._fh = path.open("ab")

    def _load(self, path: Path, watermark: int) -> bytes:
        if not path.exists():
            return b""
        kept: list[bytes] = []
        with path.open("rb") as fh:
            for line in fh:
                parts = line.rstrip(b"\n").split(b"\t", 2)
                if len(parts) != 3 or not line.endswith(b"\n"):
                    continue  # a line torn by a kill was never covered by a checkpoint
                pos, chunks = int(parts[0]), int(parts[1])
                if pos > watermark:
                    continue
                self.seen[parts[2].decode("utf-8")] = chunks
                kept.append(line)
        return b"".join(kept)

    def admit(self, st: DocState, item: Any) -> tuple[bool, DocState | None]:
        """``(now, superseded)``: ``now`` -- dispatch ``item`` at once (else it waits for
        the earlier record of its id that is in flight). A record that was already
        waiting for the same id is ``superseded``: it will never be sent (the last one
        wins), and the caller counts it as replaced. So a thousand repeats of one id cost
        two writes, not a thousand round trips."""
        with self._lock:
            q = self.waiting.pop(st.doc_id, None)  # at most one waits per id
            old = q[0][0] if q else None
            if st.doc_id in self.inflight:
                self.waiting[st.doc_id] = deque([(st, item)])
                return False, old
            self._start(st)
            return True, old

    def _start(self, st: DocState) -> None:
        st.prior = self.seen.get(st.doc_id, 0)
        self.inflight[st.doc_id] = st

    def take_ready(self) -> Iterator[Any]:
        """Items whose earlier record has finished, now in flight themselves."""
        while True:
            try:
                doc_id = self.ready.get_nowait()
            except queue.Empty:
                return
            with self._lock:
                q = self.waiting.get(doc_id)
                if not q:
                    continue
                st, item = q.popleft()
                if not q:
                    del self.waiting[doc_id]
                self._start(st)
            yield item

    @property
    def has_waiting(self) -> bool:
        with self._lock:
            return bool(self.waiting)

    def finish(self, st: DocState, written: int | None) -> None:
        """``written``: chunks now in the index for the id (0 = removed; None = untouched)."""
        line = b""
        with self._lock:
            if self.inflight.get(st.doc_id) is st:
                del self.inflight[st.doc_id]
            if written is not None:
                self.seen[st.doc_id] = written
                line = f"{st.position}\t{written}\t{st.doc_id}\n".encode()
            if st.doc_id in self.waiting:
                self.ready.put(st.doc_id)
            if line and self._fh is not None:
                self._fh.write(line)

    def sync(self) -> None:
        """Make every finished id durable (called before each checkpoint write)."""
        with self._lock:
            if self._fh is not None:
                self._fh.flush()
                os.fsync(self._fh.fileno())

    def close(self) -> None:
        self.sync()
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
