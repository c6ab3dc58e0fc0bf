"""``babelsearch tune``: learn ``search.weights`` from judgments against the live index.

Thin: load the judgments (BEIR queries + qrels, or a click log), call
:func:`babelsearch.eval.tune_run.run_tune`, write the weights block, the Markdown
report and (with ``--report-json``) the JSON, print the report.
"""

from __future__ import annotations

from pathlib import Path

import click

from .common import config_options, echo_json, handle_errors, load_cli_config

__all__ = ["command"]


@click.command("tune")
@config_options
@click.option("--queries", type=click.Path(dir_okay=False), help="BEIR queries.jsonl.")
@click.option("--qrels", type=click.Path(dir_okay=False), help="BEIR qrels TSV.")
@click.option(
    "--clicks",
    type=click.Path(dir_okay=False),
    help="Click log (JSON lines: query, lang, shown, clicked).",
)
@click.option("--metric", type=click.Choice(["mrr", "map", "ndcg@10"]), default="mrr",
              show_default=True, help="What to maximise.")  # fmt: skip
@click.option("--holdout", type=float, default=0.3, show_default=True,
              help="Share of query groups held out for validation.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Which split.")
@click.option("--min-pair-queries", type=int, default=50, show_default=True,
              help="Training queries a language pair needs for weights of its own.")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False), default="tuned-weights.yaml",
              show_default=True, help="Where to write the search.weights block.")  # fmt: skip
@click.option("--report", type=click.Path(dir_okay=False), default=None,
              help="Also write the Markdown report here.")  # fmt: skip
@click.option("--report-json", type=click.Path(dir_okay=False), default=None,
              help="Also write the whole result as JSON here.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def command(
    config_path: str | None,
    url: str | None,
    queries: str | None,
    qrels: str | None,
    clicks: str | None,
    metric: str,
    holdout: float,
    seed: int,
    min_pair_queries: int,
    out: str,
    report: str | None,
    report_json: str | None,
    as_json: bool,
) -> None:
    """Learn fusion weights from your judgments, validated on held-out queries.

    Searches every judged query once against the config's index (nothing is written
    to the cluster), tunes the auto fusion's weights on the training queries, and
    keeps them only if they score at least as well on the held-out ones. Writes a
    search.weights block to paste into the config.

    \b
    Examples:
      babelsearch tune --config search.yaml --queries queries.jsonl --qrels qrels.tsv
      babelsearch tune --config search.yaml --clicks clicks.jsonl --metric ndcg@10
    """
    from ..errors import ConfigError
    from ..eval.judgments import load_beir_judgments, load_click_log
    from ..eval.tune import TuneOptions
    from ..eval.tune_report import result_json, tune_markdown, weights_yaml
    from ..eval.tune_run import run_tune

    if bool(clicks) == bool(queries or qrels):
        raise ConfigError("give either --clicks, or --queries and --qrels")
    if clicks:
        judged, stats = load_click_log(clicks)
        click.echo(
            f"{stats.rows} click-log rows: {stats.queries} judged queries, "
            f"{stats.without_click} impressions without a click",
            err=True,
        )
    else:
        if not (queries and qrels):
            raise ConfigError("--queries and --qrels go together")
        judged = load_beir_judgments(queries, qrels)
    cfg = load_cli_config(config_path, url)
    options = TuneOptions(
        holdout=holdout, seed=seed, metric=metric, min_pair_queries=min_pair_queries
    )
    result = run_tune(cfg, judged, options, progress=lambda m: click.echo(m, err=True))
    Path(out).write_text(weights_yaml(result), encoding="utf-8")
    md = tune_markdown(result)
    if report:
        Path(report).write_text(md, encoding="utf-8")
    if report_json:
        result_json(result, report_json)
    if as_json:
        echo_json({"weights": result.weights, "kept": result.kept, "held_out": result.held_out})
    else:
        click.echo(md)
        click.echo(f"weights written to {out}", err=True)
