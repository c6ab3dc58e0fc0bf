"""``mvn`` found on the machine, or Apache Maven fetched once from Maven Central.

Maven is published on Maven Central itself, as a distribution zip
(``org.apache.maven:apache-maven:<v>:zip:bin``), beside a ``.sha512`` file. When no
``mvn`` is on ``PATH`` (and ``BABELSEARCH_MVN`` names none) we download that zip
with the standard library, check it against the published digest, and unpack it
under ``~/.cache/babelsearch/tools``. That is the only request babelsearch makes by
itself; every OpenSearch artifact is then resolved by that ``mvn``, so a user's
``settings.xml`` mirror still applies to them. ``BABELSEARCH_MAVEN_REPO`` points
the bootstrap download at a mirror of Maven Central (``https_proxy`` is honoured).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from ..errors import NodeError

__all__ = ["MAVEN_VERSION", "fetch_maven", "find_mvn", "maven_repo", "tools_dir"]

MAVEN_VERSION = "3.9.9"
"""Pinned: the zip's digest is checked, and every run uses the same Maven."""
_CENTRAL = "https://repo.maven.apache.org/maven2"
_TIMEOUT_S = 120


def maven_repo() -> str:
    """Base URL of Maven Central (or the mirror ``BABELSEARCH_MAVEN_REPO`` names)."""
    return os.environ.get("BABELSEARCH_MAVEN_REPO", _CENTRAL).rstrip("/")


def tools_dir() -> Path:
    """``~/.cache/babelsearch/tools`` (``XDG_CACHE_HOME`` honoured)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "babelsearch" / "tools"


def _fetched_mvn(version: str = MAVEN_VERSION) -> Path:
    return tools_dir() / f"apache-maven-{version}" / "bin" / "mvn"


def find_mvn(*, fetch: bool = True) -> str:
    """``BABELSEARCH_MVN``, ``mvn`` on PATH, a Maven fetched earlier, or one fetched now."""
    given = os.environ.get("BABELSEARCH_MVN")
    if given:
        if not os.access(given, os.X_OK):
            raise NodeError(f"BABELSEARCH_MVN={given} is not an executable mvn")
        return given
    on_path = shutil.which("mvn")
    if on_path:
        return on_path
    cached = _fetched_mvn()
    if os.access(cached, os.X_OK):
        return str(cached)
    if not fetch:
        raise NodeError("Maven (mvn) is needed once to fetch OpenSearch: none on PATH")
    return str(fetch_maven())


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as resp:
            data: bytes = resp.read()
    except (urllib.error.URLError, OSError) as exc:
        raise NodeError(
            f"no mvn on PATH, and fetching Apache Maven {MAVEN_VERSION} from {url} failed "
            f"({exc}): install Maven (apt-get install maven), or set BABELSEARCH_MVN, "
            "or BABELSEARCH_MAVEN_REPO to a Maven Central mirror"
        ) from exc
    return data


def fetch_maven(version: str = MAVEN_VERSION) -> Path:
    """Download, verify and unpack Apache Maven ``version``; return its ``bin/mvn``."""
    name = f"apache-maven-{version}"
    url = f"{maven_repo()}/org/apache/maven/apache-maven/{version}/{name}-bin.zip"
    data = _get(url)
    expected = _get(url + ".sha512").decode().split()[0].strip().lower()
    actual = hashlib.sha512(data).hexdigest()
    if actual != expected:
        raise NodeError(f"{url} does not match its published SHA-512; not installing it")
    dest = tools_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=dest) as tmp:
        archive = Path(tmp) / f"{name}-bin.zip"
        archive.write_bytes(data)
        root = Path(tmp) / "unpacked"
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                target = (root / member.filename).resolve()
                if not str(target).startswith(str(root.resolve())):
                    raise NodeError(f"unsafe path {member.filename!r} in {archive.name}")
            zf.extractall(root)
        # zipfile drops the Unix mode bits; the launcher scripts must be executable.
        for script in (root / name / "bin").iterdir():
            script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        final = dest / name
        if not final.exists():
            (root / name).rename(final)
    mvn = final / "bin" / "mvn"
    if not os.access(mvn, os.X_OK):
        raise NodeError(f"the fetched Maven has no runnable {mvn}")
    return mvn
