"""``LocalNode``: start, watch and stop an OpenSearch node (or small cluster) on loopback.

The node runs as a detached ``java`` process started with the real bootstrap
class, so it outlives the ``babelsearch node start`` command. What we started is
recorded in a state file (``<home>/run/node-<port>.json``) with each PID and the
exact config path it was given; ``stop`` signals a PID only when its command line
still carries that path, so a recycled PID of some other program is never hit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NodeError
from . import process
from .assemble import (
    assemble,
    assembled_version,
    is_assembled,
    missing_plugins,
    no_security_message,
)
from .spec import DEFAULT_VERSION, SECURITY_PLUGIN, DistributionSpec, distribution_spec

__all__ = ["LocalNode", "NodeStatus", "default_home", "start_cluster"]


def default_home(version: str = DEFAULT_VERSION) -> Path:
    """``$BABELSEARCH_HOME`` or ``~/.cache/babelsearch/opensearch-<version>``."""
    env = os.environ.get("BABELSEARCH_HOME")
    if env:
        return Path(env).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "babelsearch" / f"opensearch-{version}"


@dataclass(frozen=True)
class NodeStatus:
    """What ``babelsearch node status`` reports."""

    running: bool
    url: str
    version: str
    home: str
    pid: int | None = None
    pids: list[int] = field(default_factory=list)
    data_dir: str | None = None
    log_file: str | None = None
    health: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class LocalNode:
    """A local OpenSearch built from Maven Central artifacts.

    ``nodes > 1`` starts a cluster on consecutive HTTP ports (``port``, ``port+1``,
    ...) for fault tests; ``url`` is the first node's. Transport ports are
    ``transport_port`` (default ``port + 100``) and up; a busy one is an error, not
    a silent pick of some other port, so that the ports of a node are predictable.
    """

    def __init__(
        self,
        version: str = DEFAULT_VERSION,
        home: str | Path | None = None,
        port: int = 9200,
        heap: str = "1g",
        data_dir: str | Path | None = None,
        *,
        nodes: int = 1,
        security: bool = False,
        extra_settings: dict[str, Any] | None = None,
        transport_port: int | None = None,
    ) -> None:
        if nodes < 1:
            raise NodeError(f"--nodes must be at least 1, got {nodes}")
        if not 1 <= port <= 65535 - nodes:
            raise NodeError(f"invalid port {port}")
        self.spec: DistributionSpec = distribution_spec(version)
        if security and self.spec.security_plugin is None:
            raise NodeError(no_security_message(self.spec))
        self.version = version
        self.home = Path(home).expanduser() if home else default_home(version)
        held = assembled_version(self.home)
        if held is not None and held != version:
            source = "--home" if home else "BABELSEARCH_HOME"
            raise NodeError(
                f"{source} {self.home} holds OpenSearch {held}, not {version}: pass "
                f"--home <another folder> for {version} (one distribution per home)"
            )
        if transport_port is not None and not 1 <= transport_port <= 65535 - nodes:
            raise NodeError(f"invalid transport port {transport_port}")
        self.transport_port = port + 100 if transport_port is None else transport_port
        self.port = port
        self.heap = process.validate_heap(heap)
        self.nodes = nodes
        self.security = security
        # Static node settings for fault tests (e.g. a tiny write queue); applied last.
        self.extra_settings = dict(extra_settings or {})
        self.data_dir = (
            Path(data_dir).expanduser() if data_dir else self.home / "run" / f"node-{port}"
        )
        self.state_file = self.home / "run" / f"node-{port}.json"

    # ----------------------------------------------------------------- facts
    @property
    def url(self) -> str:
        scheme = "https" if self.security else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        pids = self._live_pids()
        return pids[0] if pids else None

    def _state(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        return data

    def _live_pids(self) -> list[int]:
        state = self._state()
        if not state:
            return []
        return [n["pid"] for n in state["nodes"] if process.is_our_process(n["pid"], n["conf"])]

    # ------------------------------------------------------------- lifecycle
    def assemble(self, *, force: bool = False) -> Path:
        """Build the distribution in ``home`` (downloads through mvn only when missing)."""
        java = process.require_java(self.spec)
        return assemble(self.spec, self.home, security=self.security, force=force, java=java)

    def start(self, *, wait: bool = True, timeout: float = 240.0) -> str:
        """Start (or find already running) and return the URL once health is yellow/green."""
        java = process.require_java(self.spec)
        if self._live_pids():
            if wait:
                self._wait_healthy(timeout)
            return self.url
        if not is_assembled(self.home) or missing_plugins(self.home, security=self.security):
            assemble(self.spec, self.home, security=self.security, java=java)
        http_ports = [self.port + i for i in range(self.nodes)]
        busy = [p for p in http_ports if not _port_free(p)]
        if busy:
            raise NodeError(
                f"port {busy[0]} is already in use on 127.0.0.1 (another node? "
                f"try `babelsearch node status --port {busy[0]}` or --port)"
            )
        transport = [self.transport_port + i for i in range(self.nodes)]
        taken = [p for p in transport if p in http_ports or not _port_free(p)]
        if taken:
            raise NodeError(
                f"transport port {taken[0]} (HTTP port + 100 unless chosen) is already in use "
                "on 127.0.0.1: pick a free one with --transport-port or "
                "BABELSEARCH_TRANSPORT_PORT, or another --port"
            )
        cluster_name = f"babelsearch-{self.port}"
        tls = None
        if self.security:
            from .security import prepare_security

            tls = prepare_security(self.data_dir / "certs", self.nodes, home=self.home, java=java)
        started: list[dict[str, Any]] = []
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            for i in range(self.nodes):
                settings = process.node_settings(
                    cluster_name=cluster_name,
                    index=i,
                    http_port=http_ports[i],
                    transport_ports=transport,
                    security_installed=(self.home / "plugins" / SECURITY_PLUGIN.folder).is_dir(),
                )
                node_dir = self.data_dir / f"node-{i}"
                if tls is not None:
                    settings.update(tls.settings_for(i, node_dir / "config"))
                settings.update(self.extra_settings)
                started.append(self._launch(java, node_dir, settings, tls, i))
                self._write_state(started, cluster_name)
            if wait:
                self._wait_healthy(timeout)
        except BaseException:
            self._stop_pids(started, timeout=20)
            raise
        return self.url

    def _launch(
        self, java: str, node_dir: Path, settings: dict[str, Any], tls: Any, index: int
    ) -> dict[str, Any]:
        """Start one node process of this cluster (first start and restarts alike)."""
        return process.launch(
            spec=self.spec,
            java=java,
            home=self.home,
            node_dir=node_dir,
            settings=settings,
            heap=self.heap,
            tls=tls,
            index=index,
        )

    def _write_state(self, nodes: list[dict[str, Any]], cluster_name: str) -> None:
        state = {
            "version": self.version,
            "url": self.url,
            "home": str(self.home),
            "data_dir": str(self.data_dir),
            "cluster_name": cluster_name,
            "security": self.security,
            "nodes": nodes,
            "started_at": time.time(),
        }
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.state_file)

    def _credentials(self, secure: bool) -> tuple[tuple[str, str] | None, str | None]:
        """Admin user and CA bundle of a ``--security`` node (from its state's data dir)."""
        if not secure:
            return None, None
        state = self._state() or {}
        data_dir = Path(state.get("data_dir", self.data_dir))
        return process.admin_auth(data_dir), str(data_dir / "certs" / "root-ca.pem")

    @property
    def ca_certs(self) -> str | None:
        """The CA bundle clients must trust for a ``--security`` node."""
        return self._credentials(True)[1] if self.security else None

    def credentials(self) -> tuple[str, str] | None:
        """``(user, password)`` of a ``--security`` node's admin, else None."""
        return self._credentials(True)[0] if self.security else None

    def _wait_healthy(self, timeout: float) -> None:
        state = self._state() or {}
        pids = [n["pid"] for n in state.get("nodes", [])]
        error = process.wait_healthy(
            self.url,
            pids=pids,
            nodes=self.nodes,
            timeout=timeout,
            auth=process.admin_auth(self.data_dir) if self.security else None,
            ca=str(self.data_dir / "certs" / "root-ca.pem") if self.security else None,
        )
        if error:
            raise NodeError(f"{error}\n--- last log lines ---\n{self.logs(40)}")

    def stop(self, *, timeout: float = 60.0) -> bool:
        """SIGTERM our node(s), wait, SIGKILL if needed. False when nothing was running."""
        state = self._state()
        if not state:
            return False
        stopped = self._stop_pids(state["nodes"], timeout=timeout)
        self.state_file.unlink(missing_ok=True)
        return stopped

    def _stop_pids(self, nodes: list[dict[str, Any]], *, timeout: float) -> bool:
        ours = [n["pid"] for n in nodes if process.is_our_process(n["pid"], n["conf"])]
        for pid in ours:
            process.signal_pid(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(process.alive(p) for p in ours):
            time.sleep(0.2)
        for pid in ours:
            if process.alive(pid):
                process.signal_pid(pid, signal.SIGKILL)
        for pid in ours:
            process.reap(pid, timeout=10)
        return bool(ours)

    def node_pids(self) -> list[int]:
        """PIDs of the running nodes, in node order (dead ones left out)."""
        return self._live_pids()

    def stop_node(self, index: int, *, kill: bool = False, timeout: float = 60.0) -> bool:
        """Stop one node of a cluster (SIGTERM, or SIGKILL with ``kill``) for fault tests.

        The others keep running; ``stop()`` still ends them all.
        """
        state = self._state()
        if not state or index >= len(state["nodes"]):
            return False
        rec = state["nodes"][index]
        if not process.is_our_process(rec["pid"], rec["conf"]):
            return False
        if kill:
            process.signal_pid(rec["pid"], signal.SIGKILL)
            process.reap(rec["pid"], timeout=10)
            return True
        return self._stop_pids([rec], timeout=timeout)

    def restart_node(self, index: int, *, timeout: float = 240.0) -> None:
        """Start again one node that :meth:`stop_node` ended (same ports, data, certs).

        Fault tests need a data node to come back and rejoin while the rest of the
        cluster keeps serving; :meth:`start` cannot do that (it sees live nodes).
        """
        state = self._state()
        if not state or index >= len(state["nodes"]):
            raise NodeError(f"no node {index} is recorded for port {self.port}")
        nodes = list(state["nodes"])
        rec = nodes[index]
        if process.is_our_process(rec["pid"], rec["conf"]):
            return
        java = process.require_java(self.spec)
        settings = process.node_settings(
            cluster_name=state["cluster_name"],
            index=index,
            http_port=rec["http_port"],
            transport_ports=[n["transport_port"] for n in nodes],
            security_installed=(self.home / "plugins" / SECURITY_PLUGIN.folder).is_dir(),
        )
        node_dir = Path(rec["conf"]).parent
        tls = None
        if state.get("security"):
            from .security import prepare_security

            data_dir = Path(state["data_dir"])
            tls = prepare_security(data_dir / "certs", len(nodes), home=self.home, java=java)
            settings.update(tls.settings_for(index, node_dir / "config"))
        settings.update(self.extra_settings)
        nodes[index] = self._launch(java, node_dir, settings, tls, index)
        self._write_state(nodes, state["cluster_name"])
        self._wait_healthy(timeout)

    def status(self) -> NodeStatus:
        state = self._state() or {}
        pids = self._live_pids()
        health = None
        if pids:
            auth, ca = self._credentials(bool(state.get("security", self.security)))
            health = process.health_status(state.get("url", self.url), auth=auth, ca=ca)
        return NodeStatus(
            running=bool(pids),
            url=state.get("url", self.url),
            version=state.get("version", self.version),
            home=str(self.home),
            pid=pids[0] if pids else None,
            pids=pids,
            data_dir=state.get("data_dir"),
            log_file=str(self.log_file()),
            health=health,
        )

    def log_file(self, index: int = 0) -> Path:
        state = self._state()
        if state and index < len(state["nodes"]):
            return Path(state["nodes"][index]["log"])
        return self.data_dir / f"node-{index}" / "logs" / f"babelsearch-{self.port}.log"

    def logs(self, lines: int = 50, index: int = 0) -> str:
        """The last ``lines`` of the node's log (and of its stdout when the log is empty)."""
        text = process.tail(self.log_file(index), lines)
        stdout = self.log_file(index).parent / "stdout.log"
        if not text.strip() or "Exception" in process.tail(stdout, lines):
            text = (text + "\n" + process.tail(stdout, lines)).strip()
        return text


def start_cluster(nodes: int = 2, **kwargs: Any) -> LocalNode:
    """Start an ``nodes``-node cluster on loopback; returns the handle (``.stop()`` it)."""
    node = LocalNode(nodes=nodes, **kwargs)
    node.start()
    return node
