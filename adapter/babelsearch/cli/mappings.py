"""``babelsearch mappings ...``: render, plan, apply, migrate, status, prune, rollback."""

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
    ``rollback`` points the alias back at the previous version; ``prune`` deletes old
    versions.

    \b
    Examples:
      babelsearch mappings render --config examples/multilingual.yaml
      babelsearch mappings plan   --config examples/multilingual.yaml
      babelsearch mappings apply  --config examples/multilingual.yaml
      babelsearch mappings migrate --config examples/multilingual.yaml
      babelsearch mappings rollback --config examples/multilingual.yaml
      babelsearch mappings prune --config examples/multilingual.yaml --keep 1 --dry-run
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
@click.option("--force", is_flag=True, help="Rebuild even when the index already matches the spec.")
@click.option(
    "--break-lock", is_flag=True, help="Remove the lock a crashed migration left behind first."
)
@handle_errors
def migrate_cmd(
    config_path: str | None,
    url: str | None,
    as_json: bool,
    batch_size: int,
    force: bool,
    break_lock: bool,
) -> None:
    """Build <name>-v<N+1> from the spec, copy every document, swap the alias.

    Documents are re-embedded when the encoder changed (vectors are never reused
    across encoders) and written through the same bulk path as ingest (per-item
    retries, resends overwrite); the alias moves only when every document was
    copied and the counts match, otherwise nothing changes. The old index is kept.
    Writes to the old index are blocked while copying. A second migrate of the same
    alias is refused while one runs. Nothing happens when the write index already
    has the spec and the encoder, unless --force.

    \b
    Examples:
      babelsearch mappings migrate --config examples/multilingual.yaml
      babelsearch mappings migrate --config spec.yaml --json
      babelsearch mappings migrate --config spec.yaml --force
      babelsearch mappings migrate --config spec.yaml --break-lock
    """
    from ..indices import migrate

    res = migrate(
        load_cli_config(config_path, url),
        batch_size=batch_size,
        break_lock=break_lock,
        force=force,
    )
    if as_json:
        echo_json(res.to_dict())
        return
    if res.noop:
        click.echo(f"nothing to migrate: {res.source} is up to date (use --force to rebuild)")
        return
    how = "re-embedded" if res.reembedded else "copied"
    retried = f", {res.retried} bulk items retried" if res.retried else ""
    click.echo(
        f"migrated {res.alias}: {res.source} -> {res.target}, {res.target_docs} of "
        f"{res.source_docs} documents {how} in {res.seconds:.1f}s{retried}; {res.source} kept"
    )


@command.command("prune")
@config_options
@click.option(
    "--keep",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="Versions outside the alias to keep for rollback (the newest ones).",
)
@click.option("--dry-run", is_flag=True, help="Only print what would be deleted.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--break-lock", is_flag=True, help="Remove the lock a crashed migration left behind first."
)
@handle_errors
def prune_cmd(
    config_path: str | None,
    url: str | None,
    keep: int,
    dry_run: bool,
    as_json: bool,
    break_lock: bool,
) -> None:
    """Delete old <name>-v<N> indices the alias does not point to, keeping the newest N.

    Never deletes an index the alias points to (the write index). Holds the migration
    lock, so a migration's half-built index is never deleted under it.

    \b
    Examples:
      babelsearch mappings prune --config examples/multilingual.yaml --dry-run
      babelsearch mappings prune --config examples/multilingual.yaml --keep 1
      babelsearch mappings prune --config spec.yaml --keep 0 --json
    """
    from ..indices import prune

    res = prune(
        load_cli_config(config_path, url), keep=keep, dry_run=dry_run, break_lock=break_lock
    )
    if as_json:
        echo_json(res.to_dict())
        return
    verb = "would delete" if dry_run else "deleted"
    if not res.deleted:
        click.echo(f"nothing to prune: {res.alias} -> {res.write_index}")
    for name in res.deleted:
        click.echo(f"{verb} {name}")
    for name in res.kept:
        click.echo(f"kept {name}")


@command.command("rollback")
@config_options
@click.option(
    "--force",
    is_flag=True,
    help="Roll back even to an index built for another encoder than the configured one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--break-lock", is_flag=True, help="Remove the lock a crashed migration left behind first."
)
@handle_errors
def rollback_cmd(
    config_path: str | None, url: str | None, force: bool, as_json: bool, break_lock: bool
) -> None:
    """Point the alias (reads and writes) back at the previous <name>-v<N>, atomically.

    The previous version is the newest one older than the write index. Refused when
    there is none, or when it was built for another encoder than the configured one
    (its vectors would not match the queries): set encoder: in the config to the old
    encoder first, or pass --force. The current index is kept.

    \b
    Examples:
      babelsearch mappings rollback --config examples/multilingual.yaml
      babelsearch mappings rollback --config old-encoder.yaml --json
      babelsearch mappings rollback --config spec.yaml --force
    """
    from ..indices import rollback

    res = rollback(load_cli_config(config_path, url), force=force, break_lock=break_lock)
    if as_json:
        echo_json(res.to_dict())
        return
    click.echo(
        f"rolled back {res.alias}: {res.from_index} -> {res.to_index} "
        f"({res.to_docs} documents); {res.from_index} kept"
    )
    for note in res.notes:
        click.echo(f"  note: {note}")


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
