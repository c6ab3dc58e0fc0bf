"""The ``babelsearch`` command: a thin shell over the library.

Sub-commands live in their own modules and are imported only when invoked, so
``babelsearch --help`` stays fast. Library errors become one-line messages here
and nowhere else.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from .. import __version__

__all__ = ["main"]

# name -> (module, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "quickstart": (
        "babelsearch.cli.quickstart",
        "command",
        "Run the whole demo: node, mapping, sample ingest, cross-lingual queries.",
    ),
    "node": (
        "babelsearch.cli.node",
        "command",
        "Start, stop and inspect a local OpenSearch node built from Maven Central.",
    ),
    "doctor": (
        "babelsearch.cli.doctor",
        "command",
        "Report what the cluster supports and what babelsearch will do with it.",
    ),
    "mappings": (
        "babelsearch.cli.mappings",
        "command",
        "Render, plan, apply and migrate language-aware index mappings.",
    ),
    "ingest": (
        "babelsearch.cli.ingest",
        "command",
        "Bulk-load documents: detect language, chunk, encode, index.",
    ),
    "search": (
        "babelsearch.cli.search",
        "command",
        "Run a hybrid, cross-lingual search and print the hits.",
    ),
    "encode": (
        "babelsearch.cli.encode",
        "command",
        "Encode texts with the configured encoder (for trying it by hand).",
    ),
    "detect": ("babelsearch.cli.detect", "command", "Detect the language of texts."),
    "eval": (
        "babelsearch.cli.eval",
        "command",
        "Measure MRR/mAP/nDCG/Recall per language and language pair.",
    ),
    "tune": (
        "babelsearch.cli.tune",
        "command",
        "Learn fusion weights from judgments (qrels or clicks), validated on held-out queries.",
    ),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr, _help = COMMANDS[cmd_name]
        cmd: click.Command = getattr(importlib.import_module(module), attr)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_m, _a, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="babelsearch")
@click.option("-v", "--verbose", is_flag=True, help="Log details (never credentials) to stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """babelsearch: multilingual, cross-lingual hybrid search on OpenSearch.

    \b
    Examples:
      babelsearch quickstart
      babelsearch node start
      babelsearch mappings apply --config examples/multilingual.yaml
      babelsearch ingest docs.jsonl --config examples/multilingual.yaml
      babelsearch search "Wer hat das Telefon erfunden?" --config examples/multilingual.yaml
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        # opensearch-py logs every request at INFO/WARNING; keep the terminal clean.
        logging.getLogger("opensearch").setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    from .common import run_main

    return run_main(cli, argv)
