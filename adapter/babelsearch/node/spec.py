"""What a local OpenSearch distribution is made of, pinned per version.

A real tarball is ``lib/`` (the server jar and its runtime dependencies),
``modules/<name>/`` (built-in plugins, each with a descriptor) and ``plugins/``.
Maven Central publishes every one of those pieces, so we describe the
distribution as a list of Maven coordinates and let ``mvn`` resolve them.
Versions are pinned here (never "latest") so that two assemblies of the same
version are the same bytes and CI can reuse ``~/.m2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NodeError

__all__ = [
    "DEFAULT_VERSION",
    "DistributionSpec",
    "ModuleSpec",
    "PluginSpec",
    "distribution_spec",
]

DEFAULT_VERSION = "2.19.1"
"""k-NN and neural-search publish 2.19.0.0 and 2.19.1.0 only; 2.19.1 runs on Java 17."""

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
    """Everything needed to assemble one OpenSearch version."""

    version: str
    java_major: int
    modules: tuple[ModuleSpec, ...]
    plugins: tuple[PluginSpec, ...]

    @property
    def plugin_version(self) -> str:
        """Plugins are versioned ``<opensearch version>.0``."""
        return f"{self.version}.0"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


_MODULES = (
    ModuleSpec("transport-netty4", "transport-netty4-client", _NETTY_POLICY),
    ModuleSpec("analysis-common", "analysis-common"),
    ModuleSpec("mapper-extras", "mapper-extras-client"),
    ModuleSpec("lang-painless", "lang-painless", _CLASSLOADER_POLICY),
    ModuleSpec("lang-expression", "lang-expression", _EXPRESSION_POLICY),
    ModuleSpec("lang-mustache", "lang-mustache-client", _REFLECTION_POLICY),
    ModuleSpec("reindex", "reindex-client", _SOCKET_POLICY),
    ModuleSpec("parent-join", "parent-join-client"),
    ModuleSpec("percolator", "percolator-client"),
    ModuleSpec("rank-eval", "rank-eval-client"),
    ModuleSpec("aggs-matrix-stats", "aggs-matrix-stats-client"),
    ModuleSpec("ingest-common", "ingest-common"),
)

_PLUGINS = (
    PluginSpec("opensearch-knn", "opensearch-knn"),
    PluginSpec("opensearch-neural-search", "neural-search"),
)

SECURITY_PLUGIN = PluginSpec("opensearch-security", "opensearch-security", optional=True)


def distribution_spec(version: str) -> DistributionSpec:
    """The pinned recipe for ``version``; a clear error for versions we cannot build."""
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise NodeError(f"OpenSearch version must look like 2.19.1, got {version!r}")
    major = int(parts[0])
    if major < 2 or (major == 2 and int(parts[1]) < 19):
        raise NodeError(
            f"OpenSearch {version} is not supported by the local node: use 2.19.x or 3.x "
            "(hybrid RRF and neural_sparse query_tokens need 2.19+)"
        )
    return DistributionSpec(
        version=version,
        java_major=21 if major >= 3 else 17,
        modules=_MODULES,
        plugins=_PLUGINS,
    )
