"""Watermark across out-of-order acknowledgements; atomic checkpoint writes."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path

import pytest

from babelsearch.errors import IngestError
from babelsearch.ingest.checkpoint import Checkpoint, Watermark, atomic_write, load_checkpoint
from babelsearch.ingest.deadletter import DeadLetterWriter, prune_after
from babelsearch.ingest.report import IngestReport


def test_watermark_waits_for_gaps() -> None:
    wm = Watermark()
    for p in (0, 1, 2, 4, 7):  # positions need not be consecutive
        wm.register(p)
    assert not wm.finish(2, "indexed", chunks=3, offset=30)
    assert not wm.finish(4, "skipped", offset=40)
    assert wm.value == -1
    assert wm.finish(0, "indexed", chunks=1, offset=10)
    assert wm.value == 0 and wm.offset == 10
    assert wm.finish(1, "dead_lettered", offset=20, code="invalid_json")
    assert wm.value == 4 and wm.offset == 40
    wm.finish(7, "indexed", chunks=2)
    assert wm.value == 7 and wm.pending == 0
    assert wm.counts == {
        "indexed": 3,
        "replaced": 0,
        "dead_lettered": 1,
        "skipped": 1,
        "chunks_indexed": 6,
        "dead_lettered:invalid_json": 1,
    }


def test_watermark_concurrent_random_order() -> None:
    n = 5000
    wm = Watermark()
    for p in range(n):
        wm.register(p)
    order = list(range(n))
    random.Random(3).shuffle(order)
    parts = [order[i::4] for i in range(4)]
    threads = [
        threading.Thread(target=lambda ps: [wm.finish(p, "indexed") for p in ps], args=(ps,))
        for ps in parts
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wm.value == n - 1 and wm.counts["indexed"] == n


def test_register_out_of_order_is_a_bug() -> None:
    wm = Watermark()
    wm.register(3)
    with pytest.raises(ValueError):
        wm.register(2)


def test_counts_carried_from_a_checkpoint_add_up() -> None:
    wm = Watermark(9, {"indexed": 8, "dead_lettered": 1, "skipped": 1, "chunks_indexed": 12})
    wm.register(10)
    wm.finish(10, "indexed", chunks=2)
    assert wm.counts["indexed"] == 9 and wm.counts["chunks_indexed"] == 14
    r = IngestReport(read=11, indexed=9, dead_lettered=1, skipped=1)
    assert r.consistent and r.exit_code == 2


def test_atomic_write_never_leaves_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "cp.json"
    cp = Checkpoint({"path": "x"}, 5, 100, {"indexed": 6})
    atomic_write(target, cp.to_bytes())
    loaded = load_checkpoint(target)
    assert loaded is not None and loaded.watermark == 5 and loaded.counts == {"indexed": 6}

    class Boom(Exception):
        pass

    # a failure while writing leaves the old file intact and no temp files behind
    orig = os.fsync

    def failing_fsync(fd: int) -> None:
        raise Boom()

    os.fsync = failing_fsync  # type: ignore[assignment]
    try:
        with pytest.raises(Boom):
            atomic_write(target, b"{broken")
    finally:
        os.fsync = orig
    assert load_checkpoint(target) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cp.json"]


def test_unreadable_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "cp.json"
    p.write_text("{not json")
    with pytest.raises(IngestError, match="delete it"):
        load_checkpoint(p)
    assert load_checkpoint(tmp_path / "missing.json") is None


def test_dead_letters_beyond_watermark_are_pruned_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "dl.jsonl"
    w = DeadLetterWriter(path, append=False, source="in.jsonl")
    for pos in (1, 5, 9):
        w.write(pos, f"invalid_json: at {pos}", "raw")
    w.close()
    other = DeadLetterWriter(path, append=True, source="other.jsonl")
    other.write(50, "invalid_utf8: x", "raw")
    other.close()
    assert prune_after(path, "in.jsonl", 5) == 1
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and '"position":9' not in "".join(lines)
