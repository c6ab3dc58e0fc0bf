"""``babelsearch doctor``: what the cluster supports and what babelsearch will do with it.

Kept apart from the CLI so services can call :func:`diagnose` for a health endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cluster import capabilities, cluster_errors, connect, redact_url
from .config import Config
from .errors import BabelsearchError
from .types import Capabilities

__all__ = ["Diagnosis", "diagnose", "fusion_plan", "mode_plan"]


@dataclass
class Diagnosis:
    """Everything doctor found; ``problems`` are things a person should fix."""

    url: str
    capabilities: Capabilities
    analyzers: dict[str, str]
    encoder: dict[str, Any]
    fusion: str
    index: dict[str, Any]
    modes: dict[str, str | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        caps = self.capabilities
        return {
            "url": self.url,
            "version": caps.version,
            "distribution": caps.distribution,
            "plugins": sorted(caps.plugins),
            "knn_engines": sorted(caps.knn_engines),
            "hybrid_query": caps.hybrid_query,
            "normalization_processor": caps.normalization_processor,
            "score_ranker_processor": caps.score_ranker_processor,
            "neural_sparse": caps.neural_sparse,
            "analysis_plugins": sorted(caps.analysis_plugins),
            "analyzers": self.analyzers,
            "encoder": self.encoder,
            "auto_fusion": self.fusion,
            "modes": sorted(m for m, why in self.modes.items() if why is None),
            "unavailable_modes": {m: why for m, why in self.modes.items() if why is not None},
            "index": self.index,
            "problems": self.problems,
            "notes": self.notes,
        }


def mode_plan(caps: Capabilities, sparse: bool) -> dict[str, str | None]:
    """Mode -> None when usable on this cluster, else why not (the searcher's own rule)."""
    from .query.modes import available_modes

    return available_modes(caps, sparse)


def fusion_plan(caps: Capabilities, sparse: bool = False) -> str:
    """How ``mode="auto"`` runs on this cluster (asks the query layer, never guesses)."""
    from .query.modes import resolve_mode

    if resolve_mode("auto", caps, sparse) == "auto":
        return (
            "language-aware fusion by babelsearch of lexical and k-NN"
            + (" and sparse" if sparse else "")
            + " sub-queries over one _msearch"
        )
    return "lexical only (bm25; the k-NN plugin is missing)"


def diagnose(cfg: Config) -> Diagnosis:
    """Connect, detect capabilities, and check the configured spec against them."""
    from .encoders import describe_encoder
    from .schema import analyzer_for
    from .schema.fields import check_engine
    from .vectors import vector_form

    client = connect(cfg.cluster)
    try:
        caps = capabilities(client)
        problems: list[str] = []
        notes: list[str] = []
        analyzers: dict[str, str] = {}
        for lang in cfg.languages:
            try:
                analyzers[lang] = analyzer_for(cfg, lang, caps)
            except BabelsearchError as exc:
                problems.append(str(exc))
        if "opensearch-knn" not in caps.plugins:
            problems.append("the opensearch-knn plugin is not installed: dense search is off")
        else:
            try:
                check_engine(cfg.dense, caps)
            except BabelsearchError as exc:
                problems.append(str(exc))
        for lang, code in (("zh", "smartcn"), ("ja", "kuromoji"), ("ko", "nori")):
            if lang in cfg.languages and f"analysis-{code}" not in caps.analysis_plugins:
                notes.append(
                    f"{lang} uses the cjk bigram analyzer; analysis-{code} would be better"
                )
        try:
            info = describe_encoder(cfg.encoder)
            encoder = {**info.fingerprint, "languages": sorted(info.languages or [])}
            uncovered = [lang for lang in cfg.languages if not info.covers(lang)]
            if uncovered:
                notes.append(
                    f"the {info.kind} encoder was not trained for {', '.join(uncovered)}: "
                    "auto mode leans on lexical evidence for those"
                )
            sparse_ok = bool(info.sparse and cfg.sparse)
            try:
                form = vector_form(info, cfg.dense)
                if not form.identity:
                    notes.append(f"dense vectors are stored as {form.describe()}")
            except BabelsearchError as exc:
                problems.append(str(exc))
        except BabelsearchError as exc:
            encoder = {"error": str(exc)}
            problems.append(str(exc))
            sparse_ok = False
        modes = mode_plan(caps, sparse_ok)
        for mode, why in modes.items():
            if why is not None and mode in ("hybrid", "dense", "rrf"):
                notes.append(f"mode {mode!r} is refused here: {why}")
        with cluster_errors(cfg.cluster.url):
            index = _index_state(client, cfg.index.name)
        return Diagnosis(
            url=redact_url(cfg.cluster.url),
            capabilities=caps,
            analyzers=analyzers,
            encoder=encoder,
            fusion=fusion_plan(caps, sparse_ok),
            index=index,
            modes=modes,
            problems=problems,
            notes=notes,
        )
    finally:
        client.close()


def _index_state(client: Any, alias: str) -> dict[str, Any]:
    if not client.indices.exists_alias(name=alias):
        return {"alias": alias, "exists": False}
    indices = sorted(client.indices.get_alias(name=alias))
    counts = {i: int(client.count(index=i)["count"]) for i in indices}
    return {"alias": alias, "exists": True, "indices": counts}
