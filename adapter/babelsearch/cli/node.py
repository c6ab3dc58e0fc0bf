"""``babelsearch node start|stop|status|logs``: a thin shell over ``babelsearch.node``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from .common import echo_json, handle_errors

F = TypeVar("F", bound=Callable[..., Any])


def _where(func: F) -> F:
    """Options that pick *which* node: version, home and port."""
    func = click.option(
        "--port", type=int, default=9200, show_default=True, help="HTTP port (first node)."
    )(func)
    func = click.option(
        "--home",
        type=click.Path(file_okay=False),
        default=None,
        help="Distribution cache. Env: BABELSEARCH_HOME "
        "[default: ~/.cache/babelsearch/opensearch-<version>].",
    )(func)
    func = click.option(
        "--version",
        "os_version",
        default=None,
        help="OpenSearch version: 2.19.1 [default] or 3.6.0 (Java 21+, no --security).",
    )(func)
    return func


def _node(os_version: str | None, home: str | None, port: int, **kwargs: Any) -> Any:
    from ..node import DEFAULT_VERSION, LocalNode

    return LocalNode(version=os_version or DEFAULT_VERSION, home=home, port=port, **kwargs)


@click.group("node")
def command() -> None:
    """Run a local OpenSearch (with k-NN and neural-search) built from Maven Central.

    Needs a Java that fits the version (JAVA_HOME, PATH, /usr/lib/jvm, or
    `pip install 'babelsearch[node]'`) and fetches Maven itself when mvn is missing.

    \b
    Examples:
      babelsearch node start                  # http://127.0.0.1:9200
      babelsearch node start --version 3.6.0 --port 9260
      babelsearch node start --port 9250 --heap 512m --data-dir /tmp/os
      babelsearch node start --nodes 2        # two nodes, for fault tests
      babelsearch node status --json
      babelsearch node logs -n 100
      babelsearch node stop
    """


@command.command("start")
@_where
@click.option("--heap", default="1g", show_default=True, help="JVM heap per node (512m, 1g).")
@click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None, help="Data, logs, config."
)
@click.option(
    "--transport-port",
    type=int,
    default=None,
    envvar="BABELSEARCH_TRANSPORT_PORT",
    help="Node-to-node port (first node) [default: --port + 100]. Env: BABELSEARCH_TRANSPORT_PORT.",
)
@click.option("--nodes", type=click.IntRange(1, 5), default=1, show_default=True)
@click.option("--security", is_flag=True, help="TLS + basic auth with generated certificates.")
@click.option("--timeout", type=float, default=240.0, show_default=True, help="Seconds to wait.")
@click.option("--no-wait", is_flag=True, help="Return once the JVM is launched.")
@handle_errors
def start(
    os_version: str | None,
    home: str | None,
    port: int,
    heap: str,
    data_dir: str | None,
    transport_port: int | None,
    nodes: int,
    security: bool,
    timeout: float,
    no_wait: bool,
) -> None:
    """Assemble (first time only, via mvn) and start the node; print its URL when healthy.

    \b
    Examples:
      babelsearch node start
      babelsearch node start --port 9250 --heap 2g
      babelsearch node start --nodes 3 --security
      babelsearch node start --version 3.6.0 --port 9260
    """
    node = _node(
        os_version,
        home,
        port,
        heap=heap,
        data_dir=data_dir,
        nodes=nodes,
        security=security,
        transport_port=transport_port,
    )
    if node.status().running:
        click.echo(f"already running: {node.url} (pid {node.pid})", err=True)
    else:
        from ..node.java import find_java, java_major

        java = find_java(node.spec)
        click.echo(
            f"starting OpenSearch {node.version} from {node.home} "
            f"(Java {java_major(java)}: {java}) ...",
            err=True,
        )
    url = node.start(wait=not no_wait, timeout=timeout)
    click.echo(url)
    if security:
        from ..node.process import admin_auth

        user, _password = admin_auth(node.data_dir)
        click.echo(
            f"user {user}; password and CA in {node.data_dir / 'certs'} (admin.json, root-ca.pem)",
            err=True,
        )


@command.command("stop")
@_where
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds between SIGTERM and SIGKILL.",
)
@handle_errors
def stop(os_version: str | None, home: str | None, port: int, timeout: float) -> None:
    """Stop the node this command started on --port (only that process).

    \b
    Examples:
      babelsearch node stop
      babelsearch node stop --port 9250 --timeout 30
    """
    node = _node(os_version, home, port)
    click.echo("stopped" if node.stop(timeout=timeout) else f"no node of ours on port {port}")


@command.command("status")
@_where
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@handle_errors
def status(os_version: str | None, home: str | None, port: int, as_json: bool) -> None:
    """Is the node running? URL, pid(s), version, health.

    \b
    Examples:
      babelsearch node status
      babelsearch node status --port 9250 --json
    """
    st = _node(os_version, home, port).status()
    if as_json:
        echo_json(st.to_dict())
    elif st.running:
        click.echo(f"running  {st.url}  pid {st.pid}  OpenSearch {st.version}  health {st.health}")
    else:
        click.echo(f"not running  ({st.url}, OpenSearch {st.version}, home {st.home})")


@command.command("logs")
@_where
@click.option("-n", "lines", type=int, default=50, show_default=True, help="Lines to print.")
@click.option(
    "--node-index", type=int, default=0, show_default=True, help="Which node of a cluster."
)
@handle_errors
def logs(os_version: str | None, home: str | None, port: int, lines: int, node_index: int) -> None:
    """Print the tail of the node's log.

    \b
    Examples:
      babelsearch node logs
      babelsearch node logs -n 200 --node-index 1
    """
    click.echo(_node(os_version, home, port).logs(lines, index=node_index), nl=False)
