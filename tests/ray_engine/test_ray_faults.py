"""The Ray engine under faults, on a real two-node Ray cluster and the real node.

A 20,000-passage load (repeated ids, dead letters, skips) runs in a child driver
process; mid-run a Ray worker process is SIGKILLed (a writer in the middle of its
bulk requests, then an encoder), or the driver itself is SIGKILLed and the command
run again. Each time the index must hold exactly the input -- every expected id,
each document's chunks ``0..n-1`` and nothing else, the last version of a repeated
id -- and the report must count exactly.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from babelsearch.cluster import connect
from babelsearch.config import ClusterConfig
from babelsearch.schema import build_index_body, versioned_name
from ingest.hash_encoder import HashEncoder

from .conftest import ray_env, ray_workers
from .corpus import Expected, ray_config, write_corpus
from .driver import DIM

pytestmark = pytest.mark.integration

DRIVER = Path(__file__).with_name("driver.py")
N_DOCS = 20_000


@pytest.fixture
def ray_alias(client: Any) -> Iterator[str]:
    alias = f"ray-{uuid.uuid4().hex[:8]}"
    yield alias
    client.indices.delete(index=f"{alias}*", ignore_unavailable=True)


def create(url: str, alias: str) -> None:
    """The alias and its index, for the 64-d hash encoder the driver uses."""
    cfg = ray_config(url, alias)
    body = build_index_body(cfg, HashEncoder(dimension=DIM).info)
    body["aliases"] = {alias: {"is_write_index": True}}
    connect(ClusterConfig(url=url)).indices.create(index=versioned_name(alias, 1), body=body)


def start_driver(
    tmp: Path, src: Path, address: str, url: str, alias: str, *extra: str
) -> subprocess.Popen[str]:
    cmd = [
        sys.executable,
        str(DRIVER),
        str(src),
        "--address",
        address,
        "--url",
        url,
        "--alias",
        alias,
        "--dead-letter",
        str(tmp / "dead.jsonl"),
        "--report-json",
        str(tmp / "report.json"),
        *extra,
    ]
    return subprocess.Popen(
        cmd, env=ray_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def count(client: Any, alias: str) -> int:
    client.indices.refresh(index=alias)
    return int(client.count(index=alias)["count"])


def wait_for(client: Any, alias: str, at_least: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 400
    while count(client, alias) < at_least:
        assert proc.poll() is None, f"driver ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, "the load made no progress"
        time.sleep(0.3)


def scan(client: Any, alias: str) -> dict[str, list[tuple[int, str]]]:
    """doc_id → [(chunk_no, body)] of every chunk in the index, checking ``_id``s."""
    client.indices.refresh(index=alias)
    docs: dict[str, list[tuple[int, str]]] = {}
    resp = client.search(
        index=alias, scroll="1m", size=5000, _source=["doc_id", "chunk_no", "body.neutral"]
    )
    try:
        while hits := resp["hits"]["hits"]:
            for h in hits:
                s = h["_source"]
                n = int(s["chunk_no"])
                assert h["_id"] == (s["doc_id"] if n == 0 else f"{s['doc_id']}#{n}")
                docs.setdefault(s["doc_id"], []).append((n, (s.get("body") or {}).get("neutral")))
            resp = client.scroll(scroll_id=resp["_scroll_id"], scroll="1m")
    finally:
        client.clear_scroll(scroll_id=resp["_scroll_id"])
    return docs


def assert_exactly(client: Any, alias: str, exp: Expected, report: dict[str, Any]) -> None:
    docs = scan(client, alias)
    assert set(docs) == exp.ids  # no id lost, none extra
    chunks = 0
    for doc_id, parts in docs.items():
        nos = sorted(n for n, _b in parts)
        assert nos == list(range(len(nos))), f"{doc_id}: chunks {nos}"
        chunks += len(nos)
    for doc_id, body in exp.last_body.items():  # the last record of an id won
        assert [b for _n, b in sorted(docs[doc_id])] == [body]
    assert report["status"] == "ok"
    assert (report["read"], report["indexed"], report["replaced"]) == (
        exp.read,
        exp.indexed,
        exp.replaced,
    )
    assert (report["dead_lettered"], report["skipped"]) == (exp.dead_lettered, exp.skipped)
    assert report["chunks_indexed"] == chunks == count(client, alias)


def assert_dead_letters(path: Path, exp: Expected) -> None:
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["position"] for e in entries] == exp.bad_positions  # each once, in order
    assert {e["code"] for e in entries} == {"truncated_line", "invalid_text_type", "reserved_id"}


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 2, f"exit {proc.returncode}\n{err[-3000:]}"  # 2: dead letters
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_sigkilled_ray_workers_mid_run_leave_exactly_the_input(
    ray_address: str, opensearch_url: str, client: Any, ray_alias: str, tmp_path: Path
) -> None:
    src = tmp_path / "load.jsonl"
    exp = write_corpus(src, N_DOCS)
    create(opensearch_url, ray_alias)
    # the encoder takes 0.4 s a batch, so that encoders are still at work when one is killed
    proc = start_driver(tmp_path, src, ray_address, opensearch_url, ray_alias, "--delay", "0.4")
    killed = []
    for kind, at in (("EncodeStage", 300), ("WriteStage", 4000)):
        wait_for(client, ray_alias, at, proc)
        victims = ray_workers(kind)
        assert victims, f"no {kind} worker process found"
        victims[-1].send_signal(signal.SIGKILL)
        killed.append((kind, victims[-1].pid))
    report = finish(proc)
    assert len(killed) == 2
    assert_exactly(client, ray_alias, exp, report)
    assert_dead_letters(tmp_path / "dead.jsonl", exp)


def test_sigkilled_driver_then_rerun_leaves_exactly_the_input(
    ray_address: str, opensearch_url: str, client: Any, ray_alias: str, tmp_path: Path
) -> None:
    src = tmp_path / "load.jsonl"
    exp = write_corpus(src, N_DOCS // 2, seed=12)
    create(opensearch_url, ray_alias)
    proc = start_driver(tmp_path, src, ray_address, opensearch_url, ray_alias)
    wait_for(client, ray_alias, 2500, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    partial = count(client, ray_alias)
    assert 0 < partial < exp.indexed
    assert not (tmp_path / "dead.jsonl").exists()  # only a finished driver writes it
    report = finish(start_driver(tmp_path, src, ray_address, opensearch_url, ray_alias))
    assert_exactly(client, ray_alias, exp, report)
    assert_dead_letters(tmp_path / "dead.jsonl", exp)
