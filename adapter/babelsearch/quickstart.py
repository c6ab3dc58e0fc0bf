"""The quick start: node → mapping → sample ingest → cross-lingual demo queries.

Why a library module (and not just a CLI command): the README's first command, the
CLI test and anyone embedding the demo (a notebook, a workshop script) run exactly the
same steps through the same public pieces -- :func:`babelsearch.admin.apply`, the real
:class:`~babelsearch.ingest.Ingestor` and :class:`~babelsearch.query.Searcher` -- so the
demo cannot show something the product does not do. Nothing here is demo-only logic
except choosing the config and formatting the table.

The "correct at rank 1" summary is computed from the sample qrels (``relevant`` ids in
``babelsearch/samples/queries.jsonl``), never hard-coded.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import ClusterConfig, Config, load_config
from .errors import BabelsearchError, ClusterError

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

    from .ingest import IngestReport
    from .node import LocalNode
    from .query import Hit

__all__ = [
    "DEMO_INDEX",
    "EXAMPLE_CONFIG",
    "DemoRow",
    "QuickstartResult",
    "builtin_config",
    "demo_config",
    "ensure_node",
    "render_table",
    "run_demo",
]

DEMO_INDEX = "babelsearch-demo"
EXAMPLE_CONFIG = Path("examples") / "multilingual.yaml"

_BUILTIN_SOURCE = "built-in reference spec"


def builtin_config() -> Config:
    """The reference spec, ``examples/multilingual.yaml`` as shipped inside the wheel
    (``babelsearch._examples``): one file, whether or not a checkout is at hand."""
    import dataclasses
    from importlib.resources import as_file, files

    with as_file(files("babelsearch._examples").joinpath("multilingual.yaml")) as path:
        return dataclasses.replace(load_config(path), source_path=None)


def demo_config(path: str | Path | None = None) -> Config:
    """``path`` if given; else ``examples/multilingual.yaml`` under the CWD; else built in."""
    if path is not None:
        return load_config(path)
    if EXAMPLE_CONFIG.is_file():
        return load_config(EXAMPLE_CONFIG)
    return builtin_config()


def _reachable(url: str) -> bool:
    """Does an OpenSearch answer at ``url``? Short timeout: this only decides start-or-reuse."""
    from .cluster import cluster_errors, connect

    client = connect(ClusterConfig(url=url, timeout=3.0), retries=False)
    try:
        with cluster_errors(url):
            client.info()
        return True
    except ClusterError:
        return False
    finally:
        client.close()


def ensure_node(port: int = 9200, url: str | None = None) -> tuple[str, LocalNode | None]:
    """The cluster URL to use, and the :class:`LocalNode` if this call started it.

    An explicit ``url`` is used as is (and must answer). Otherwise whatever already
    answers on ``127.0.0.1:<port>`` is reused -- a node from ``babelsearch node start``,
    a Docker container, a second quick-start run -- and only when nothing does is a
    local node started. Returning the started node lets ``--stop`` stop exactly that one.
    """
    if url:
        return url.rstrip("/"), None
    local = f"http://127.0.0.1:{port}"
    if _reachable(local):
        return local, None
    from .node import LocalNode

    node = LocalNode(port=port)
    return node.start(), node


@dataclass(frozen=True)
class DemoRow:
    """One demo query and what the searcher returned for it."""

    qid: str
    text: str
    lang: str
    """The query's language as written in the sample queries file."""
    query_lang: str
    """The language the searcher used (detected from the text)."""
    mode: str
    relevant: tuple[str, ...]
    hits: list[Hit]
    first_relevant_rank: int | None
    took_ms: float

    @property
    def correct_at_1(self) -> bool:
        return self.first_relevant_rank == 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "qid": self.qid,
            "text": self.text,
            "lang": self.lang,
            "query_lang": self.query_lang,
            "mode": self.mode,
            "relevant": list(self.relevant),
            "first_relevant_rank": self.first_relevant_rank,
            "took_ms": round(self.took_ms, 1),
            "hits": [
                {"rank": n, **_summary(h), "relevant": h.id in self.relevant}
                for n, h in enumerate(self.hits, 1)
            ],
        }


@dataclass(frozen=True)
class QuickstartResult:
    url: str
    index: str
    config_source: str
    ingest: IngestReport
    rows: list[DemoRow] = field(default_factory=list)

    @property
    def correct_at_1(self) -> int:
        return sum(r.correct_at_1 for r in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "index": self.index,
            "config": self.config_source,
            "ingest": self.ingest.to_dict(),
            "queries": [r.to_dict() for r in self.rows],
            "correct_at_1": self.correct_at_1,
            "total": len(self.rows),
        }


_TITLE = ("title",)
"""The demo's display field (:func:`babelsearch.query.hit_title` picks its language)."""


def _summary(hit: Hit) -> dict[str, Any]:
    """The demo's view of a hit: :meth:`Hit.to_dict` cut to id, language, title, score."""
    d = hit.to_dict(_TITLE)
    return {key: d[key] for key in ("id", "lang", "title", "score")}


