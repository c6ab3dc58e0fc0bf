"""``babelsearch mappings render|plan|apply|migrate|status``: one library call each."""

from __future__ import annotations

import sys

import click

from .common import config_options, echo_json, handle_errors, load_cli_config


@click.group("mappings")
def command() -> None:
    """Render, plan, apply and migrate language-aware index mappings.

    The index is ``<name>-v<N>`` behind the alias ``<name>`` (index.name in the
    config). ``apply`` creates it or updates it in place; a change that needs a new
    index (another analyzer for a language, another encoder, shards) is refused and
    done by ``migrate``, which copies every document and swaps the alias atomically.

    \b
    Examples:
      babelsearch mappings render --config examples/multilingual.yaml
      babelsearch mappings plan   --config examples/multilingual.yaml
      babelsearch mappings apply  --config examples/multilingual.yaml
      babelsearch mappings migrate --config examples/multilingual.yaml
      BABELSEARCH_URL=https://search:9200 babelsearch mappings status --json
    """


@command.command("render")
@config_options
@click.option(
    "--plugin",
    "plugins",
    multiple=True,
    metavar="NAME",
    help="Render as if the cluster had this analysis plugin (e.g. analysis-kuromoji).",
)
@click.option("--detect", is_flag=True, help="Ask the cluster which analysis plugins it has.")
@handle_errors
def render_cmd(
    config_path: str | None, url: str | None, plugins: tuple[str, ...], detect: bool
) -> None:
    """Print the index body the spec renders to (offline unless --detect).

    \b
    Examples:
      babelsearch mappings render --config examples/multilingual.yaml
      babelsearch mappings render --config examples/multilingual.yaml --plugin analysis-nori
      babelsearch mappings render --config examples/multilingual.yaml --detect
    """
    from ..encoders import describe_encoder
    from ..schema import build_index_body
    from ..types import Capabilities

    cfg = load_cli_config(config_path, url)
    caps: Capabilities | None = None
    if detect:
        from ..cluster import capabilities, connect

        caps = capabilities(connect(cfg.cluster))
    elif plugins:
        caps = Capabilities(version="0", analysis_plugins=frozenset(plugins))
    echo_json(build_index_body(cfg, describe_encoder(cfg.encoder), caps))


@command.command("plan")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing is to do, 2 when apply or migrate would change something.",
)
@handle_errors
def plan_cmd(
    config_path: str | None, url: str | None, as_json: bool, detailed_exitcode: bool
) -> None:
    """Compare the spec with the live index: nothing to do, in-place update, or new index.

    \b
    Examples:
      babelsearch mappings plan --config examples/multilingual.yaml
      babelsearch mappings plan --config spec.yaml --json --detailed-exitcode
    """
    from ..indices import plan

    p = plan(load_cli_config(config_path, url))
    if as_json:
        echo_json(p.to_dict())
    else:
        click.echo(p.summary())
        for c in p.changes:
            marker = "~" if c.in_place else "!"
            click.echo(f"  {marker} {c.detail}")
        for note in p.notes:
            click.echo(f"  note: {note}")
    if detailed_exitcode and p.kind != "nothing_to_do":
        sys.exit(2)


@command.command("apply")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def apply_cmd(config_path: str | None, url: str | None, as_json: bool) -> None:
    """Create the index behind the alias, or update it in place; put the search pipelines.

    Refuses (exit 1) a change that needs a new index and says to run ``migrate``.

    \b
    Examples:
      babelsearch mappings apply --config examples/multilingual.yaml
      BABELSEARCH_URL=http://127.0.0.1:9200 babelsearch mappings apply --config spec.yaml
    """
    from ..indices import apply

    res = apply(load_cli_config(config_path, url))
    if as_json:
        echo_json(res.to_dict())
        return
    click.echo(f"{res.action}: {res.index}")
    for c in res.plan.changes:
        click.echo(f"  ~ {c.detail}")
    for name, outcome in res.pipelines.items():
        click.echo(f"  pipeline {name}: {outcome}")


@command.command("migrate")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--batch-size", default=256, show_default=True, help="Documents per scroll page.")
@click.option(
    "--break-lock", is_flag=True, help="Remove the lock a crashed migration left behind first."
)
@handle_errors
def migrate_cmd(
    config_path: str | None, url: str | None, as_json: bool, batch_size: int, break_lock: bool
) -> None:
    """Build <name>-v<N+1> from the spec, copy every document, swap the alias.

    Documents are re-embedded when the encoder changed (vectors are never reused
    across encoders); the old index is kept. Writes to the old index are blocked
    while copying. A second migrate of the same alias is refused while one runs.

    \b
    Examples:
      babelsearch mappings migrate --config examples/multilingual.yaml
      babelsearch mappings migrate --config spec.yaml --json
    """
    from ..indices import migrate

    res = migrate(load_cli_config(config_path, url), batch_size=batch_size, break_lock=break_lock)
    if as_json:
        echo_json(res.to_dict())
        return
    how = "re-embedded" if res.reembedded else "copied"
    click.echo(
        f"migrated {res.alias}: {res.source} -> {res.target}, {res.target_docs} of "
        f"{res.source_docs} documents {how} in {res.seconds:.1f}s; {res.source} kept"
    )


@command.command("status")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@handle_errors
def status_cmd(config_path: str | None, url: str | None, as_json: bool) -> None:
    """Show the alias, its versioned indices with document counts, and the fingerprint.

    \b
    Examples:
      babelsearch mappings status --config examples/multilingual.yaml
      babelsearch mappings status --config examples/multilingual.yaml --json
    """
    from ..indices import status

    st = status(load_cli_config(config_path, url))
    if as_json:
        echo_json(st.to_dict())
        return
    click.echo(f"alias      {st.alias} -> {st.write_index or '(none)'}")
    fp = st.fingerprint or {}
    click.echo(f"encoder    {fp.get('model_id', '-')} ({fp.get('dimension', '-')}-d)")
    state = "up to date" if st.up_to_date else "differs from the spec (run plan)"
    click.echo(f"spec hash  {st.spec_hash or '-'} ({state})")
    for i in st.indices:
        flags = "write" if i.is_write else ("alias" if i.in_alias else "kept")
        click.echo(f"  {i.name:<40} {i.docs:>10} docs  {flags}")
