"""Lay resolved artifacts out as a real OpenSearch distribution.

The layout is what the official tarball has, so the real bootstrap runs on it
unchanged: ``lib/`` is the classpath, each ``modules/<name>/`` holds the module
jar, its own dependencies (minus anything already in ``lib/``, which would be
"jar hell") and a ``plugin-descriptor.properties`` we write, and
``plugins/<name>/`` is an unzipped plugin; a 3.x home also has ``agent/`` (the
agent jar and its runtime dependencies, loaded with ``-javaagent``). Assembly
happens in a staging folder and is renamed into place at the end, so an
interrupted download never leaves a half-built home that a later ``start`` would
trust.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import NodeError
from .configfiles import write_default_config
from .maven import resolve_all
from .spec import SECURITY_PLUGIN, DistributionSpec, ModuleSpec, PluginSpec

__all__ = [
    "MARKER",
    "add_plugins",
    "assemble",
    "assembled_version",
    "is_assembled",
    "missing_plugins",
    "no_security_message",
]

MARKER = ".babelsearch-assembled.json"
_VERSION_SUFFIX = re.compile(r"-\d[^/]*\.jar$")


def _artifact_name(jar: str) -> str:
    """``netty-codec-4.1.118.Final.jar`` -> ``netty-codec`` (to compare across versions)."""
    return _VERSION_SUFFIX.sub("", jar)


def is_assembled(home: Path) -> bool:
    return (home / MARKER).is_file() and (home / "lib").is_dir()


def missing_plugins(home: Path, *, security: bool) -> list[str]:
    wanted = [SECURITY_PLUGIN.folder] if security else []
    return [p for p in wanted if not (home / "plugins" / p).is_dir()]


def _plugin_classname(jar: Path) -> str:
    """The module's ``*Plugin`` class, found in its jar (names changed across versions)."""
    with zipfile.ZipFile(jar) as zf:
        names = [
            n[: -len(".class")].replace("/", ".")
            for n in zf.namelist()
            if n.endswith("Plugin.class") and "$" not in n
        ]
    candidates = [n for n in names if not n.rsplit(".", 1)[-1].startswith("Abstract")]
    if len(candidates) != 1:
        raise NodeError(f"cannot tell the plugin class of {jar.name}: {candidates}")
    return candidates[0]


def _descriptor(
    name: str, classname: str, spec: DistributionSpec, extended: tuple[str, ...]
) -> str:
    return "\n".join(
        [
            f"description=OpenSearch module {name} (assembled by babelsearch)",
            f"version={spec.version}",
            f"name={name}",
            f"classname={classname}",
            "java.version=11",
            f"opensearch.version={spec.version}",
            f"extended.plugins={','.join(extended)}",
            "has.native.controller=false",
            "",
        ]
    )


def _install_module(
    mod: ModuleSpec, src: Path, dest: Path, spec: DistributionSpec, lib_names: set[str]
) -> None:
    dest.mkdir(parents=True)
    main_jar = src / f"{mod.artifact_id}-{spec.version}.jar"
    if not main_jar.is_file():
        raise NodeError(f"module jar missing after mvn: {main_jar}")
    for jar in sorted(src.glob("*.jar")):
        if _artifact_name(jar.name) not in lib_names:
            shutil.copy2(jar, dest / jar.name)
    (dest / "plugin-descriptor.properties").write_text(
        _descriptor(mod.name, _plugin_classname(main_jar), spec, mod.extended)
    )
    if mod.policy:
        (dest / "plugin-security.policy").write_text(mod.policy)


def _install_plugin(zip_dir: Path, dest: Path) -> None:
    zips = list(zip_dir.glob("*.zip"))
    if len(zips) != 1:
        raise NodeError(f"expected one plugin zip in {zip_dir}, found {len(zips)}")
    dest.mkdir(parents=True)
    with zipfile.ZipFile(zips[0]) as zf:
        for member in zf.namelist():
            target = (dest / member).resolve()
            if not str(target).startswith(str(dest.resolve())):
                raise NodeError(f"unsafe path {member!r} in {zips[0].name}")
        zf.extractall(dest)
    if not (dest / "plugin-descriptor.properties").is_file():
        raise NodeError(f"{zips[0].name} has no plugin-descriptor.properties")


