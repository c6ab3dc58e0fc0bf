"""Search pipelines for hybrid fusion: their names per alias and their bodies.

Why templates with no weights: a normalization pipeline's ``weights`` must have one
entry per hybrid sub-query, and the query side decides per request how many
sub-queries there are (BM25, dense, maybe sparse). The stored pipelines therefore use
equal weights, which work for any number of sub-queries; a request that needs other
weights sends a temporary pipeline in its body (``"search_pipeline": {...}``, built with
:func:`pipeline_body`) instead of relying on a stored one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from ..errors import ConfigError

__all__ = ["PIPELINE_KINDS", "pipeline_body", "pipeline_names", "pipeline_template"]

PIPELINE_KINDS: dict[str, str] = {
    # key -> (suffix of the stored pipeline's name); the template file is ``<key>.json``
    "min_max": "minmax",
    "l2": "l2",
    "z_score": "zscore",
    "rrf": "rrf",
}


def pipeline_names(alias: str) -> dict[str, str]:
    """Stored pipeline name per kind: ``{"min_max": "<alias>-minmax", ..., "rrf": "<alias>-rrf"}``.

    Names are prefixed by the alias so two babelsearch indices on one cluster never
    overwrite each other's pipelines.
    """
    return {kind: f"{alias}-{suffix}" for kind, suffix in PIPELINE_KINDS.items()}


@cache
def _load(kind: str) -> dict[str, Any]:
    text = files("babelsearch._pipelines").joinpath(f"{kind}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def pipeline_template(kind: str) -> dict[str, Any]:
    """A fresh copy of the packaged template for ``kind`` (one of :data:`PIPELINE_KINDS`)."""
    if kind not in PIPELINE_KINDS:
        raise ConfigError(f"unknown pipeline kind {kind!r}; choose from {sorted(PIPELINE_KINDS)}")
    return copy.deepcopy(_load(kind))


def pipeline_body(
    kind: str, weights: Sequence[float] | None = None, *, rank_constant: int | None = None
) -> dict[str, Any]:
    """The pipeline for ``kind``, optionally with per-sub-query ``weights``.

    Usable both for ``PUT _search/pipeline/<name>`` and inline as a temporary pipeline
    in a search body. ``weights`` must be in [0, 1] and are passed through in order (one
    per hybrid sub-query).
    """
    body = pipeline_template(kind)
    proc = body["phase_results_processors"][0]
    inner: dict[str, Any] = next(iter(proc.values()))
    combination: dict[str, Any] = inner.setdefault("combination", {})
    if weights is not None:
        ws = [float(w) for w in weights]
        if not ws or any(w < 0.0 or w > 1.0 for w in ws):
            raise ConfigError(f"pipeline weights must be non-empty and within [0, 1]: {ws}")
        combination.setdefault("parameters", {})["weights"] = ws
    if rank_constant is not None:
        if kind != "rrf":
            raise ConfigError("rank_constant applies to the rrf pipeline only")
        if rank_constant < 1:
            raise ConfigError("rank_constant must be at least 1")
        combination["rank_constant"] = rank_constant
    return body
