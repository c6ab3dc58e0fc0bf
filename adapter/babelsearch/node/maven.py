"""Resolve OpenSearch artifacts with the ordinary ``mvn`` client.

We never talk to a repository host ourselves: a generated POM names the
coordinates and ``maven-dependency-plugin`` copies the jars and zips out of the
local repository (``~/.m2``), downloading them first when they are missing. So
whatever mirror or proxy the user's ``settings.xml`` configures is honoured, and
a CI machine that keeps ``~/.m2`` resolves without the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import NodeError
from .spec import DistributionSpec, PluginSpec

__all__ = ["find_java", "find_mvn", "java_major", "optional_server_deps", "resolve_all"]

INSTALL_HINT = "apt-get install openjdk-17-jdk-headless maven"
_POM_NS = "{http://maven.apache.org/POM/4.0.0}"
_MVN_TIMEOUT_S = 1800
_MISSING = re.compile(r"Could not find artifact (\S+)|([\w.:-]+) was not found in")
JVM_ROOT = Path("/usr/lib/jvm")
"""Where Debian (and most distributions) install JDKs; searched after JAVA_HOME and PATH."""


def find_mvn() -> str:
    """The ``mvn`` executable, or a NodeError that says how to install it."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise NodeError(
            f"Maven (mvn) is needed once to fetch OpenSearch from Maven Central: {INSTALL_HINT}"
        )
    return mvn


