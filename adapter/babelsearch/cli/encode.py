"""``babelsearch encode``: try the configured encoder by hand."""

from __future__ import annotations

import dataclasses

import click

from .common import echo_json, handle_errors

_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="BABELSEARCH_CONFIG",
    help="YAML config whose 'encoder' section to use. Env: BABELSEARCH_CONFIG.",
)


@click.command("encode")
@click.argument("texts", nargs=-1, required=True)
@_config_option
@click.option(
    "--kind", default=None, help="Override encoder.kind (use, bge-m3, sentence-transformers)."
)
@click.option("--model", default=None, help="Override encoder.model (a directory or hub id).")
@click.option("--query", "as_query", is_flag=True, help="Encode as queries (query prompt/side).")
@click.option(
    "--top", default=8, show_default=True, help="How many values / sparse tokens to show."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per text).")
@handle_errors
def command(
    texts: tuple[str, ...],
    config_path: str | None,
    kind: str | None,
    model: str | None,
    as_query: bool,
    top: int,
    as_json: bool,
) -> None:
    """Encode TEXTS and show the dimension, the first values, the norm and the top
    sparse tokens (when the encoder has a sparse head).

    \b
    Examples:
      babelsearch encode "Wer hat das Telefon erfunden?"
      babelsearch encode --query "who invented the telephone" --json
      babelsearch encode --kind bge-m3 --model ./models/bge-m3 "Das Telefon"
      babelsearch encode --config examples/multilingual.yaml "hola" "hello"
    """
    import numpy as np

    from ..config import load_config
    from ..encoders import get_encoder

    cfg = load_config(config_path).encoder
    if kind is not None:
        cfg = dataclasses.replace(cfg, kind=kind)
    if model is not None:
        cfg = dataclasses.replace(cfg, model=model)
    enc = get_encoder(cfg)
    out = enc.encode_queries(list(texts)) if as_query else enc.encode_documents(list(texts))
    info = enc.info
    rows = []
    for i, text in enumerate(texts):
        vec = out.dense[i]
        row: dict[str, object] = {
            "text": text,
            "encoder": info.kind,
            "model": info.model_id,
            "side": "query" if as_query else "document",
            "dimension": int(vec.shape[0]),
            "norm": round(float(np.linalg.norm(vec)), 6),
            "first": [round(float(x), 6) for x in vec[: max(0, top)]],
        }
        if out.sparse is not None:
            weights = sorted(out.sparse[i].items(), key=lambda kv: -kv[1])
            row["sparse_size"] = len(weights)
            row["sparse_top"] = {t: round(w, 6) for t, w in weights[: max(0, top)]}
        rows.append(row)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['text']}")
        click.echo(
            f"  {row['encoder']} ({row['model']}), {row['side']}: "
            f"dimension {row['dimension']}, norm {row['norm']}"
        )
        click.echo("  first: " + ", ".join(f"{x:+.4f}" for x in row["first"]))  # type: ignore[attr-defined]
        if "sparse_top" in row:
            top_tokens = row["sparse_top"]
            assert isinstance(top_tokens, dict)
            click.echo(
                f"  sparse ({row['sparse_size']} tokens): "
                + ", ".join(f"{t}={w:.3f}" for t, w in top_tokens.items())
            )