def _mvn_log(home: Path, spec: DistributionSpec) -> Path:
    return home.parent / f"mvn-opensearch-{spec.version}.log"


def add_plugins(
    spec: DistributionSpec, home: Path, plugins: list[PluginSpec], *, java: str | None = None
) -> None:
    """Install extra plugins into an assembled home without touching lib/ or modules/.

    A node already running from this home keeps running (plugins are read at start).
    """
    with tempfile.TemporaryDirectory(prefix=f".{home.name}-", dir=home.parent) as tmp:
        parts = resolve_all(
            spec,
            Path(tmp) / "mvn",
            plugins=plugins,
            core=False,
            log=_mvn_log(home, spec),
            java=java,
        )
        for plugin in plugins:
            staged = Path(tmp) / "plugins" / plugin.folder
            _install_plugin(parts[f"plugin-{plugin.folder}"], staged)
            staged.rename(home / "plugins" / plugin.folder)


@contextlib.contextmanager
def _home_lock(home: Path) -> Iterator[None]:
    """One assembler per home at a time (a test session and a CLI may race)."""
    home.parent.mkdir(parents=True, exist_ok=True)
    with (home.parent / f".{home.name}.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def assembled_version(home: Path) -> str | None:
    """The OpenSearch version an assembled home holds (from its marker), else None."""
    try:
        return str(json.loads((home / MARKER).read_text())["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def assemble(
    spec: DistributionSpec,
    home: Path,
    *,
    security: bool = False,
    force: bool = False,
    java: str | None = None,
) -> Path:
    """Build the distribution at ``home`` (no-op when it is already there)."""
    if security and spec.security_plugin is None:
        raise NodeError(no_security_message(spec))
    with _home_lock(home):
        if is_assembled(home) and not force:
            if missing_plugins(home, security=security):
                add_plugins(spec, home, [SECURITY_PLUGIN], java=java)
            return home
        return _assemble(spec, home, security=security, java=java)


def no_security_message(spec: DistributionSpec) -> str:
    return (
        f"--security is not available for OpenSearch {spec.version}: no opensearch-security "
        f"{spec.plugin_version} zip is published on Maven Central; use --version 2.19.1 for "
        "a TLS + basic-auth node"
    )


def _assemble(spec: DistributionSpec, home: Path, *, security: bool, java: str | None) -> Path:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f".{home.name}-", dir=home.parent) as tmp:
        staging = Path(tmp) / "dist"
        plugins = list(spec.plugins) + ([SECURITY_PLUGIN] if security else [])
        parts = resolve_all(
            spec, Path(tmp) / "mvn", plugins=plugins, log=_mvn_log(home, spec), java=java
        )
        (staging / "lib").mkdir(parents=True)
        for jar in sorted(parts["lib"].glob("*.jar")):
            shutil.copy2(jar, staging / "lib" / jar.name)
        lib_names = {_artifact_name(j.name) for j in (staging / "lib").glob("*.jar")}
        for mod in spec.modules:
            _install_module(
                mod, parts[f"module-{mod.name}"], staging / "modules" / mod.name, spec, lib_names
            )
        if "agent" in parts:
            (staging / "agent").mkdir()
            for jar in sorted(parts["agent"].glob("*.jar")):
                shutil.copy2(jar, staging / "agent" / jar.name)
        (staging / "plugins").mkdir()
        for key, folder in parts.items():
            if key.startswith("plugin-"):
                _install_plugin(folder, staging / "plugins" / key[len("plugin-") :])
        write_default_config(staging / "config")
        (staging / MARKER).write_text(
            json.dumps(
                {
                    "version": spec.version,
                    "plugins": sorted(p.name for p in (staging / "plugins").iterdir()),
                    "modules": sorted(m.name for m in spec.modules),
                    "agent": sorted(p.name for p in (staging / "agent").glob("*.jar")),
                    "assembled_seconds": round(time.monotonic() - started, 1),
                },
                indent=2,
            )
        )
        # Replace only the distribution parts: a node's data under ``home/run`` survives.
        home.mkdir(parents=True, exist_ok=True)
        for part in ("lib", "modules", "plugins", "config", "agent", MARKER):
            old = home / part
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        for part in ("lib", "modules", "plugins", "config", "agent"):
            if (staging / part).exists():
                (staging / part).rename(home / part)
        (staging / MARKER).rename(home / MARKER)
    return home