def java_major(java: str) -> int:
    """Major version of a ``java`` binary, read from ``java -version``."""
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        raise NodeError(f"cannot run {java}: {exc}") from exc
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        raise NodeError(f"cannot tell the version of {java}: {out.stderr.strip()[:200]}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _java_candidates() -> list[str]:
    found: list[str] = []
    for var in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        home = os.environ.get(var)
        if home:
            found.append(str(Path(home) / "bin" / "java"))
    on_path = shutil.which("java")
    if on_path:
        found.append(on_path)
    if JVM_ROOT.is_dir():
        found.extend(str(p / "bin" / "java") for p in sorted(JVM_ROOT.iterdir(), reverse=True))
    seen: set[str] = set()
    unique = []
    for cand in found:
        real = os.path.realpath(cand)
        if real not in seen and os.access(real, os.X_OK):
            seen.add(real)
            unique.append(cand)
    return unique


def find_java(min_major: int) -> str:
    """A ``java`` of at least ``min_major`` (env JAVA_HOME first, then PATH, then /usr/lib/jvm)."""
    candidates = _java_candidates()
    if not candidates:
        raise NodeError(f"Java {min_major}+ is needed to run OpenSearch: {INSTALL_HINT}")
    majors = []
    for cand in candidates:
        major = java_major(cand)
        if major >= min_major:
            return cand
        majors.append(f"{cand} ({major})")
    pkg = "openjdk-21-jdk-headless" if min_major >= 21 else "openjdk-17-jdk-headless"
    raise NodeError(
        f"this OpenSearch version needs Java {min_major}+, found only {', '.join(majors)}: "
        f"apt-get install {pkg} (or set JAVA_HOME)"
    )


def _run_mvn(pom: Path, goals: list[str], log: Path) -> None:
    cmd = [find_mvn(), "-B", "-f", str(pom), *goals]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        try:
            proc = subprocess.run(
                cmd, stdout=out, stderr=subprocess.STDOUT, timeout=_MVN_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise NodeError(f"mvn timed out after {_MVN_TIMEOUT_S}s; see {log}") from exc
    if proc.returncode != 0:
        text = log.read_text(errors="replace")
        missing = _MISSING.search(text)
        if missing:
            artifact = missing.group(1) or missing.group(2)
            raise NodeError(
                f"{artifact} is not published (or not reachable) in the Maven "
                f"repository: this OpenSearch version cannot be assembled here; full log: {log}"
            )
        errors = [ln for ln in text.splitlines() if "[ERROR]" in ln]
        detail = " | ".join(errors[:3]) or "no [ERROR] line"
        raise NodeError(f"mvn failed ({detail}); full log: {log}")


def _dep(group: str, artifact: str, version: str, *, kind: str = "jar", alone: bool = False) -> str:
    excl = (
        "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId>"
        "</exclusion></exclusions>"
        if alone
        else ""
    )
    return (
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version><type>{kind}</type>{excl}</dependency>"
    )


def _pom(artifact: str, deps: list[str], modules: list[str] | None = None) -> str:
    mods = "".join(f"<module>{m}</module>" for m in modules or [])
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">'
        "<modelVersion>4.0.0</modelVersion>"
        f"<groupId>local.babelsearch.node</groupId><artifactId>{artifact}</artifactId>"
        "<version>1</version><packaging>pom</packaging>"
        f"<modules>{mods}</modules>"
        f"<dependencies>{''.join(deps)}</dependencies></project>\n"
    )


def optional_server_deps(
    spec: DistributionSpec, work: Path, *, log: Path | None = None
) -> list[str]:
    """Jars the server's POM marks optional (log4j-core, jts, spatial4j) that a tarball ships.

    Read from the POM itself, so a new version needs no edit here.
    """
    work.mkdir(parents=True, exist_ok=True)
    pom = work / "pom.xml"
    pom.write_text(_pom("server-pom", []))
    _run_mvn(
        pom,
        [
            "dependency:copy",
            f"-Dartifact=org.opensearch:opensearch:{spec.version}:pom",
            f"-DoutputDirectory={work}",
        ],
        log or work / "mvn.log",
    )
    tree = ET.parse(work / f"opensearch-{spec.version}.pom")
    coords = []
    for dep in tree.getroot().iter(f"{_POM_NS}dependency"):
        optional = dep.findtext(f"{_POM_NS}optional", "false").strip() == "true"
        scope = dep.findtext(f"{_POM_NS}scope", "compile").strip()
        if optional and scope in ("compile", "runtime"):
            coords.append(
                ":".join(
                    dep.findtext(f"{_POM_NS}{k}", "").strip()
                    for k in ("groupId", "artifactId", "version")
                )
            )
    return coords


def resolve_all(
    spec: DistributionSpec,
    work: Path,
    *,
    plugins: list[PluginSpec],
    core: bool = True,
    log: Path | None = None,
) -> dict[str, Path]:
    """Copy every artifact into ``work/<part>/target/dependency``; return part -> folder.

    One reactor build (one JVM start) with a child project per part: ``lib`` and
    each module (when ``core``), and each plugin zip (without its POM's transitive
    dependencies, which the zip already bundles).
    """
    parts: dict[str, list[str]] = {}
    if core:
        lib_deps = [
            _dep("org.opensearch", "opensearch", spec.version),
            # Not a dependency of the server jar, but the tarball puts it in lib/: the
            # class loader of plugins that extend other plugins (k-NN -> lang-painless).
            _dep("org.opensearch", "opensearch-plugin-classloader", spec.version),
        ]
        for coord in optional_server_deps(spec, work / "server-pom", log=log):
            group, artifact, version = coord.split(":")
            lib_deps.append(_dep(group, artifact, version))
        parts["lib"] = lib_deps
        for mod in spec.modules:
            parts[f"module-{mod.name}"] = [_dep(mod.group_id, mod.artifact_id, spec.version)]
    for plugin in plugins:
        parts[f"plugin-{plugin.folder}"] = [
            _dep(plugin.group_id, plugin.artifact_id, spec.plugin_version, kind="zip", alone=True)
        ]
    for name, deps in parts.items():
        (work / name).mkdir(parents=True, exist_ok=True)
        (work / name / "pom.xml").write_text(_pom(name, deps))
    root = work / "pom.xml"
    root.write_text(_pom("opensearch-distribution", [], modules=list(parts)))
    _run_mvn(
        root,
        ["dependency:copy-dependencies", "-DincludeScope=runtime", "-Dmdep.prependGroupId=false"],
        log or work / "mvn.log",
    )
    return {name: work / name / "target" / "dependency" for name in parts}
