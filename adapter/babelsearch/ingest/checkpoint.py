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
    "check_resumable",
    "file_identity",
    "load_checkpoint",
    "resolve_target",
]

CHECKPOINT_VERSION = 2
OUTCOMES = ("indexed", "replaced", "dead_lettered", "skipped")
"""A record's final state; ``replaced`` directly: superseded before it was ever sent."""
COUNTS = (*OUTCOMES, "chunks_indexed")


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
    target: dict[str, Any] = field(default_factory=dict)
    """Where the records went: cluster uuid, alias, write index, encoder fingerprint."""
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
        self._done: dict[int, tuple[str, int, int | None, str | None, int | None]] = {}
        self.value = start
        self.offset = 0
        self.counts: dict[str, int] = {k: 0 for k in COUNTS}
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
        supersedes: int | None = None,
    ) -> bool:
        """Mark one position finished; returns True when the watermark moved.

        ``supersedes``: this record replaced (or removed) the document an earlier record
        of the input with the same id had indexed with that many chunks; that earlier
        record moves from ``indexed`` to ``replaced`` when this one is committed, so
        ``indexed`` stays the number of distinct documents written.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        with self._lock:
            self._done[position] = (outcome, chunks, offset, code, supersedes)
            moved = False
            while self._order and self._order[0] in self._done:
                pos = self._order.popleft()
                out, n, off, why, prior = self._done.pop(pos)
                self.counts[out] += 1
                if prior is not None:
                    self.counts["indexed"] -= 1
                    self.counts["replaced"] += 1
                    self.counts["chunks_indexed"] -= prior
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


_WINDOW = 64 * 1024


def _span_hashes(path: Path, size: int) -> tuple[str, str]:
    """SHA-1 of the first and of the last 64 KiB of the file's first ``size`` bytes."""
    with path.open("rb") as fh:
        head = hashlib.sha1(fh.read(min(size, _WINDOW))).hexdigest()
        start = max(0, size - _WINDOW)
        fh.seek(start)
        tail = hashlib.sha1(fh.read(size - start)).hexdigest()
    return head, tail


def file_identity(path: str) -> dict[str, Any]:
    """What a checkpoint remembers about its input: size, mtime, and hashes of its ends.

    A file's first and last 64 KiB (as it was) are hashed, so a resume can tell "records
    were appended" (the old bytes unchanged, the file longer) from "the file was edited"
    near either end. A directory is identified by its sorted list of files.
    """
    p = Path(path)
    st = p.stat()
    if p.is_file():
        head, tail = _span_hashes(p, st.st_size)
    else:
        h = hashlib.sha1()
        for f in sorted(x.relative_to(p).as_posix() for x in p.rglob("*") if x.is_file()):
            h.update(f.encode("utf-8", "surrogateescape") + b"\n")
        head = tail = h.hexdigest()
    return {
        "path": os.path.abspath(path),
        "size": st.st_size,
        "mtime": st.st_mtime,
        "head_sha1": head,
        "tail_sha1": tail,
    }


def _unchanged_prefix(old: dict[str, Any], new: dict[str, Any], offset: int) -> bool:
    """The bytes the checkpoint covered are still there: same ends, a line boundary at
    the resume offset (an edit that moved the lines would make the seek land mid-line;
    the old end of the file is a boundary even without a final newline)."""
    if old.get("path") != new["path"]:
        return False
    old_size = int(old.get("size", 0))
    if int(new["size"]) < old_size:
        return False
    p = Path(new["path"])
    if not p.is_file():
        return bool(old.get("head_sha1") == new["head_sha1"])
    head, tail = _span_hashes(p, old_size)
    if (head, tail) != (old.get("head_sha1"), old.get("tail_sha1")):
        return False
    if 0 < offset < old_size:
        with p.open("rb") as fh:
            fh.seek(offset - 1)
            return fh.read(1) == b"\n"
    return True


def resolve_target(client: Any, alias: str, info: Any) -> dict[str, Any]:
    """What a checkpoint binds to: the cluster, the alias, its write index, the encoder.

    Why all four: a checkpoint says "these records are in *that* index". Resuming it
    against another alias, another cluster, or the same alias after a migration moved
    it to a new index would skip records that were never written there.
    """
    from ..cluster import cluster_errors
    from .backfill import write_index

    with cluster_errors():
        uuid = str(client.info().get("cluster_uuid", ""))
    return {
        "cluster_uuid": uuid,
        "alias": alias,
        "write_index": write_index(client, alias),
        "encoder": info.fingerprint,
    }


def check_resumable(
    cp: Checkpoint,
    path: str | os.PathLike[str],
    identity: dict[str, Any] | None,
    target: dict[str, Any],
) -> None:
    """Refuse a resume whose input or target is not the checkpoint's (one clear line)."""
    if identity is not None:
        old = cp.input
        if not _unchanged_prefix(old, identity, cp.offset):
            raise IngestError(
                f"the input changed since checkpoint {path} was written; "
                "delete the checkpoint to start over"
            )
        if cp.complete and int(identity["size"]) != int(old.get("size", 0)):
            cp.complete = False  # records were appended: continue after the watermark
    for key, what in (
        ("cluster_uuid", "cluster"),
        ("alias", "alias"),
        ("write_index", "write index"),
        ("encoder", "encoder"),
    ):
        if cp.target.get(key) != target.get(key):
            raise IngestError(
                f"checkpoint {path} belongs to another target: it was written for "
                f"{_where(cp.target)}, this run writes to {_where(target)} (its {what} differs); "
                "to load this input there from the start, drop --resume or pass "
                "--checkpoint with a new file"
            )


def _where(t: dict[str, Any]) -> str:
    return (
        f"alias {t.get('alias')!r} (index {t.get('write_index')}) on cluster "
        f"{str(t.get('cluster_uuid'))[:8] or '?'}"
    )
