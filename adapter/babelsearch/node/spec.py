"""What a local OpenSearch distribution is made of: one recipe per pinned version.

A real tarball is ``lib/`` (the server jar and its runtime dependencies),
``modules/<name>/`` (built-in plugins, each with a descriptor), ``plugins/`` and,
from 3.x on, ``agent/`` (the Java agent that replaced the security manager).
Maven Central publishes every one of those pieces, so we describe the
distribution as Maven coordinates and let ``mvn`` resolve them. Versions are
pinned here (never "latest") so that two assemblies of the same version are the
same bytes and CI can reuse ``~/.m2``.

Everything that differs between versions lives in its :class:`DistributionSpec`
(modules, plugins, agent, JVM flags, the Java range), so no other module branches
on a version string. The 3.6.0 recipe was probed artifact by artifact: the
repository's ``maven-metadata.xml`` lists only some published versions, so it is
never read; ``lang-expression``, ``percolator-client`` and ``rank-eval-client``
are not published for 3.6.0, 3.5.0 lacks the agent and ``transport-grpc``, and no
3.x security plugin zip is published at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import NodeError

__all__ = [
    "DEFAULT_VERSION",
    "SECURITY_PLUGIN",
    "SUPPORTED_VERSIONS",
    "DistributionSpec",
    "ModuleSpec",
    "PluginSpec",
    "distribution_spec",
]

DEFAULT_VERSION = "2.19.1"
"""k-NN and neural-search publish 2.19.0.0 and 2.19.1.0 only; 2.19.1 runs on Java 17-23."""

# Security-manager grants the modules need. The server reads these from
# ``modules/<name>/plugin-security.policy``; they are not inside the published jars,
# so we write them ourselves (same permissions the official tarball grants).
_NETTY_POLICY = """grant {
  permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
  permission java.net.SocketPermission "*", "accept,connect";
  permission java.lang.RuntimePermission "*", "setContextClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
  permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
"""
_CLASSLOADER_POLICY = """grant {
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
"""
_EXPRESSION_POLICY = """grant {
  permission java.lang.RuntimePermission "createClassLoader";
  permission org.opensearch.script.ClassPermission "java.lang.String";
  permission org.opensearch.script.ClassPermission "org.apache.lucene.expressions.Expression";
  permission org.opensearch.script.ClassPermission "org.apache.lucene.search.DoubleValues";
  permission org.opensearch.script.ClassPermission "java.lang.Math";
  permission org.opensearch.script.ClassPermission "org.apache.lucene.util.MathUtil";
  permission org.opensearch.script.ClassPermission "org.apache.lucene.util.SloppyMath";
};
"""
_REFLECTION_POLICY = """grant {
  permission java.lang.RuntimePermission "accessDeclaredMembers";
};
"""
_SOCKET_POLICY = """grant {
  permission java.net.SocketPermission "*", "connect";
  permission java.net.NetPermission "getProxySelector";
};
"""


@dataclass(frozen=True)
class ModuleSpec:
    """A built-in module: its folder name, Maven artifactId and security policy."""

    name: str
    artifact_id: str
    policy: str | None = None
    extended: tuple[str, ...] = ()
    group_id: str = "org.opensearch.plugin"


@dataclass(frozen=True)
class PluginSpec:
    """A plugin published as a zip; ``folder`` is its directory under ``plugins/``."""

    folder: str
    artifact_id: str
    optional: bool = False
    group_id: str = "org.opensearch.plugin"


@dataclass(frozen=True)
class DistributionSpec:
    """Everything needed to assemble and launch one OpenSearch version.

    ``java_max`` exists because 2.x needs the security manager, which JDK 24
    removed (``-Djava.security.manager=allow`` is refused there); 3.x has none and
    runs on any JDK from 21 on. ``agent`` names the artifact whose jar, with its
    runtime dependencies, goes to ``agent/`` and is passed as ``-javaagent``.
    """

    version: str
    java_min: int
    modules: tuple[ModuleSpec, ...]
    plugins: tuple[PluginSpec, ...]
    java_max: int | None = None
    security_manager: bool = True
    agent: str | None = None
    jvm_flags: tuple[str, ...] = ()
    security_plugin: PluginSpec | None = None

    @property
    def java_major(self) -> int:
        """The lowest Java major this version runs on."""
        return self.java_min

    @property
    def plugin_version(self) -> str:
        """Plugins are versioned ``<opensearch version>.0``."""
        return f"{self.version}.0"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def java_fits(self, major: int) -> bool:
        return major >= self.java_min and (self.java_max is None or major <= self.java_max)

    @property
    def java_range(self) -> str:
        """``17-23`` or ``21+``, for messages."""
        if self.java_max is None:
            return f"{self.java_min}+"
        return f"{self.java_min}-{self.java_max}"

    def launch_flags(self, java_major: int, home: Path) -> list[str]:
        """JVM flags this version needs on a JDK of ``java_major`` (beside jvm.options)."""
        flags = list(self.jvm_flags)
        if java_major >= 21:
            # The COMPAT locale data is gone from newer JDKs; use CLDR there.
            flags.append("-Djava.locale.providers=SPI,CLDR")
        if self.security_manager and java_major >= 18:
            flags.append("-Djava.security.manager=allow")
        if self.agent:
            flags.append(f"-javaagent:{home / 'agent' / f'{self.agent}-{self.version}.jar'}")
        return flags


_MODULES_COMMON = (
    ModuleSpec("transport-netty4", "transport-netty4-client", _NETTY_POLICY),
    ModuleSpec("analysis-common", "analysis-common"),
    ModuleSpec("mapper-extras", "mapper-extras-client"),
    ModuleSpec("lang-painless", "lang-painless", _CLASSLOADER_POLICY),
    ModuleSpec("lang-mustache", "lang-mustache-client", _REFLECTION_POLICY),
    ModuleSpec("reindex", "reindex-client", _SOCKET_POLICY),
    ModuleSpec("parent-join", "parent-join-client"),
    ModuleSpec("aggs-matrix-stats", "aggs-matrix-stats-client"),
    ModuleSpec("ingest-common", "ingest-common"),
)

_MODULES_2 = (
    *_MODULES_COMMON,
    ModuleSpec("lang-expression", "lang-expression", _EXPRESSION_POLICY),
    ModuleSpec("percolator", "percolator-client"),
    ModuleSpec("rank-eval", "rank-eval-client"),
)

# 3.x has no security manager, but its Java agent checks socket connects against
# the same per-module policies (without the netty grant, nodes of a cluster never
# reach each other). lang-expression, percolator and rank-eval are not published
# for 3.6.0 (nothing of ours uses them); k-NN 3.x extends transport-grpc and takes
# Guava and the gRPC SPI from it.
_MODULES_3 = (*_MODULES_COMMON, ModuleSpec("transport-grpc", "transport-grpc"))

_PLUGINS = (
    PluginSpec("opensearch-knn", "opensearch-knn"),
    PluginSpec("opensearch-neural-search", "neural-search"),
)

SECURITY_PLUGIN = PluginSpec("opensearch-security", "opensearch-security", optional=True)


def _recipe_2_19(version: str) -> DistributionSpec:
    return DistributionSpec(
        version=version,
        java_min=17,
        java_max=23,
        modules=_MODULES_2,
        plugins=_PLUGINS,
        security_plugin=SECURITY_PLUGIN,
    )


def _recipe_3_6(version: str) -> DistributionSpec:
    return DistributionSpec(
        version=version,
        java_min=21,
        modules=_MODULES_3,
        plugins=_PLUGINS,
        security_manager=False,
        agent="opensearch-agent",
        # JDK 24+ warns on every JNI/Unsafe use by Lucene and Netty without these.
        jvm_flags=("--enable-native-access=ALL-UNNAMED",),
    )


SUPPORTED_VERSIONS = {"2.19.0": _recipe_2_19, "2.19.1": _recipe_2_19, "3.6.0": _recipe_3_6}
"""The versions a local node can be assembled for (k-NN and neural-search zips exist)."""


def distribution_spec(version: str) -> DistributionSpec:
    """The pinned recipe for ``version``; a clear error for versions we cannot build."""
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise NodeError(f"OpenSearch version must look like 2.19.1, got {version!r}")
    recipe = SUPPORTED_VERSIONS.get(version)
    if recipe is None:
        raise NodeError(
            f"OpenSearch {version} cannot be assembled by the local node: use one of "
            f"{', '.join(SUPPORTED_VERSIONS)} (their k-NN, neural-search and, for 3.x, "
            "agent and transport-grpc artifacts are published; hybrid RRF needs 2.19+)"
        )
    return recipe(version)
