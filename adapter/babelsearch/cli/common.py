"""Shared CLI plumbing: option bundles, config loading, and error translation."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..config import Config, load_config
from ..errors import BabelsearchError

__all__ = ["config_options", "echo_json", "handle_errors", "load_cli_config", "run_main"]

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("babelsearch.cli")


def config_options(func: F) -> F:
    """``--config`` and ``--url`` (``BABELSEARCH_URL``), shared by every cluster command."""
    func = click.option(
        "--url",
        envvar="BABELSEARCH_URL",
        default=None,
        help="Cluster URL; overrides the config file. Env: BABELSEARCH_URL.",
    )(func)
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        envvar="BABELSEARCH_CONFIG",
        help="YAML config (see examples/multilingual.yaml). Env: BABELSEARCH_CONFIG.",
    )(func)
    return func


def load_cli_config(config_path: str | None, url: str | None) -> Config:
    return load_config(config_path).with_cluster_url(url)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def handle_errors(func: F) -> F:
    """Turn library errors into ``Error: <one line>`` with exit code 1 (details with -v)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BabelsearchError as exc:
            log.debug("error details", exc_info=True)
            raise click.ClickException(
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            ) from None

    return wrapper  # type: ignore[return-value]


def run_main(group: click.Group, argv: list[str] | None) -> Any:
    """Run the CLI; an unexpected exception is one line too, unless ``--verbose`` asks for more."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return group.main(args=args, prog_name="babelsearch", standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never a bare traceback
        if "-v" in args or "--verbose" in args:
            raise
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} (rerun with -v for details)", err=True
        )
        sys.exit(1)