def _recreate(cfg: Config, client: OpenSearch, info: Any) -> None:
    """Drop every ``<alias>-v<N>`` and apply the spec anew, so each run starts clean."""
    from .admin import apply
    from .cluster import cluster_errors
    from .indices import live_state

    state = live_state(client, cfg.index.name)
    with cluster_errors(cfg.cluster.url):
        for name in state.versions:
            client.indices.delete(index=name, ignore_unavailable=True)
    apply(cfg, client=client, info=info)


def run_demo(
    cfg: Config,
    *,
    client: OpenSearch | None = None,
    top: int = 3,
    progress: bool | None = False,
    queries: Sequence[dict[str, Any]] | None = None,
) -> QuickstartResult:
    """Recreate ``cfg.index.name``, ingest the sample corpus and run the demo queries.

    ``queries`` defaults to the sample queries marked ``"demo": true``. Raises
    :class:`BabelsearchError` subclasses only (the CLI turns them into one line).
    """
    from .cluster import cluster_errors, connect
    from .encoders import get_encoder
    from .ingest import Ingestor
    from .query import Searcher
    from .samples import load_sample_corpus, load_sample_queries

    own_client = client is None
    if client is None:
        client = connect(cfg.cluster)
    try:
        with cluster_errors(cfg.cluster.url):
            client.info()  # fail fast, before loading the encoder
        encoder = get_encoder(cfg.encoder)
        _recreate(cfg, client, encoder.info)
        with tempfile.TemporaryDirectory(prefix="babelsearch-quickstart-") as tmp:
            # Dead letters go to a temp dir: the demo must not litter the user's CWD.
            ingest_cfg = dataclasses.replace(
                cfg, ingest=dataclasses.replace(cfg.ingest, dead_letter=str(Path(tmp) / "dl"))
            )
            report = Ingestor(ingest_cfg, client=client, encoder=encoder, progress=progress).run(
                load_sample_corpus()
            )
        if report.indexed == 0:
            raise BabelsearchError("the sample corpus was not indexed (see the ingest report)")
        with cluster_errors(cfg.cluster.url):
            client.indices.refresh(index=cfg.index.name)
        if queries is None:
            queries = [q for q in load_sample_queries() if q.get("demo")]
        rows: list[DemoRow] = []
        with Searcher(cfg, client=client, encoder=encoder) as searcher:
            for q in queries:
                res = searcher.search(q["text"], mode="auto", k=max(top, 10))
                relevant = tuple(q.get("relevant") or ())
                rank = next((n for n, h in enumerate(res.hits, 1) if h.id in relevant), None)
                rows.append(
                    DemoRow(
                        qid=str(q.get("qid", "")),
                        text=q["text"],
                        lang=str(q.get("lang", "")),
                        query_lang=res.query_lang,
                        mode=res.mode,
                        relevant=relevant,
                        hits=res.hits[:top],
                        first_relevant_rank=rank,
                        took_ms=res.took_ms,
                    )
                )
    finally:
        if own_client:
            client.close()
    return QuickstartResult(
        url=cfg.cluster.url,
        index=cfg.index.name,
        config_source=cfg.source_path or _BUILTIN_SOURCE,
        ingest=report,
        rows=rows,
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(result: QuickstartResult, config_hint: str | None = None) -> str:
    """The human-readable demo output: one block per query, then summary and next steps.

    A ``*`` marks a hit that is a known answer (from the qrels); query and hit languages
    are shown side by side so the cross-lingual part is visible at a glance.
    """
    lines = [
        f"Indexed {result.ingest.indexed} sample passages into {result.index!r} "
        f"at {result.url} in {result.ingest.elapsed:.1f}s.",
        "",
    ]
    for row in result.rows:
        detected = "" if row.query_lang == row.lang else f", detected {row.query_lang}"
        lines.append(f"[{row.lang}{detected}] {row.text}")
        lines.append(f"  {'#':>2}  {'doc id':<14} {'lang':<4}  {'score':>7}  title")
        for n, hit in enumerate(row.hits, 1):
            mark = "*" if hit.id in row.relevant else " "
            lines.append(
                f" {mark}{n:>2}  {_clip(hit.id, 14):<14} {hit.lang:<4}  {hit.score:>7.3f}  "
                f"{_clip(_summary(hit)['title'], 60)}"
            )
        if not row.hits:
            lines.append("   (no hits)")
        lines.append("")
    total = len(result.rows)
    langs = sorted({r.lang for r in result.rows})
    lines.append(
        f"{result.correct_at_1}/{total} demo queries ({', '.join(langs)}) have a correct "
        "answer at rank 1 (* = a known answer; mode auto)."
    )
    builtin = result.config_source == _BUILTIN_SOURCE
    cfg = config_hint or (
        "<a config with index.name: babelsearch-demo>" if builtin else str(result.config_source)
    )
    example = next((r.text for r in result.rows), "Who invented the QR code?")
    lines += [
        "",
        "Try next:",
        f'  babelsearch search "{example}" --config {cfg}',
        f'  babelsearch search "{example}" --config {cfg} --mode bm25 --explain   # lexical only',
        f"  babelsearch doctor --config {cfg}   # what the cluster supports",
        f"  babelsearch ingest your-docs.jsonl --config {cfg}",
        "  docs: README.md, docs/cli.md, docs/configuration.md",
    ]
    return "\n".join(lines)
