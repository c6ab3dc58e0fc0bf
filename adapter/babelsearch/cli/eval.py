"""``babelsearch eval``: score every search mode on XQuAD-R or BEIR-style files.

Thin on purpose: parse options, load the dataset, call
:func:`babelsearch.eval.runner.run_eval` once, write the JSON, the Markdown tables
(``<out>.md``), the summary chart (``<out>.png``) and one per-pair heatmap per mode
(``<out>.cross.<mode>.png``), print the Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ..config_search import MODES
from .common import config_options, handle_errors

__all__ = ["command"]

F = TypeVar("F", bound=Callable[..., Any])

_SETTINGS = ("mono", "cross", "pool")


def _words(values: Sequence[str]) -> list[str]:
    """Accept both ``--langs ar de en`` (nargs via repeats) and ``--langs ar,de,en``."""
    out: list[str] = []
    for v in values:
        out += [w for w in v.replace(",", " ").split() if w]
    return out


class _ListCommand(click.Command):
    """Lets list options take several words: ``--langs ar de en`` as the README writes it.

    click options take a fixed number of values, so before parsing, the words that
    follow a list option (up to the next ``-option``) are folded into one value, which
    :func:`_words` splits again. ``--langs ar,de`` and repeated ``--langs`` still work.
    """

    LIST_OPTIONS = frozenset({"--langs", "--modes", "--settings", "--pairs"})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            out.append(arg)
            i += 1
            if arg in self.LIST_OPTIONS:
                words = []
                while i < len(args) and not args[i].startswith("-"):
                    words.append(args[i])
                    i += 1
                out.append(",".join(words))
        return super().parse_args(ctx, out)


def _eval_options(func: F) -> F:
    options = [
        click.option(
            "--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False)
        ),
        click.option(
            "--out",
            "out",
            required=True,
            type=click.Path(dir_okay=False),
            help="JSON result; the Markdown tables (.md), the chart (.png) and the "
            "per-pair heatmaps (.cross.<mode>.png) are written beside it.",
        ),
        click.option("--langs", multiple=True, help="Languages (space- or comma-separated)."),
        click.option(
            "--modes", multiple=True, help=f"Subset of {', '.join(MODES)} (default: all)."
        ),
        click.option(
            "--settings", multiple=True, help="Subset of mono, cross, pool (default: all)."
        ),
        click.option(
            "--pairs", multiple=True, help="Cross pairs like en-de,zh-ar (default: en<->*, zh-ar)."
        ),
        click.option(
            "--limit",
            type=click.IntRange(min=1),
            default=None,
            help="Only the first N questions (and the passages that hold them).",
        ),
        click.option(
            "--sample",
            type=click.IntRange(min=1),
            default=None,
            help="XQuAD-R: N questions per language spread over the file; all passages kept.",
        ),
        click.option("-k", "--k", "k", type=click.IntRange(min=1), default=100, show_default=True),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1, max=64),
            default=4,
            show_default=True,
            help="Searches in flight.",
        ),
        click.option("--keep-index", is_flag=True, help="Keep the eval index for inspection."),
        click.option(
            "--index", "index_name", default=None, help="Index alias (default: a throwaway name)."
        ),
        click.option("--no-png", is_flag=True, help="Skip the charts (matplotlib not installed)."),
        config_options,
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


def _run(
    kind: str,
    data_dir: str,
    out: str,
    langs: Sequence[str],
    modes: Sequence[str],
    settings: Sequence[str],
    pairs: Sequence[str],
    limit: int | None,
    sample: int | None,
    k: int,
    concurrency: int,
    keep_index: bool,
    index_name: str | None,
    no_png: bool,
    config_path: str | None,
    url: str | None,
) -> None:
    from ..config import load_config
    from ..errors import ConfigError
    from ..eval.datasets import load_beir, load_xquad_r, parse_pairs
    from ..eval.report import markdown_report, write_heatmaps, write_json, write_markdown, write_png
    from ..eval.runner import EvalOptions, eval_config, run_eval

    lang_list = _words(langs)
    if kind == "xquad-r":
        if not lang_list:
            raise ConfigError("--langs: XQuAD-R needs the languages to load, e.g. --langs en de")
        ds = load_xquad_r(data_dir, lang_list, limit=limit, sample=sample)
    else:
        ds = load_beir(data_dir, lang_list or None)
        if limit is not None or sample is not None:
            ds = _limit_beir(ds, limit or sample or 0)
    base = load_config(config_path) if config_path else None
    cfg = eval_config(lang_list or ds.langs, ds.text_fields, base=base, index_name=index_name, k=k)
    cfg = cfg.with_cluster_url(url)
    options = EvalOptions(
        modes=tuple(_words(modes)) or None,
        settings=tuple(_words(settings)) or _SETTINGS,
        pairs=tuple(parse_pairs(_words(pairs))) if pairs else None,
        k=k,
        keep_index=keep_index,
        concurrency=concurrency,
    )
    result = run_eval(ds, cfg, options, progress=lambda msg: click.echo(msg, err=True))
    path = write_json(result, out)
    saved = [path, write_markdown(result, path.with_suffix(".md"))]
    if not no_png:
        saved.append(write_png(result, path.with_suffix(".png")))
        saved += write_heatmaps(result, path)
    click.echo(markdown_report(result).rstrip("\n"))
    click.echo("\nSaved " + ", ".join(str(p) for p in saved), err=True)


def _limit_beir(ds: Any, limit: int) -> Any:
    """First ``limit`` queries per language; the corpus stays whole (it is the haystack)."""
    import dataclasses

    seen: dict[str, int] = {}
    kept = []
    for q in ds.queries:
        if seen.get(q.lang, 0) < limit:
            seen[q.lang] = seen.get(q.lang, 0) + 1
            kept.append(q)
    return dataclasses.replace(ds, queries=kept)


@click.group("eval")
def command() -> None:
    """Measure MRR, mAP, nDCG and Recall per language and language pair.

    The corpus is indexed through the real ingestor into a fresh index on the cluster and
    every mode is searched through the real searcher; the index is deleted afterwards.

    \b
    Examples:
      babelsearch eval xquad-r --data ../shared/data/xquad-r --langs ar de en es ru zh --out r.json
      babelsearch eval beir --data my-beir-dir --out r.json --modes bm25 dense auto
    """


@command.command("xquad-r", cls=_ListCommand)
@_eval_options
@handle_errors
def xquad_r(**kwargs: Any) -> None:
    """XQuAD-R (<data>/<lang>.json): sentences as candidates, mono/cross/pool settings.

    \b
    Examples:
      babelsearch eval xquad-r --data ../shared/data/xquad-r --langs ar de en --out r.json
      babelsearch eval xquad-r --data ../shared/data/xquad-r --limit 50 --modes auto --out r.json
    """
    _run("xquad-r", **kwargs)


@command.command("beir", cls=_ListCommand)
@_eval_options
@handle_errors
def beir(**kwargs: Any) -> None:
    """BEIR-style corpus.jsonl / queries.jsonl / qrels.tsv, with a ``lang`` on every row.

    \b
    Examples:
      babelsearch eval beir --data my-beir-dir --out r.json
      babelsearch eval beir --data my-beir-dir --modes bm25 dense auto --no-png --out r.json
    """
    _run("beir", **kwargs)
