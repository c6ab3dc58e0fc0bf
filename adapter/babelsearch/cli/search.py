"""``babelsearch search "…"``: one library call, printed as a table or JSON.

Filters: ``--filter field=value`` (repeat a field for "any of"), ``--filter
year>=2020`` (also ``>``, ``<``, ``<=``). Values of numeric/boolean metadata fields are
converted by the field's configured type, so ``year=2020`` filters an integer.
"""

from __future__ import annotations

import re
from typing import Any

import click

from .common import config_options, echo_json, handle_errors, load_cli_config

__all__ = ["command"]

_FILTER = re.compile(r"^([A-Za-z0-9_\-]+)\s*(>=|<=|=|>|<)\s*(.*)$")
_RANGE = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}
_INT_TYPES = {"integer", "long", "short", "byte"}
_FLOAT_TYPES = {"float", "double", "half_float", "scaled_float"}


def _typed(value: str, es_type: str | None) -> Any:
    from ..errors import QueryError

    try:
        if es_type in _INT_TYPES:
            return int(value)
        if es_type in _FLOAT_TYPES:
            return float(value)
    except ValueError:
        raise QueryError(f"filter value {value!r} is not a {es_type}") from None
    if es_type == "boolean":
        if value.lower() not in ("true", "false"):
            raise QueryError(f"filter value {value!r} is not true/false")
        return value.lower() == "true"
    return value


def parse_filters(items: tuple[str, ...], types: dict[str, str]) -> dict[str, Any]:
    """``("lang=de", "year>=2020", "tags=a", "tags=b")`` -> filter mapping."""
    from ..errors import QueryError

    out: dict[str, Any] = {}
    for item in items:
        m = _FILTER.match(item)
        if not m:
            raise QueryError(f"--filter {item!r}: expected field=value or field>=value")
        name, op, raw = m.groups()
        value = _typed(raw, types.get(name))
        if op == "=":
            prev = out.get(name)
            if prev is None:
                out[name] = value
            elif isinstance(prev, list):
                prev.append(value)
            elif isinstance(prev, dict):
                raise QueryError(f"--filter {name}: cannot mix = with a range")
            else:
                out[name] = [prev, value]
        else:
            rng = out.setdefault(name, {})
            if not isinstance(rng, dict):
                raise QueryError(f"--filter {name}: cannot mix = with a range")
            rng[_RANGE[op]] = value
    return out


def _title(hit: Any, text_fields: tuple[str, ...]) -> str:
    """The first text field in the hit's language (or the neutral copy)."""
    for f in text_fields:
        val = hit.source.get(f)
        if isinstance(val, dict):
            text = val.get(hit.lang) or val.get("neutral")
            if text:
                return str(text)
        elif isinstance(val, str) and val:
            return val
    return ""


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
@click.option("--mode", default=None, help="auto, bm25, dense, sparse, hybrid, bool or rrf.")
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
    from ..query import Searcher

    cfg = load_cli_config(config_path, url)
    flt = parse_filters(filters, dict(cfg.fields.metadata))
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
        hits = []
        for h in res.hits:
            row: dict[str, Any] = {
                "id": h.id,
                "chunk_id": h.chunk_id,
                "score": h.score,
                "lang": h.lang,
                "title": _title(h, fields),
                "highlights": h.highlights,
                "source": h.source,
            }
            if h.explanation is not None:
                row["explanation"] = h.explanation
            hits.append(row)
        echo_json(
            {
                "hits": hits,
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
        line = _cut(_title(h, fields), 60)
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
