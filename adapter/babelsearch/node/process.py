"""OS-level helpers for a local node: launch the JVM, find, signal and reap our PIDs, poll health.

Kept apart from ``LocalNode`` so the policy (which node, which ports) reads
separately from the mechanics (argv, signals, HTTP polling).
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any

from ..errors import NodeError
from .configfiles import jvm_options, write_node_config
from .java import find_java, java_major
from .spec import DistributionSpec

__all__ = [
    "admin_auth",
    "alive",
    "health_status",
    "is_our_process",
    "launch",
    "node_settings",
    "reap",
    "require_java",
    "signal_pid",
    "tail",
    "validate_heap",
    "wait_healthy",
]

BOOTSTRAP_CLASS = "org.opensearch.bootstrap.OpenSearch"
_HEAP = re.compile(r"^\d+[mMgG]$")

# OpenSearch refuses to start as root, and it asks JNA whether it is root. CI
# containers and this project's dev machines run everything as root, so there we
# keep JNA from loading its native stub: the check then cannot run (logged as a
# warning) and mlockall / the seccomp filter are skipped. Acceptable for a node
# bound to 127.0.0.1 for development and tests only; never for a real deployment.
_ROOT_FLAGS = ["-Djna.nounpack=true", "-Djna.nosys=true", "-Djna.boot.library.path=/nonexistent"]


def validate_heap(heap: str) -> str:
    if not _HEAP.match(heap):
        raise NodeError(f"--heap must look like 512m or 1g, got {heap!r}")
    return heap.lower()


def require_java(spec: DistributionSpec) -> str:
    """A ``java`` that fits the recipe's Java range (see :mod:`babelsearch.node.java`)."""
    return find_java(spec)


def node_settings(
    *,
    cluster_name: str,
    index: int,
    http_port: int,
    transport_ports: list[int],
    security_installed: bool,
) -> dict[str, Any]:
    """Settings of node ``index``: single-node discovery alone, seed hosts in a cluster."""
    settings: dict[str, Any] = {
        "cluster.name": cluster_name,
        "node.name": f"node-{index}",
        "http.port": http_port,
        "transport.port": transport_ports[index],
    }
    if len(transport_ports) == 1:
        settings["discovery.type"] = "single-node"
    else:
        # Only node-0 is cluster-manager-eligible: with two eligible nodes the quorum
        # is lost when either stops, and fault tests need to kill a data node and
        # keep a working cluster.
        settings["discovery.seed_hosts"] = [f"127.0.0.1:{p}" for p in transport_ports]
        settings["cluster.initial_cluster_manager_nodes"] = ["node-0"]
        settings["node.roles"] = (
            ["cluster_manager", "data", "ingest"] if index == 0 else ["data", "ingest"]
        )
    if security_installed:
        # The security plugin is in plugins/ once any node asked for it; others opt out.
        settings["plugins.security.disabled"] = True
    return settings


def launch(
    *,
    spec: DistributionSpec,
    java: str,
    home: Path,
    node_dir: Path,
    settings: dict[str, Any],
    heap: str,
    tls: Any,
    index: int,
) -> dict[str, Any]:
    """Write the node's config and start its JVM detached; return its state record."""
    conf = node_dir / "config"
    data, logs, tmp = node_dir / "data", node_dir / "logs", node_dir / "tmp"
    for folder in (data, logs, tmp):
        folder.mkdir(parents=True, exist_ok=True)
    settings = {**settings, "path.data": str(data), "path.logs": str(logs)}
    if tls is not None:
        tls.install(index, conf)
    write_node_config(home / "config", conf, settings)
    major = java_major(java)
    extra = spec.launch_flags(major, home)
    flags = jvm_options(conf)
    if any(f.startswith("-Djava.locale.providers") for f in extra):
        flags = [f for f in flags if not f.startswith("-Djava.locale.providers")]
    flags += extra
    if os.geteuid() == 0:
        flags += _ROOT_FLAGS
    argv = [
        java,
        *flags,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        f"-Djava.io.tmpdir={tmp}",
        f"-Dopensearch.path.home={home}",
        f"-Dopensearch.path.conf={conf}",
        "-Dopensearch.distribution.type=tar",
        "-Dopensearch.bundled_jdk=false",
        "-cp",
        str(home / "lib" / "*"),
        BOOTSTRAP_CLASS,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENSEARCH_", "ES_"))}
    env["OPENSEARCH_TMPDIR"] = str(tmp)
    stdout = logs / "stdout.log"
    with stdout.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            cwd=node_dir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    (node_dir / "node.pid").write_text(str(proc.pid))
    return {
        "name": settings["node.name"],
        "pid": proc.pid,
        "conf": str(conf),
        "http_port": settings["http.port"],
        "transport_port": settings["transport.port"],
        "log": str(logs / f"{settings['cluster.name']}.log"),
    }


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def is_our_process(pid: int, conf: str) -> bool:
    """The PID is alive and is the JVM we started with exactly this config path."""
    return alive(pid) and f"-Dopensearch.path.conf={conf} " in _cmdline(pid) + " "


def signal_pid(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        raise NodeError(f"not allowed to signal pid {pid}: {exc}") from exc


def reap(pid: int, *, timeout: float) -> None:
    """Collect the exit status when the JVM is our child (tests), so no zombie remains."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return  # not our child: init reaps it
        if done or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def admin_auth(data_dir: Path) -> tuple[str, str]:
    """The generated admin credentials of a ``--security`` node."""
    try:
        creds = json.loads((data_dir / "certs" / "admin.json").read_text())
    except (OSError, ValueError) as exc:
        raise NodeError(f"no admin credentials under {data_dir / 'certs'}: {exc}") from exc
    return creds["username"], creds["password"]


def _get_json(
    url: str, *, auth: tuple[str, str] | None, ca: str | None, timeout: float
) -> dict[str, Any]:
    req = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    ctx = ssl.create_default_context(cafile=ca) if url.startswith("https") else None
    with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def health_status(
    url: str, *, auth: tuple[str, str] | None = None, ca: str | None = None
) -> str | None:
    try:
        return str(_get_json(f"{url}/_cluster/health", auth=auth, ca=ca, timeout=5)["status"])
    except (OSError, ValueError, KeyError, urllib.error.URLError):
        return None


def wait_healthy(
    url: str,
    *,
    pids: list[int],
    nodes: int,
    timeout: float,
    auth: tuple[str, str] | None = None,
    ca: str | None = None,
) -> str | None:
    """Poll until yellow/green with ``nodes`` nodes; an error message, or None on success."""
    deadline = time.monotonic() + timeout
    query = f"{url}/_cluster/health?wait_for_status=yellow&wait_for_nodes={nodes}&timeout=2s"
    last = "no answer yet"
    while time.monotonic() < deadline:
        dead = [p for p in pids if not alive(p)]
        if dead:
            return f"the OpenSearch JVM (pid {dead[0]}) exited during startup"
        try:
            health = _get_json(query, auth=auth, ca=ca, timeout=10)
            if not health.get("timed_out") and health.get("status") in ("yellow", "green"):
                return None
            last = f"status {health.get('status')}, {health.get('number_of_nodes')} node(s)"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(1.0)
    return f"the node at {url} was not healthy within {timeout:.0f}s ({last})"


def tail(path: Path, lines: int) -> str:
    try:
        with path.open(errors="replace") as fh:
            return "".join(deque(fh, maxlen=max(lines, 0)))
    except OSError:
        return ""
