"""Progress: a tqdm bar on a terminal, a plain log line every 10 s otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from .checkpoint import Watermark

__all__ = ["Progress"]

log = logging.getLogger("babelsearch.ingest")


class Progress:
    """Counts records read; shows finished (watermark) counts alongside."""

    def __init__(self, enabled: bool | None, wm: Watermark, interval: float = 10.0) -> None:
        self.wm = wm
        self.read = 0
        self.interval = interval
        self._last = time.monotonic()
        tty = sys.stderr.isatty()
        self._bar: Any = None
        if enabled is None:
            enabled = tty
        if enabled and tty:
            from tqdm import tqdm

            self._bar = tqdm(unit="doc", desc="ingest", file=sys.stderr, mininterval=0.5)
        self.enabled = enabled

    def tick(self) -> None:
        self.read += 1
        if self._bar is not None:
            self._bar.update(1)
            return
        now = time.monotonic()
        if self.enabled is not False and now - self._last >= self.interval:
            self._last = now
            _v, _o, c = self.wm.snapshot()
            log.info(
                "read %d; finished: indexed %d, dead-lettered %d, skipped %d",
                self.read,
                c["indexed"],
                c["dead_lettered"],
                c["skipped"],
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
