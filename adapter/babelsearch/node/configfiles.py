"""The ``config/`` files of a local node: opensearch.yml, jvm.options, log4j2.properties.

The distribution's ``config/`` holds defaults; every started node gets its own
copy (its ``path.conf``) with the settings that differ per node (ports, data
path, cluster membership, TLS), so one assembled home can run several nodes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["jvm_options", "node_settings_yaml", "write_default_config", "write_node_config"]

# Loopback only and security off: a development node that nothing outside this
# machine can reach. k-NN's published zip carries no native libraries, so only the
# pure-Java lucene engine can run; nothing here loads faiss or nmslib at startup.
DEFAULT_SETTINGS: dict[str, Any] = {
    "network.host": "127.0.0.1",
    "cluster.routing.allocation.disk.threshold_enabled": False,
    "bootstrap.memory_lock": False,
}

_JVM_OPTIONS = """\
# JVM flags of a babelsearch local node (the heap is set per start with --heap).
-XX:+UseG1GC
-XX:-OmitStackTraceInFastThrow
-XX:+ShowCodeDetailsInExceptionMessages
-Dfile.encoding=UTF-8
-Djava.awt.headless=true
-Djna.nosys=true
-Dio.netty.noUnsafe=true
-Dio.netty.noKeySetOptimization=true
-Dio.netty.recycler.maxCapacityPerThread=0
-Dio.netty.allocator.numDirectArenas=0
-Dlog4j.shutdownHookEnabled=false
-Dlog4j2.disable.jmx=true
-Dlog4j2.formatMsgNoLookups=true
-Djava.locale.providers=SPI,COMPAT
-XX:ErrorFile=logs/hs_err_pid%p.log
"""

# @LOG@ stands for the log path prefix the server fills in from path.logs and cluster.name.
_LOG_PREFIX = "${sys:opensearch.logs.base_path}${sys:file.separator}" + (
    "${sys:opensearch.logs.cluster_name}"
)
_LOG4J2_TEMPLATE = """\
status = error
appender.rolling.type = RollingFile
appender.rolling.name = rolling
appender.rolling.fileName = @LOG@.log
appender.rolling.filePattern = @LOG@-%i.log.gz
appender.rolling.layout.type = PatternLayout
appender.rolling.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
appender.rolling.policies.type = Policies
appender.rolling.policies.size.type = SizeBasedTriggeringPolicy
appender.rolling.policies.size.size = 32MB
appender.rolling.strategy.type = DefaultRolloverStrategy
appender.rolling.strategy.max = 3

appender.deprecation.type = RollingFile
appender.deprecation.name = deprecation
appender.deprecation.fileName = @LOG@_deprecation.log
appender.deprecation.filePattern = @LOG@_deprecation-%i.log.gz
appender.deprecation.layout.type = PatternLayout
appender.deprecation.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
appender.deprecation.policies.type = Policies
appender.deprecation.policies.size.type = SizeBasedTriggeringPolicy
appender.deprecation.policies.size.size = 8MB
appender.deprecation.strategy.type = DefaultRolloverStrategy
appender.deprecation.strategy.max = 2

rootLogger.level = info
rootLogger.appenderRef.rolling.ref = rolling

logger.deprecation.name = org.opensearch.deprecation
logger.deprecation.level = warn
logger.deprecation.appenderRef.deprecation.ref = deprecation
logger.deprecation.additivity = false
"""


_LOG4J2 = _LOG4J2_TEMPLATE.replace("@LOG@", _LOG_PREFIX)


def node_settings_yaml(settings: Mapping[str, Any]) -> str:
    """Flat ``key: value`` YAML; values as JSON, which is valid YAML (no yaml import here)."""
    lines = ["# Written by babelsearch for this node; edits are overwritten on start."]
    lines += [f"{key}: {json.dumps(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def write_default_config(conf: Path) -> None:
    """The distribution's template ``config/``."""
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "opensearch.yml").write_text(node_settings_yaml(DEFAULT_SETTINGS))
    (conf / "jvm.options").write_text(_JVM_OPTIONS)
    (conf / "log4j2.properties").write_text(_LOG4J2)


def jvm_options(conf: Path) -> list[str]:
    """Flags from ``conf/jvm.options`` (comments and blanks dropped)."""
    text = (conf / "jvm.options").read_text()
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def write_node_config(template: Path, conf: Path, settings: Mapping[str, Any]) -> None:
    """A node's own ``path.conf``: the template files plus its merged settings."""
    conf.mkdir(parents=True, exist_ok=True)
    for name in ("jvm.options", "log4j2.properties"):
        (conf / name).write_text((template / name).read_text())
    merged = {**DEFAULT_SETTINGS, **settings}
    (conf / "opensearch.yml").write_text(node_settings_yaml(merged))
