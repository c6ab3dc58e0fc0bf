"""``encoder.workers``: the ``use`` encoder's batches run side by side in threads.

Why a test: parallelism must change how fast vectors come, never which vectors; and a
single query (one batch) must not go through the pool at all.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from babelsearch.config import EncoderConfig, parse_config
from babelsearch.encoders.use import UseEncoder
from babelsearch.errors import ConfigError

TEXTS = [
    f"{w} number {i} in a sentence of some length {'x' * (i % 17)}"
    for i, w in enumerate(["Berlin", "Tesla", "Paris", "Nil", "Москва", "東京", "القاهرة"] * 12)
]


class Recording(UseEncoder):
    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__(cfg)
        self.threads: set[str] = set()
        self.batches: list[int] = []

    def _batch(self, texts: list[str]):  # type: ignore[no-untyped-def]
        self.threads.add(threading.current_thread().name)
        self.batches.append(len(texts))
        return super()._batch(texts)


def test_workers_give_the_same_vectors_from_several_threads() -> None:
    one = Recording(EncoderConfig(batch_size=8, workers=1))
    two = Recording(EncoderConfig(batch_size=8, workers=2))
    a = one.encode_documents(TEXTS).dense
    b = two.encode_documents(TEXTS).dense
    assert np.array_equal(a, b)
    assert sorted(one.batches) == sorted(two.batches)  # same batch boundaries
    assert one.threads == {threading.current_thread().name}
    assert two.threads and all(t.startswith("use") for t in two.threads)


def test_a_single_batch_stays_on_the_calling_thread() -> None:
    enc = Recording(EncoderConfig(batch_size=8, workers=2))
    enc.encode_queries(["Wer erfand den QR-Code?"])
    enc.encode_documents(TEXTS[:8])
    assert enc.threads == {threading.current_thread().name}


@pytest.mark.parametrize(("key", "value"), [("workers", -1), ("threads", 0)])
def test_bad_worker_settings_are_named(key: str, value: int) -> None:
    with pytest.raises(ConfigError, match=r"^encoder\.use\.(threads|workers): must be"):
        parse_config(
            {"index": {"name": "x"}, "languages": ["en"], "fields": {"text": ["body"]},
             "encoder": {key: value}}
        )  # fmt: skip


def test_default_workers_follow_the_cores_the_process_may_use() -> None:
    """A loader pinned to one core (``taskset``, a container cpuset) runs one worker, not
    one per core of the machine: two threads on one core only add switching."""
    import shutil
    import subprocess
    import sys

    from babelsearch.encoders.use import usable_cores

    assert usable_cores() == len(os.sched_getaffinity(0))
    taskset = shutil.which("taskset")
    assert taskset, "util-linux's taskset is part of every Debian machine"
    code = (
        "from babelsearch.config import EncoderConfig\n"
        "from babelsearch.encoders.use import UseEncoder, usable_cores\n"
        "print(usable_cores(), UseEncoder(EncoderConfig())._workers())"
    )
    out = subprocess.run(
        [taskset, "-c", "0", sys.executable, "-c", code],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert out.stdout.split() == ["1", "None"], out
