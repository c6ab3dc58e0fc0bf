"""Checkpoints: a contiguous acknowledged watermark, written atomically.

Why a watermark and not "last position sent": bulk requests complete out of order
(several in flight, retries), so position 900 may be acknowledged before 400. The
watermark is the last position *p* such that every record at or before *p* is
finished (indexed, dead-lettered or skipped). Resuming after it re-sends at most
what was in flight -- harmless, because ``_id``\\s are deterministic -- and never
loses a record. Counts are committed with the watermark, so a resumed run reports
the whole input exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..errors import IngestError

__all__ = [
    "CHECKPOINT_VERSION",
    "Checkpoint",
    "Watermark",
    "atomic_write",
    "file_identity",
    "load_checkpoint",
]

CHECKPOINT_VERSION = 1
OUTCOMES = ("indexed", "dead_lettered", "skipped")


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write temp file in the same directory, fsync, then ``os.replace`` (atomic on POSIX)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass


@dataclass
class Checkpoint:
    input: dict[str, Any]
    watermark: int = -1
    """Last position finished, with every earlier one; -1 = nothing yet."""
    offset: int = 0
    """Byte offset just after the watermark record (JSONL), to ``seek`` on resume."""
    counts: dict[str, int] = field(default_factory=dict)
    complete: bool = False
    backfill_restore: dict[str, Any] | None = None
    version: int = CHECKPOINT_VERSION

    def to_bytes(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2)


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint | None:
    p = Path(path)
    if not p.exists():
        return None
    try:
        data = orjson.loads(p.read_bytes())
        cp = Checkpoint(**data)
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise IngestError(
            f"checkpoint {p} is unreadable ({exc}); delete it to start over"
        ) from None
    if cp.version != CHECKPOINT_VERSION:
        raise IngestError(f"checkpoint {p} has version {cp.version}; delete it to start over")
    return cp


class Watermark:
    """Tracks positions registered in input order and finished in any order (thread-safe).

    Positions need not be consecutive (blank lines have none); they must be registered
    in increasing order.
    """

    def __init__(self, start: int = -1, counts: dict[str, int] | None = None) -> None:
        self._lock = threading.Lock()
        self._order: deque[int] = deque()
        self._done: dict[int, tuple[str, int, int | None, str | None]] = {}
        self.value = start
        self.offset = 0
        self.counts: dict[str, int] = {k: 0 for k in (*OUTCOMES, "chunks_indexed")}
        if counts:
            for k, v in counts.items():
                self.counts[k] = int(v)

    def register(self, position: int) -> None:
        with self._lock:
            if self._order and position <= self._order[-1]:
                raise ValueError(f"position {position} registered out of order")
            self._order.append(position)

    def finish(
        self,
        position: int,
        outcome: str,
        *,
        chunks: int = 0,
        offset: int | None = None,
        code: str | None = None,
    ) -> bool:
        """Mark one position finished; returns True when the watermark moved."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        with self._lock:
            self._done[position] = (outcome, chunks, offset, code)
            moved = False
            while self._order and self._order[0] in self._done:
                pos = self._order.popleft()
                out, n, off, why = self._done.pop(pos)
                self.counts[out] += 1
                if why:
                    key = f"{out}:{why}"
                    self.counts[key] = self.counts.get(key, 0) + 1
                if out == "indexed":
                    self.counts["chunks_indexed"] += n
                self.value = pos
                if off is not None:
                    self.offset = off
                moved = True
            return moved

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._order)

    def snapshot(self) -> tuple[int, int, dict[str, int]]:
        with self._lock:
            return self.value, self.offset, dict(self.counts)


def file_identity(path: str) -> dict[str, Any]:
    """What a checkpoint remembers about its input: size, mtime, hash of the first 64 KiB."""
    p = Path(path)
    st = p.stat()
    h = hashlib.sha1()
    if p.is_file():
        with p.open("rb") as fh:
            h.update(fh.read(64 * 1024))
    else:
        for f in sorted(x.relative_to(p).as_posix() for x in p.rglob("*") if x.is_file()):
            h.update(f.encode("utf-8", "surrogateescape") + b"\n")
    return {
        "path": os.path.abspath(path),
        "size": st.st_size,
        "mtime": st.st_mtime,
        "head_sha1": h.hexdigest(),
    }
