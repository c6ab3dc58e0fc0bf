"""Which search modes a cluster supports, and what ``auto`` resolves to."""

from __future__ import annotations

from ..config_search import MODES
from ..errors import QueryError
from ..types import Capabilities

__all__ = ["available_modes", "resolve_mode"]


def available_modes(caps: Capabilities, sparse: bool) -> dict[str, str | None]:
    """Mode -> ``None`` if usable on this cluster, else why not.

    ``sparse`` is :meth:`babelsearch.config.Config.use_sparse` for the index's encoder."""
    knn = None if ("opensearch-knn" in caps.plugins or caps.knn_engines) else "no k-NN plugin"
    hybrid = knn or _hybrid_missing(caps)
    sp = None if sparse else "the encoder has no sparse weights or sparse is off in the config"
    if sp is None and not (caps.neural_sparse or caps.rank_features):
        sp = "the cluster has neither neural_sparse nor rank_features"
    return {
        "bm25": None,
        "dense": knn,
        "sparse": sp,
        "bool": knn,
        "rrf": knn,
        "hybrid": hybrid,
        "auto": None,
    }


def _hybrid_missing(caps: Capabilities) -> str | None:
    """What the cluster lacks for a server-side ``hybrid`` query (None: nothing).

    Detected, not guessed: the plugin from ``_cat/plugins``, the processor from
    ``_nodes`` (see :func:`babelsearch.cluster.parse_capabilities`).
    """
    where = f"this cluster ({caps.distribution} {caps.version})"
    if not caps.hybrid_query:
        return (
            f"{where} has no opensearch-neural-search plugin, which provides the hybrid "
            "query; install it, or use mode 'auto' or 'rrf' (fused by babelsearch)"
        )
    if not caps.normalization_processor:
        return (
            f"{where} has no normalization-processor search pipeline processor "
            "(neural-search 2.10+); use mode 'auto' or 'rrf' (fused by babelsearch)"
        )
    return None


def resolve_mode(mode: str, caps: Capabilities, sparse: bool) -> str:
    """``auto`` -> the language-aware fusion when k-NN exists, else ``bm25``."""
    if mode not in MODES:
        raise QueryError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    avail = available_modes(caps, sparse)
    if mode == "auto":
        return "auto" if avail["dense"] is None else "bm25"
    why = avail[mode]
    if why is not None:
        raise QueryError(f"mode {mode!r} is not available: {why}")
    return mode
