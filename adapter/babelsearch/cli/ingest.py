"""``babelsearch ingest``: parse options, make one library call, print the report."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from .common import config_options, echo_json, handle_errors, load_cli_config

__all__ = ["command"]


@click.command(
    "ingest",
    epilog="""\b
Exit codes:
  0    every record was indexed, replaced or skipped (empty / no letters or digits)
  2    some records were dead-lettered (see --dead-letter; counts in the report)
  1    fatal error (cluster unreachable, auth refused, alias missing, bad config,
       a checkpoint written for another target)
  130  interrupted (Ctrl-C); the checkpoint is saved, --resume continues

\b
Records are read field by field from the config (fields.id, fields.text,
fields.lang, fields.metadata); other keys are ignored, never indexed. A record
without an id gets a deterministic one (auto-<sha1 of its text>). An id that
appears twice: the last record wins, the earlier ones count as replaced.
""",
)
@click.argument("path", type=str)
@config_options
@click.option("--resume", is_flag=True, help="Continue after the checkpoint's watermark.")
@click.option("--report-json", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--dead-letter", type=click.Path(dir_okay=False), help="Dead-letter JSONL (default: config)."
)
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False),
    help="Checkpoint file (default: <PATH>.babelsearch-checkpoint.json).",
)
@click.option(
    "--backfill",
    is_flag=True,
    help="Relax refresh_interval/replicas during the load; restored afterwards.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet", "dir"]),
    default=None,
    help="Input format (default: from the file name; '-' reads JSONL from stdin).",
)
@click.option("--no-chunking", is_flag=True, help="Index each document as one passage.")
@click.option("--create", is_flag=True, help="Create the index and alias if missing.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a TTY).")
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: threads in this process (resumable). ray: Ray Data tasks and actor pools "
    "on a Ray cluster (pip install 'babelsearch[ray]'); reruns are idempotent, no checkpoint.",
)
@click.option(
    "--ray-address",
    metavar="ADDR",
    default=None,
    help="Ray cluster to use, host:port or 'auto' (default: RAY_ADDRESS, else a local Ray).",
)
@click.option(
    "--ray-encoders",
    type=click.IntRange(min=1),
    default=None,
    help="Encoder actors (default: one per GPU, else as many as the cluster's CPUs hold).",
)
@handle_errors
def command(
    path: str,
    config_path: str | None,
    url: str | None,
    resume: bool,
    report_json: str | None,
    dead_letter: str | None,
    checkpoint: str | None,
    backfill: bool,
    fmt: str | None,
    no_chunking: bool,
    create: bool,
    progress: bool | None,
    engine: str,
    ray_address: str | None,
    ray_encoders: int | None,
) -> None:
    """Bulk-load PATH (JSONL, CSV, Parquet, a directory of .txt/.md, or - for stdin).

    \b
    Examples:
      babelsearch ingest docs.jsonl --config examples/multilingual.yaml --create
      babelsearch ingest docs.jsonl --config examples/multilingual.yaml --resume
      cat docs.jsonl | babelsearch ingest - --config examples/multilingual.yaml --report-json r.json
      babelsearch ingest docs.jsonl --config search.yaml --engine ray --ray-address head:6379
    """
    from ..errors import BabelsearchError
    from ..ingest import Ingestor
    from ..ingest.pipeline import write_failed_report

    if progress is not False and not sys.stderr.isatty():
        # no terminal: progress as plain log lines (every 10 s) on stderr
        logging.getLogger("babelsearch.ingest").setLevel(logging.INFO)
    try:
        cfg = load_cli_config(config_path, url)
    except BabelsearchError as exc:  # the run never started: the report still says why
        if report_json:
            write_failed_report(report_json, exc)
        raise
    if engine == "ray":
        report = _ray(
            path,
            cfg,
            fmt,
            dead_letter,
            create,
            no_chunking,
            report_json,
            resume=resume,
            checkpoint=checkpoint,
            backfill=backfill,
            address=ray_address,
            encoders=ray_encoders,
        )
        _finish(report)
        return
    ingestor = Ingestor(
        cfg,
        dead_letter=dead_letter,
        checkpoint=checkpoint,
        input_format=fmt,  # type: ignore[arg-type]
        backfill=backfill,
        create=create,
        progress=progress,
        chunking=False if no_chunking else None,
    )
    _finish(ingestor.run(path, resume=resume, report_json=report_json))


def _finish(report: Any) -> None:
    echo_json(report.to_dict())
    if report.exit_code:
        click.echo(
            f"{report.dead_lettered} record(s) dead-lettered; see {report.dead_letter_path}",
            err=True,
        )
        sys.exit(report.exit_code)


def _ray(
    path: str,
    cfg: Any,
    fmt: str | None,
    dead_letter: str | None,
    create: bool,
    no_chunking: bool,
    report_json: str | None,
    *,
    resume: bool,
    checkpoint: str | None,
    backfill: bool,
    address: str | None,
    encoders: int | None,
) -> Any:
    """``--engine ray``: one call into :mod:`babelsearch.ingest.ray_engine`."""
    import os

    from ..errors import IngestError

    refused = [
        n
        for n, v in (("--resume", resume), ("--checkpoint", checkpoint), ("--backfill", backfill))
        if v
    ]
    if refused:
        raise IngestError(
            f"{', '.join(refused)}: not with --engine ray (it keeps no checkpoint; "
            "rerun the same command, the load is idempotent)"
        )
    from ..ingest.ray_engine import RayOptions, ingest_path

    opts = RayOptions(address=address or os.environ.get("RAY_ADDRESS") or None, encoders=encoders)
    return ingest_path(
        path,
        cfg,
        options=opts,
        dead_letter=dead_letter,
        input_format=fmt,
        create=create,
        chunking=False if no_chunking else None,
        report_json=report_json,
    )
