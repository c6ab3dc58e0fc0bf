"""The dead-letter file: one JSON line per record we did not index, with the reason.

Why JSONL with the original record: the person fixing the data needs the exact input
(``record``), where it was (``input``, ``position``), and a reason they can group by
(``reason`` starts with a stable code such as ``invalid_utf8`` or
``mapper_parsing_exception``). Re-ingesting the fixed lines is then one command.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import IO, Any

import orjson

from .checkpoint import atomic_write

__all__ = ["DeadLetterWriter", "prune_after"]


class DeadLetterWriter:
    """Thread-safe appender, opened on the first dead letter."""

    def __init__(self, path: str | os.PathLike[str], *, append: bool, source: str) -> None:
        self.path = Path(path)
        self.append = append
        self.source = source
        self.count = 0
        self._fh: IO[bytes] | None = None
        self._lock = threading.Lock()

    def write(self, position: int, reason: str, record: Any, doc_id: str | None = None) -> None:
        entry = {
            "input": self.source,
            "position": position,
            "id": doc_id,
            "reason": reason,
            "code": reason.split(":", 1)[0],
            "record": record,
        }
        line = orjson.dumps(entry, default=str) + b"\n"
        with self._lock:
            if self._fh is None:
                if self.path.parent and not self.path.parent.exists():
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = self.path.open("ab" if self.append else "wb")
            self._fh.write(line)
            self._fh.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()
                self._fh = None


def prune_after(path: str | os.PathLike[str], source: str, watermark: int) -> int:
    """On resume, drop entries for ``source`` beyond the watermark (they will be redone).

    Returns how many entries were dropped. Entries of other inputs are kept.
    """
    p = Path(path)
    if not p.exists():
        return 0
    kept: list[bytes] = []
    dropped = 0
    with p.open("rb") as fh:
        for line in fh:
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                kept.append(line if line.endswith(b"\n") else line + b"\n")
                continue
            if entry.get("input") == source and int(entry.get("position", -1)) > watermark:
                dropped += 1
                continue
            kept.append(line if line.endswith(b"\n") else line + b"\n")
    if dropped:
        atomic_write(p, b"".join(kept))
    return dropped
