"""Crash and resume: SIGKILL ``babelsearch ingest`` at random points of a 20k load.

After each kill the same command runs again with ``--resume``; at the end the index
holds exactly the input ids, each once (``_id`` and ``doc_id``, scroll and terms
agg), the dead-letter file holds each bad line once, and the report adds up.
The kill points are random (seed printed; ``FAULT_SEED`` replays a run;
``FAULT_DOCS`` / ``FAULT_KILLS`` make it bigger for a soak run).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from babelsearch.ingest.checkpoint import load_checkpoint

from .conftest import (
    assert_exactly,
    child_env,
    cli_cmd,
    config_data,
    make_docs,
    run_cli,
    write_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N_DOCS = int(os.environ.get("FAULT_DOCS", "20000"))
KILLS = int(os.environ.get("FAULT_KILLS", "3"))
BAD_LINES = [
    b'{"id": "trunc", "body": "cut off',
    b'\xff\xfe{"id": "latin1", "body": "caf\xe9"}',
    b"[1, 2, 3]",
    b'{"id": "dup", "id": "dup2", "body": "duplicate keys"}',
    b'{"id": "nan", "body": "x", "n": NaN}',
]


def _write_input(path: Path, docs: list[dict[str, Any]]) -> set[int]:
    """Good records with a bad line every 2,000; returns the bad lines' positions."""
    bad: set[int] = set()
    with path.open("wb") as fh:
        pos = 0
        for i, d in enumerate(docs):
            if i and i % 2000 == 0:
                fh.write(BAD_LINES[(i // 2000) % len(BAD_LINES)] + b"\n")
                bad.add(pos)
                pos += 1
            fh.write(json.dumps(d, ensure_ascii=False).encode() + b"\n")
            pos += 1
    return bad


def _kill_at_random_point(
    proc: subprocess.Popen[bytes], cp: Path, rng: random.Random, after: int, total: int
) -> int:
    """SIGKILL once the watermark is past a random target beyond ``after``."""
    target = after + rng.randint(total // (4 * KILLS), total // (2 * KILLS))
    jitter = rng.uniform(0.0, 0.4)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            pytest.fail(f"ingest ended (rc={proc.returncode}) before the kill: {err[-1500:]}")
        state = load_checkpoint(cp)
        if state is not None and state.watermark >= target:
            time.sleep(jitter)  # somewhere between two checkpoints, mid-bulk
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            final = load_checkpoint(cp)
            assert final is not None and not final.complete, "killed after the end"
            return final.watermark
        time.sleep(0.02)
    proc.kill()
    pytest.fail("ingest made no progress within 240 s")


def test_random_sigkills_then_resume_index_exactly_the_input(
    opensearch_url: str, client: Any, alias: str, tmp_path: Path
) -> None:
    seed = int(os.environ.get("FAULT_SEED") or time.time_ns() % 1_000_000)
    print(f"FAULT_SEED={seed}")
    rng = random.Random(seed)
    docs = make_docs(N_DOCS, seed=seed)
    src = tmp_path / "load.jsonl"
    bad = _write_input(src, docs)
    total = N_DOCS + len(bad)
    cfg = write_config(
        tmp_path / "cfg.yaml",
        config_data(
            opensearch_url,
            alias,
            encode_batch_size=250,
            bulk={"max_docs": 500, "max_in_flight": 2},
        ),
    )
    dl, cp = tmp_path / "dead.jsonl", Path(f"{src}.babelsearch-checkpoint.json")
    rep = tmp_path / "report.json"
    base = ["ingest", str(src), "--config", str(cfg), "--dead-letter", str(dl), "--no-progress"]
    base += ["--report-json", str(rep)]

    marks: list[int] = []
    after = 0
    for k in range(KILLS):
        args = [*base, "--create"] if k == 0 else [*base, "--resume"]
        proc = subprocess.Popen(
            cli_cmd(*args),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=child_env(FAULT_ENC_DELAY="0.05"),
        )
        after = _kill_at_random_point(proc, cp, rng, after, total)
        marks.append(after)
    assert marks == sorted(marks) and marks[-1] < total - 1, marks
    print(f"killed at watermarks {marks}")

    done = run_cli(*base, "--resume", timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]  # the planted bad lines
    report = json.loads(rep.read_text())
    assert report["resumed_from"] == marks[-1]
    assert report["read"] == total
    assert report["indexed"] + report["dead_lettered"] + report["skipped"] == total
    assert report["indexed"] == N_DOCS and report["dead_lettered"] == len(bad)
    assert_exactly(client, alias, {d["id"] for d in docs})

    letters = [json.loads(line) for line in dl.read_text().splitlines()]
    assert sorted(e["position"] for e in letters) == sorted(bad)  # each bad line once
    assert all(e.get("reason") for e in letters)
    state = load_checkpoint(cp)
    assert state is not None and state.complete and state.watermark == total - 1

    again = run_cli(*base, "--resume", timeout=120)  # a completed load is a no-op
    assert again.returncode == 2, again.stderr[-2000:]
    assert json.loads(rep.read_text())["read"] == total
    assert_exactly(client, alias, {d["id"] for d in docs})
