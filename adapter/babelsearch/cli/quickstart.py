"""``babelsearch quickstart``: the README's first command, as one library call."""

from __future__ import annotations

import click

from .common import echo_json, handle_errors

__all__ = ["command"]


@click.command("quickstart")
@click.option(
    "--port",
    type=int,
    default=9200,
    show_default=True,
    help="Port of the local node to reuse or start (ignored with --url).",
)
@click.option(
    "--url",
    envvar="BABELSEARCH_URL",
    default=None,
    help="Use this cluster instead of a local node. Env: BABELSEARCH_URL.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Spec to demo (default: examples/multilingual.yaml, or the same spec built in).",
)
@click.option(
    "--keep-running/--stop",
    default=True,
    show_default=True,
    help="Leave a node this command started running, or stop it at the end.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@handle_errors
def command(
    port: int, url: str | None, config_path: str | None, keep_running: bool, as_json: bool
) -> None:
    """Run the whole demo: start (or reuse) a local node, apply the reference mapping,
    ingest the bundled sample corpus and run cross-lingual queries.

    Every run recreates the demo index, so it can be repeated. Queries are in one
    language and their answers in others; the table marks known answers with `*`.

    \b
    Examples:
      babelsearch quickstart
      babelsearch quickstart --port 9250 --stop
      babelsearch quickstart --url https://admin:${PASS}@search.internal:9200 --json
    """
    from ..quickstart import demo_config, ensure_node, render_table, run_demo

    cfg = demo_config(config_path)
    if not as_json:
        click.echo(f"Using {cfg.source_path or 'the built-in reference spec'}.", err=True)
        if not url:
            click.echo(f"Starting or reusing a local node on port {port}…", err=True)
    cluster_url, started = ensure_node(port, url)
    try:
        cfg = cfg.with_cluster_url(cluster_url)
        if not as_json:
            click.echo(f"Ingesting the sample corpus into {cfg.index.name!r}…", err=True)
        result = run_demo(cfg, progress=None if not as_json else False)
    finally:
        if started is not None and not keep_running:
            started.stop()
    if as_json:
        data = result.to_dict()
        data["node_started"] = started is not None
        data["node_running"] = started is None or keep_running
        echo_json(data)
        return
    hint = cfg.source_path or None
    if hint and url:
        hint = f"{hint} --url {url}" if "@" not in url else f"{hint} --url <URL>"
    click.echo(render_table(result, config_hint=hint))
    if started is not None:
        state = "still running" if keep_running else "stopped"
        click.echo(f"\nThe local node at {cluster_url} is {state} (babelsearch node stop).")
