"""SIGKILL mid-run, then resume: exactly the input ids in the index, each once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from babelsearch.encoders import describe_encoder
from babelsearch.ingest.checkpoint import load_checkpoint

from .conftest import all_ids, create_index, make_config, make_docs
from .hash_encoder import HashEncoder

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
BAD = [
    b'{"id":"broken","body":"x"',
    b'{"id":"bad\xff","body":"x"}',
    b"[1]",
    b'{"id":"n","body":"x","n":"NaN-ish"}',
]


def _write_input(path: Path, docs: list[dict[str, Any]], every: int) -> dict[int, bytes]:
    lines: list[bytes] = []
    bad_at: dict[int, bytes] = {}
    for i, d in enumerate(docs):
        if i and i % every == 0:
            bad_at[len(lines)] = BAD[(i // every) % len(BAD)]
            lines.append(bad_at[len(lines)])
        lines.append(orjson.dumps(d))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return bad_at


def _kill_when(proc: subprocess.Popen[bytes], cp: Path, at_least: int, total: int) -> int:
    """SIGKILL the child once the checkpoint watermark passes ``at_least``; returns it."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else b""
            err = proc.stderr.read() if proc.stderr else b""
            pytest.fail(f"child finished before the kill: {out!r} {err[-2000:]!r}")
        try:
            state = load_checkpoint(cp)
        except Exception:  # a torn read would be a bug: atomic writes never tear
            raise
        if state is not None and state.watermark >= at_least:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert state.watermark < total - 1, "killed too late to test resume"
            return state.watermark
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the child made no progress")


def _check_exact(client: Any, alias: str, expected: set[str]) -> None:
    ids, doc_ids = all_ids(client, alias)
    assert len(ids) == len(set(ids))
    chunk0 = [i for i in ids if "#" not in i]
    assert sorted(chunk0) == sorted(expected)  # each input id once
    assert set(doc_ids) == expected


def test_sigkill_then_resume_gives_exact_id_set(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg_data = {
        "index": {"name": prefix},
        "languages": ["en", "de", "fr", "es", "zh", "ja", "ru"],
        "fields": {"text": ["title", "body"], "metadata": {"n": "integer", "topic": "keyword"}},
        "cluster": {"url": ingest_url},
        "ingest": {
            "encode_batch_size": 32,
            "bulk": {"max_docs": 64, "max_in_flight": 2},
            "chunking": {"max_chars": 300, "overlap_chars": 50},
        },
    }
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_bytes(orjson.dumps(cfg_data))
    docs = make_docs(6000, long_every=100)
    for d in docs:
        d.pop("published", None)
    src = tmp_path / "in.jsonl"
    bad_at = _write_input(src, docs, every=700)
    total = len(docs) + len(bad_at)
    dl = tmp_path / "dead.jsonl"
    cp = Path(f"{src}.babelsearch-checkpoint.json")
    cmd = [sys.executable, str(HERE / "kill_target.py"), str(cfg_path), str(src), str(dl)]

    first = subprocess.Popen(
        [*cmd, "0.04", "fresh"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    mark = _kill_when(first, cp, 1500, total)
    before = ingest_client.count(index=prefix)["count"]
    assert before > 0

    done = subprocess.run([*cmd, "0", "resume"], capture_output=True, timeout=300)
    assert done.returncode == 2, done.stderr[-3000:]
    report = orjson.loads(done.stdout.splitlines()[-1])
    assert report["resumed_from"] == mark
    assert report["read"] == total
    assert report["indexed"] == len(docs)
    assert report["dead_lettered"] == len(bad_at)
    assert report["read"] == report["indexed"] + report["dead_lettered"] + report["skipped"]
    _check_exact(ingest_client, prefix, {d["id"] for d in docs})
    entries = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    assert sorted(e["position"] for e in entries) == sorted(bad_at)  # no duplicates
    state = load_checkpoint(cp)
    assert state is not None and state.complete and state.watermark == total - 1

    again = subprocess.run([*cmd, "0", "resume"], capture_output=True, timeout=300)
    assert orjson.loads(again.stdout.splitlines()[-1])["read"] == total  # idempotent


def test_cli_with_default_encoder_sigkill_and_resume(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """The real ``use`` encoder through the CLI: kill, ``--resume``, exact ids, exit codes."""
    cfg_data = {
        "index": {"name": prefix},
        "languages": ["en", "de", "fr", "es", "zh", "ja", "ru"],
        "fields": {"text": ["title", "body"], "metadata": {"n": "integer", "topic": "keyword"}},
        "encoder": {"kind": "use"},
        "cluster": {"url": ingest_url},
        "ingest": {"encode_batch_size": 8, "bulk": {"max_docs": 8}},
    }
    cfg_path = tmp_path / "cfg.yaml"  # JSON is YAML
    cfg_path.write_bytes(orjson.dumps(cfg_data))
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, describe_encoder(cfg.encoder))
    docs = make_docs(1500, seed=11)  # enough that a quiet machine is still mid-run at the kill
    src = tmp_path / "docs.jsonl"
    src.write_bytes(b"\n".join(orjson.dumps(d) for d in docs) + b"\n")
    cp = Path(f"{src}.babelsearch-checkpoint.json")
    exe = str(Path(sys.executable).with_name("babelsearch"))
    base = [
        exe,
        "ingest",
        str(src),
        "--config",
        str(cfg_path),
        "--dead-letter",
        str(tmp_path / "dl.jsonl"),
        "--no-progress",
    ]
    first = subprocess.Popen(base, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mark = _kill_when(first, cp, 15, len(docs))
    rep = tmp_path / "report.json"
    done = subprocess.run(
        [*base, "--resume", "--report-json", str(rep)], capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = orjson.loads(rep.read_bytes())
    assert report["resumed_from"] == mark and report["read"] == report["indexed"] == len(docs)
    _check_exact(ingest_client, prefix, {d["id"] for d in docs})
    src_doc = ingest_client.get(index=prefix, id=docs[3]["id"])["_source"]
    vec = src_doc["embedding"]
    assert len(vec) == 512 and abs(sum(x * x for x in vec) - 1.0) < 1e-3
