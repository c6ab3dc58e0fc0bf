"""A real two-node Ray cluster on loopback for the Ray engine tests.

The head (``ray start --head``) and a second node (``ray start --address``) each get one
CPU, a small object store and no dashboard, on ports from 6390 up; both are stopped after
the last test of this folder (``ray stop --force``, which ends every Ray process of this
machine: nothing else here runs Ray). Ray itself is imported only by the tests that
use it, so the unit tier collects this folder without Ray installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

RAY_BIN = Path(sys.executable).with_name("ray")
OBJECT_STORE = 200 * 2**20


def _free_port(start: int = 6390, stop: int = 6490) -> int:
    for port in range(start, stop, 2):
        ok = True
        for p in (port, port + 1):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError(f"no free port pair in {start}..{stop}")


def ray_env() -> dict[str, str]:
    # a throw-away loopback cluster: no token auth (Ray 2.60 turns it on when it finds a
    # token file in ~/.ray, which a local ``ray.init`` may have left)
    env = dict(
        os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_DEDUP_LOGS="0", RAY_AUTH_MODE="disabled"
    )
    env.pop("RAY_ADDRESS", None)
    return env


def _ray(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RAY_BIN), *args],
        env=ray_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=check,
    )


@pytest.fixture(scope="package")
def ray_address() -> Iterator[str]:
    """``127.0.0.1:<port>`` of a running head + worker node (2 CPUs in all), for this
    folder's tests only: stopped after its last test, so the idle Ray processes do not
    compete with the rest of the suite for the two cores."""
    port = _free_port()
    # a short path: Ray's unix sockets live below it (108-byte limit)
    temp = tempfile.mkdtemp(prefix="bsray-", dir="/tmp")
    address = f"127.0.0.1:{port}"
    common = [
        "--num-cpus",
        "1",
        "--object-store-memory",
        str(OBJECT_STORE),
        "--node-ip-address",
        "127.0.0.1",
        "--disable-usage-stats",
    ]
    before = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # for the drivers in this process too
    try:
        _ray(
            "start",
            "--head",
            "--port",
            str(port),
            "--ray-client-server-port",
            str(port + 1),
            "--include-dashboard=false",
            "--temp-dir",
            temp,
            *common,
        )
        _ray("start", "--address", address, *common)
        _wait_for_nodes(address, 2)
        yield address
    finally:
        _ray("stop", "--force", check=False)
        shutil.rmtree(temp, ignore_errors=True)
        if before is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = before


def _wait_for_nodes(address: str, n: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        out = _ray("status", "--address", address, check=False).stdout
        alive = out.split("Active:", 1)[-1].split("Pending:", 1)[0].count("node_")
        if alive >= n:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Ray cluster has {alive} of {n} nodes:\n{out}")
        time.sleep(1.0)


def ray_workers(kind: str) -> list[Any]:
    """Live Ray worker processes whose title names ``kind`` (e.g. ``WriteStage``)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info.get("cmdline") or [])
        if cmd.startswith("ray::") and kind in cmd:
            found.append(proc)
    return found
