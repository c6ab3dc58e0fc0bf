"""``babelsearch search "…"``: one library call, printed as a table or JSON.

Filters: ``--filter field=value`` (repeat a field for "any of"), ``--filter
year>=2020`` (also ``>``, ``<``, ``<=``). Values of numeric/boolean metadata fields are
converted by the field's configured type, so ``year=2020`` filters an integer (the
parsing is the library's :func:`babelsearch.query.parse_filter_args`).
"""

from __future__ import annotations

import re
from typing import Any

import click

from ..config_search import MODES
from .common import config_options, echo_json, handle_errors, load_cli_config

__all__ = ["command"]

_MODE_HELP = f"{', '.join(MODES[:-1])} or {MODES[-1]}."


def _snippet(hit: Any) -> str:
    for frags in hit.highlights.values():
        if frags:
            return re.sub(r"</?em>", "*", frags[0])
    return ""


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("search")
@click.argument("text")
@config_options
@click.option("--mode", default=None, help=_MODE_HELP)
@click.option("--lang", default=None, help="Query language (default: detected).")
@click.option("--k", "k", type=int, default=None, help="Hits per page (default: search.k).")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--filter", "filters", multiple=True, help="field=value or field>=value; repeat.")
@click.option("--explain", is_flag=True, help="Show every sub-query's raw/normalized score.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@handle_errors
def command(
    text: str,
    config_path: str | None,
    url: str | None,
    mode: str | None,
    lang: str | None,
    k: int | None,
    page: int,
    filters: tuple[str, ...],
    explain: bool,
    as_json: bool,
) -> None:
    """Run a hybrid, cross-lingual search and print the hits.

    \b
    Examples:
      babelsearch search "Wer hat das Telefon erfunden?" --config examples/multilingual.yaml
      babelsearch search "QR code" --config examples/multilingual.yaml --mode bm25 --k 5
      babelsearch search "pulpo" --config examples/multilingual.yaml --filter topic=science --json
    """
    from ..query import Searcher, hit_title, parse_filter_args

    cfg = load_cli_config(config_path, url)
    flt = parse_filter_args(filters, cfg)
    with Searcher(cfg) as searcher:
        res = searcher.search(
            text,
            lang=lang,
            # ``is None``, not ``or``: --k 0 must reach the library's check, not become 10
            mode=cfg.search.mode if mode is None else mode,
            k=cfg.search.k if k is None else k,
            filters=flt or None,
            explain=explain,
            page=page,
        )
    fields = tuple(cfg.fields.text)
    if as_json:
        echo_json(
            {
                "hits": [h.to_dict(fields) for h in res.hits],
                "mode": res.mode,
                "query_lang": res.query_lang,
                "took_ms": res.took_ms,
                "page": res.page,
                "k": res.k,
            }
        )
        return
    click.echo(
        f"mode {res.mode} · query language {res.query_lang} · page {res.page} · "
        f"{res.took_ms:.1f} ms · {len(res.hits)} hits"
    )
    if not res.hits:
        return
    click.echo(f"{'#':>3}  {'id':<20} {'lang':<4} {'score':>8}  title / snippet")
    start = (res.page - 1) * res.k
    for i, h in enumerate(res.hits, start=start + 1):
        line = _cut(hit_title(h, fields), 60)
        snip = _snippet(h)
        if snip:
            line = f"{line} — {_cut(snip, 60)}"
        click.echo(f"{i:>3}  {_cut(h.id, 20):<20} {h.lang:<4} {h.score:>8.4f}  {line}")
        if h.explanation is not None:
            for name, e in h.explanation["signals"].items():
                raw = "-" if e.get("raw") is None else f"{e['raw']:.4f}"
                rank = "-" if e.get("rank") is None else str(e["rank"])
                sub = " (substitute: dense)" if e.get("substitute") else ""
                click.echo(
                    f"       {name:<8} raw {raw:>9}  norm {e['norm']:.4f}  "
                    f"rank {rank:>4}  weight {e['weight']:.3f}{sub}"
                )
