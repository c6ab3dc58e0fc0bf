"""Node faults and backpressure against dedicated nodes (never the shared one).

* A node whose write pool is one thread with a queue of one answers bulk with 429
  (``es_rejected_execution_exception``) all the time: the load still finishes, nothing
  is lost or duplicated, retries stay bounded and the ingest process's memory is flat.
* The same single node is SIGKILLed mid-ingest and started again: the ingestor waits,
  retries and finishes with every id once.
* A two-node cluster with one replica loses its data node mid-ingest (SIGKILL), then
  gets it back: every document acknowledged before the kill is still there while the
  node is down, and the load finishes with exactly the input.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from babelsearch.cluster import connect
from babelsearch.config import ClusterConfig
from babelsearch.indices import apply
from babelsearch.node import LocalNode

from .conftest import (
    assert_exactly,
    child_env,
    cli_cmd,
    config_data,
    free_ports,
    make_config,
    make_docs,
    write_config,
    write_jsonl,
)
from .watch import RssSampler, wait_watermark, watermark

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HEAP = "512m"
TINY_WRITE_POOL = {"thread_pool.write.size": 1, "thread_pool.write.queue_size": 1}


@pytest.fixture(scope="module")
def tiny_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    node = LocalNode(
        port=free_ports(1),
        heap=HEAP,
        data_dir=tmp_path_factory.mktemp("tiny-queue-node"),
        extra_settings=TINY_WRITE_POOL,
    )
    node.start(timeout=300)
    try:
        yield node
    finally:
        node.stop()


def _setup(url: str, alias: str, tmp: Path, n: int, **ingest: Any) -> tuple[Path, Path, list[str]]:
    data = config_data(url, alias, **ingest)
    apply(make_config(data), client=connect(ClusterConfig(url=url)))
    cfg = write_config(tmp / "cfg.yaml", data)
    docs = make_docs(n)
    src = write_jsonl(tmp / "in.jsonl", docs)
    return cfg, src, [d["id"] for d in docs]


def _start(cfg: Path, src: Path, tmp: Path, delay: str = "0") -> subprocess.Popen[str]:
    args = ["ingest", str(src), "--config", str(cfg), "--no-progress"]
    args += ["--dead-letter", str(tmp / "dead.jsonl"), "--report-json", str(tmp / "rep.json")]
    return subprocess.Popen(
        cli_cmd(*args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(FAULT_ENC_DELAY=delay),
    )


def _finish(proc: subprocess.Popen[str], tmp: Path, n: int, limit: float = 400) -> dict[str, Any]:
    try:
        _, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("ingest hung")
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    report: dict[str, Any] = json.loads((tmp / "rep.json").read_text())
    assert report["read"] == n == report["indexed"], report
    assert report["dead_lettered"] == 0 and report["skipped"] == 0, report
    report["stderr"] = err
    return report


def test_backpressure_429s_finish_with_nothing_lost_and_flat_memory(
    tiny_node: LocalNode, tmp_path: Path
) -> None:
    n, retries = 8000, 40
    client = connect(ClusterConfig(url=tiny_node.url, timeout=60))
    alias = "t-bp"
    cfg, src, ids = _setup(
        tiny_node.url,
        alias,
        tmp_path,
        n,
        encode_batch_size=200,
        bulk={
            "max_docs": 50,
            "max_in_flight": 3,
            "max_retries": retries,
            "initial_backoff": 0.1,
            "max_backoff": 5.0,
        },
    )
    before = _rejected(client)
    proc = _start(cfg, src, tmp_path)
    sampler = RssSampler(proc.pid, Path(f"{src}.babelsearch-checkpoint.json"))
    try:
        report = _finish(proc, tmp_path, n)
    finally:
        sampler.stop()
    rejected = _rejected(client) - before
    print(f"429 rejections on the node: {rejected}; items resent: {report['retried']}")
    assert rejected > 0, "the tiny write queue never pushed back"
    assert 0 < report["retried"] <= retries * n
    assert report["retried"] <= 3 * rejected * 50  # only rejected items are resent
    assert_exactly(client, alias, set(ids))

    # Memory over the run once it is writing (a checkpoint exists): the later half of
    # those samples may not need much more than the earlier half. Split by sample, not
    # by watermark: checkpoints land at most once a second, so the first one can already
    # be past any fixed share of the input on a fast machine.
    running = [rss for w, rss in sampler.samples if w >= 0]
    assert len(running) >= 10, sampler.samples[:5]
    early, warm = running[: len(running) // 2], running[len(running) // 2 :]
    growth = max(warm) - max(early)
    print(f"RSS early max {max(early) >> 20} MiB, later max {max(warm) >> 20} MiB")
    assert growth < 80 << 20, f"ingest memory grew by {growth >> 20} MiB under backpressure"


def _wait_green(client: Any, alias: str, limit: float = 300) -> dict[str, Any]:
    """Green health for ``alias`` (replica recovery is slow on a busy 2-core machine)."""
    from opensearchpy.exceptions import TransportError

    deadline = time.monotonic() + limit
    while True:
        try:
            health: dict[str, Any] = client.cluster.health(index=alias, wait_for_status="green")
        except TransportError as exc:  # 408: not green within the server's 30 s
            if exc.status_code != 408 or time.monotonic() > deadline:
                raise
            continue
        if health["status"] == "green" or time.monotonic() > deadline:
            return health


def _rejected(client: Any) -> int:
    stats = client.nodes.stats(metric="thread_pool")
    return sum(int(s["thread_pool"]["write"]["rejected"]) for s in stats["nodes"].values())


def test_single_node_sigkilled_and_restarted_mid_ingest(
    tiny_node: LocalNode, tmp_path: Path
) -> None:
    n = 6000
    alias = "t-restart"
    cfg, src, ids = _setup(
        tiny_node.url,
        alias,
        tmp_path,
        n,
        encode_batch_size=100,
        bulk={"max_docs": 100, "max_retries": 60, "initial_backoff": 0.2, "max_backoff": 4.0},
    )
    cp = Path(f"{src}.babelsearch-checkpoint.json")
    proc = _start(cfg, src, tmp_path, delay="0.05")
    at_kill = wait_watermark(proc, cp, 1000, 240)
    assert tiny_node.stop_node(0, kill=True)
    time.sleep(3)  # the ingestor now meets refused connections
    assert proc.poll() is None, "the ingestor gave up instead of waiting"
    stalled = watermark(cp)
    tiny_node.start(timeout=300)
    report = _finish(proc, tmp_path, n)
    print(f"killed the node at watermark {at_kill} (stalled at {stalled}); {report}")
    assert report["retried"] > 0
    # a user waiting on the down cluster saw each wait announced before it began
    waits = re.findall(r"cluster unavailable \(.*\), retry (\d+)/60 in [\d.]+ s", report["stderr"])
    assert waits and waits[0] == "1", report["stderr"][-2000:]
    assert_exactly(connect(ClusterConfig(url=tiny_node.url)), alias, set(ids))


def test_two_node_cluster_loses_and_regains_a_node_mid_ingest(tmp_path: Path) -> None:
    n = 6000
    node = LocalNode(port=free_ports(2), heap=HEAP, data_dir=tmp_path / "cluster", nodes=2)
    node.start(timeout=400)
    try:
        client = connect(ClusterConfig(url=node.url, timeout=60))
        alias = "t-two"
        data = config_data(
            node.url,
            alias,
            encode_batch_size=100,
            bulk={"max_docs": 100, "max_retries": 40, "initial_backoff": 0.2, "max_backoff": 4.0},
        )
        data["index"].update({"shards": 2, "replicas": 1})
        apply(make_config(data), client=client)
        _wait_green(client, alias)
        cfg = write_config(tmp_path / "cfg.yaml", data)
        docs = make_docs(n)
        src = write_jsonl(tmp_path / "in.jsonl", docs)
        cp = Path(f"{src}.babelsearch-checkpoint.json")
        proc = _start(cfg, src, tmp_path, delay="0.5")

        at_kill = wait_watermark(proc, cp, 1500, 240)
        assert node.stop_node(1, kill=True)
        deadline = time.monotonic() + 120
        while client.cluster.health()["number_of_nodes"] != 1:
            assert time.monotonic() < deadline, "node-1 never left the cluster"
            time.sleep(0.5)
        ledger = [d["id"] for d in docs[: at_kill + 1]]  # acknowledged before the kill
        client.indices.refresh(index=alias)
        found = client.count(index=alias, body={"query": {"ids": {"values": ledger}}})["count"]
        assert found == len(ledger), f"{len(ledger) - found} acknowledged documents lost"
        assert proc.poll() is None

        node.restart_node(1, timeout=300)
        print(f"ingest still running when node-1 rejoined: {proc.poll() is None}")
        report = _finish(proc, tmp_path, n)
        print(f"node-1 killed at watermark {at_kill}; {report}")
        assert_exactly(client, alias, {d["id"] for d in docs})
        health = _wait_green(client, alias)
        assert health["status"] == "green" and health["number_of_nodes"] == 2
    finally:
        node.stop()
