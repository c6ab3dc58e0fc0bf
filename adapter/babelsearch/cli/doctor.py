"""``babelsearch doctor``."""

from __future__ import annotations

import click

from .common import config_options, echo_json, handle_errors, load_cli_config


@click.command("doctor")
@config_options
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
@handle_errors
def command(config_path: str | None, url: str | None, as_json: bool) -> None:
    """Report the cluster's version, plugins, usable k-NN engines and analyzers,
    and what babelsearch will do with them.

    \b
    Examples:
      babelsearch doctor
      babelsearch doctor --config examples/multilingual.yaml --json
    """
    from ..doctor import diagnose

    d = diagnose(load_cli_config(config_path, url))
    if as_json:
        echo_json(d.to_dict())
        return
    data = d.to_dict()
    rows = [
        ("cluster", f"{data['url']}  ({data['distribution']} {data['version']})"),
        ("plugins", ", ".join(data["plugins"]) or "none"),
        ("k-NN engines", ", ".join(data["knn_engines"]) or "none"),
        (
            "hybrid query",
            "yes (opensearch-neural-search)"
            if data["hybrid_query"]
            else "no (no opensearch-neural-search plugin)",
        ),
        (
            "pipelines",
            ", ".join(
                n
                for n, ok in (
                    ("normalization-processor", data["normalization_processor"]),
                    ("score-ranker-processor (RRF)", data["score_ranker_processor"]),
                )
                if ok
            )
            or "none",
        ),
        ("sparse", "neural_sparse + rank_features" if data["neural_sparse"] else "rank_feature"),
        ("analyzers", ", ".join(f"{k}={v}" for k, v in data["analyzers"].items())),
        ("encoder", _encoder_line(data["encoder"])),
        ("modes", ", ".join(data["modes"])),
        ("auto mode", data["auto_fusion"]),
        ("index", _index_line(data["index"])),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key.ljust(width)}  {value}")
    for note in data["notes"]:
        click.echo(f"note: {note}")
    for problem in data["problems"]:
        click.echo(click.style(f"problem: {problem}", fg="red"))
    if data["problems"]:
        raise SystemExit(1)


def _encoder_line(enc: dict[str, object]) -> str:
    if "error" in enc:
        return f"unavailable ({enc['error']})"
    langs = enc.get("languages") or []
    cover = f"{len(langs)} languages" if langs else "all languages"  # type: ignore[arg-type]
    return f"{enc['kind']} {enc['model_id']} ({enc['dimension']}-d {enc['similarity']}, {cover})"


def _index_line(idx: dict[str, object]) -> str:
    if not idx.get("exists"):
        return f"alias {idx['alias']} not created yet (babelsearch mappings apply)"
    counts = idx.get("indices")
    items = counts.items() if isinstance(counts, dict) else []
    parts = ", ".join(f"{k} ({v} docs)" for k, v in items)
    return f"alias {idx['alias']} -> {parts}"
