"""Progress: a bar on a terminal (with total and ETA when the input's size is known),
a plain log line every 10 s otherwise (records, rate, dead letters), so that a user
waiting on a long load -- or on a cluster that went away -- sees what is happening.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

from .checkpoint import Watermark

__all__ = ["Progress", "input_bytes"]

log = logging.getLogger("babelsearch.ingest")


class Progress:
    """Counts records read; shows finished (watermark) counts alongside.

    ``total_bytes``: the input file's size; the bar then advances by the byte offset of
    each record (JSONL and CSV readers report it), which gives a true ETA.
    """

    def __init__(
        self,
        enabled: bool | None,
        wm: Watermark,
        interval: float = 10.0,
        *,
        total_bytes: int | None = None,
    ) -> None:
        self.wm = wm
        self.read = 0
        self.interval = interval
        self.started = time.monotonic()
        self._last = self.started
        self._offset = 0
        tty = sys.stderr.isatty()
        self._bar: Any = None
        if enabled is None:
            enabled = tty
        if enabled and tty:
            from tqdm import tqdm

            if total_bytes:
                self._bar = tqdm(
                    total=total_bytes,
                    unit="B",
                    unit_scale=True,
                    desc="ingest",
                    file=sys.stderr,
                    mininterval=0.5,
                )
            else:
                self._bar = tqdm(unit="doc", desc="ingest", file=sys.stderr, mininterval=0.5)
        self._by_bytes = bool(total_bytes)
        self.enabled = enabled

    def tick(self, offset: int | None = None) -> None:
        self.read += 1
        if self._bar is not None:
            if not self._by_bytes:
                self._bar.update(1)
            elif offset is not None and offset > self._offset:
                self._bar.update(offset - self._offset)
                self._offset = offset
            return
        now = time.monotonic()
        if self.enabled is not False and now - self._last >= self.interval:
            self._last = now
            log.info("%s", self.line(now))

    def line(self, now: float | None = None) -> str:
        """One progress line: records read, rate, and the finished counts."""
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        _v, _o, c = self.wm.snapshot()
        return (
            f"read {self.read} records ({self.read / elapsed:.0f}/s); finished: indexed "
            f"{c['indexed']}, replaced {c['replaced']}, dead-lettered {c['dead_lettered']}, "
            f"skipped {c['skipped']}"
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def input_bytes(identity: dict[str, Any]) -> int | None:
    """The input's size for a bar with an ETA (a file; not a directory or stdin)."""
    path = identity.get("path")
    if not path or not os.path.isfile(path):
        return None
    return int(identity.get("size") or 0) or None
