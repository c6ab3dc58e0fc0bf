"""Watch a running ``babelsearch ingest`` child: checkpoint watermark and RSS samples.

The checkpoint is the ingestor's own ledger: every record at a position up to its
watermark has been acknowledged by the cluster (indexed) or dead-lettered, so the
ids of those records are the "acknowledged" set a fault test must find afterwards.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest

from babelsearch.ingest.checkpoint import load_checkpoint


def watermark(cp: Path) -> int:
    state = load_checkpoint(cp)
    return -1 if state is None else state.watermark


def wait_watermark(proc: subprocess.Popen[str], cp: Path, at_least: int, limit: float) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        w = watermark(cp)
        if w >= at_least:
            return w
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"ingest ended (rc={proc.returncode}) at watermark {w}: {err[-1500:]}")
        time.sleep(0.05)
    pytest.fail(f"watermark stuck below {at_least} (at {watermark(cp)})")


class RssSampler:
    """Samples a process's resident set size every ``every`` seconds, with the watermark."""

    def __init__(self, pid: int, cp: Path, every: float = 0.1) -> None:
        self.proc = psutil.Process(pid)
        self.cp = cp
        self.every = every
        self.samples: list[tuple[int, int]] = []  # (watermark, rss bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = self.proc.memory_info().rss
            except psutil.Error:
                return
            try:
                w = watermark(self.cp)
            except Exception:  # a checkpoint not written yet
                w = -1
            self.samples.append((w, rss))
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
