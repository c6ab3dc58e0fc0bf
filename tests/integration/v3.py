"""Shared by the 3.x node tests: where the 3.6.0 home lives, free port pairs, and a
copy of that home without neural-search (a real cluster that lacks the hybrid query).
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from babelsearch.node.assemble import MARKER

V3 = "3.6.0"


def v3_home() -> Path:
    """``BABELSEARCH_V3_HOME`` or the default cache folder of 3.6.0.

    Not ``BABELSEARCH_HOME``: CI points that at the 2.19.1 home of the session node.
    """
    env = os.environ.get("BABELSEARCH_V3_HOME")
    if env:
        return Path(env).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "babelsearch" / f"opensearch-{V3}"


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pair(nodes: int = 1) -> int:
    """A base HTTP port with ``nodes`` free HTTP ports and their ``+100`` transports."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 100 + nodes > 65535:
            continue
        wanted = [*range(port, port + nodes), *range(port + 100, port + 100 + nodes)]
        if all(_free(p) for p in wanted):
            return port
    raise RuntimeError("no free port pair on 127.0.0.1")


def _link_or_copy(src: str, dst: str) -> None:
    """A hard link (no disk, instant), or a copy where the two folders are on two filesystems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def without_neural_search(home: Path, dest: Path) -> Path:
    """A home with everything of ``home`` but the neural-search plugin (hard-linked).

    OpenSearch cannot disable an installed plugin, so a cluster without neural-search
    needs a distribution without it; linking the files costs no download and no disk.
    """
    dest.mkdir(parents=True)
    for part in ("lib", "modules", "config", "agent"):
        if (home / part).is_dir():
            shutil.copytree(home / part, dest / part, copy_function=_link_or_copy)
    (dest / "plugins").mkdir()
    shutil.copytree(
        home / "plugins" / "opensearch-knn",
        dest / "plugins" / "opensearch-knn",
        copy_function=_link_or_copy,
    )
    shutil.copy2(home / MARKER, dest / MARKER)
    return dest
