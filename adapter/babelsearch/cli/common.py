"""Shared CLI plumbing: option bundles, config loading, and error translation.

Every command body is wrapped in :func:`handle_errors`, so a library error is one
``Error: ...`` line with exit code 1 and Ctrl-C is ``Error: interrupted`` with 130
(``tests/docs/test_cli_help.py`` checks that no command is left unwrapped).
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..config import Config, load_config, url_override
from ..errors import BabelsearchError

__all__ = [
    "Interrupted",
    "config_options",
    "echo_json",
    "handle_errors",
    "load_cli_config",
    "run_main",
]

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("babelsearch.cli")


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _resolve_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--url``, else ``BABELSEARCH_URL``: resolved (and validated) by the library's
    :func:`~babelsearch.config.url_override`, the rule's one home -- click reads no
    environment variable for it, so the precedence cannot drift from ``load_config``."""
    try:
        return url_override(value, where="--url")
    except BabelsearchError as exc:  # parsing runs outside handle_errors
        raise click.ClickException(_one_line(exc)) from None


def config_options(func: F) -> F:
    """``--config`` and ``--url`` (``BABELSEARCH_URL``), shared by every cluster command."""
    func = click.option(
        "--url",
        default=None,
        callback=_resolve_url,
        help="Cluster URL; wins over BABELSEARCH_URL, which wins over the config file.",
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
    """The config a command runs with; ``url`` is :func:`config_options`' resolved URL."""
    return load_config(config_path, url=url)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class Interrupted(click.ClickException):
    """Ctrl-C: ``Error: interrupted`` and exit code 130 (128 + SIGINT, what shells and
    CI runners expect), instead of click's "Aborted!" with 1 -- a script must be able to
    tell "the user stopped it" from "it failed"."""

    exit_code = 130

    def __init__(self) -> None:
        super().__init__("interrupted")


def handle_errors(func: F) -> F:
    """Turn library errors into ``Error: <one line>`` with exit code 1 (details with -v),
    and Ctrl-C into :class:`Interrupted`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BabelsearchError as exc:
            log.debug("error details", exc_info=True)
            raise click.ClickException(_one_line(exc)) from None
        except KeyboardInterrupt:
            log.debug("interrupted", exc_info=True)
            raise Interrupted() from None

    wrapper.handles_errors = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def run_main(group: click.Group, argv: list[str] | None) -> Any:
    """Run the CLI; an unexpected exception is one line too, unless ``--verbose`` asks for more."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return group.main(args=args, prog_name="babelsearch", standalone_mode=True)
    except KeyboardInterrupt:  # outside any command (handle_errors covers those)
        Interrupted().show()
        sys.exit(Interrupted.exit_code)
    except Exception as exc:  # the last line of defence: never a bare traceback
        if "-v" in args or "--verbose" in args:
            raise
        click.echo(
            f"Error: unexpected {type(exc).__name__}: {exc} (rerun with -v for details)", err=True
        )
        sys.exit(1)
