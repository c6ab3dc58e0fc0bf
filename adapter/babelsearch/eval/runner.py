"""Run an evaluation end to end through the real stack.

Why through the product and not a side path: the numbers must say how babelsearch
ranks -- its analyzers, its mapping, its ingest (language routing into subfields,
vectors) and its query builder -- on a real OpenSearch node. So the corpus is written
by :class:`babelsearch.ingest.Ingestor` into an index created from
:mod:`babelsearch.schema`, and every query goes through
:class:`babelsearch.query.Searcher`.

One shared index holds every language; mono and cross cells restrict the candidates
with a ``lang`` filter, the pooled cell does not. That is one ingest per run instead
of one per language, and it is how users deploy babelsearch anyway.

Query vectors are computed once per language in large batches and reused by every
mode (:class:`_QueryCache` wraps the encoder the Searcher is given), so the per-mode
cost is the search round trip alone.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import ChunkingConfig, Config, FieldsConfig, IndexConfig, parse_config
from ..config_search import MODES
from ..encoders.base import Encoded, Encoder
from ..errors import ConfigError, IngestError
from ..schema.analyzers import FALLBACK_ANALYZER, has_builtin_analyzer
from ..types import Capabilities, EncoderInfo
from .datasets import SETTINGS, EvalDataset, EvalQuery, Task, build_tasks
from .metrics import QueryScore, aggregate, score_query

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

__all__ = ["ALL_MODES", "EvalOptions", "eval_config", "run_eval"]

log = logging.getLogger("babelsearch.eval")

ALL_MODES = (*(m for m in MODES if m != "auto"), "auto")
"""Every search mode (the one list, ``config_search.MODES``), ``auto`` last: it is the
one compared against the others."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class EvalOptions:
    modes: tuple[str, ...] | None = None
    """``None``: every mode the encoder supports (``sparse`` only with sparse weights)."""
    settings: tuple[str, ...] = SETTINGS
    pairs: tuple[tuple[str, str], ...] | None = None
    """Cross-language pairs; ``None`` uses :func:`~babelsearch.eval.datasets.default_pairs`."""
    k: int = 100
    cutoffs: tuple[int, ...] = (10, 100)
    keep_index: bool = False
    concurrency: int = 4
    """Searches in flight; the node does the work, the threads only wait on HTTP."""


def eval_config(
    langs: Sequence[str],
    text_fields: Sequence[str] = ("text",),
    *,
    base: Config | None = None,
    index_name: str | None = None,
    k: int = 100,
) -> Config:
    """The config an eval runs with.

    Without ``base`` (no ``--config``): the eval languages, the offline ``use`` encoder,
    lucene HNSW and a throwaway index name. With ``base``: the user's analyzers, encoder
    and search weights, but the eval's languages, text fields and index -- an eval never
    writes into the user's production alias. Chunking is off because a candidate is the
    unit being judged; the candidate window is at least ``k`` so mAP sees every hit.
    """
    name = index_name or f"babelsearch-eval-{uuid.uuid4().hex[:8]}"
    if base is None:
        base = parse_config(
            {
                "languages": list(langs),
                "encoder": {"kind": "use"},
                "dense": {"engine": "lucene"},
            }
        )
    missing = [lang for lang in langs if lang not in base.languages]
    languages = tuple(base.languages) + tuple(missing)
    # a language OpenSearch has no analyzer for (vi, say) gets the documented fallback
    # instead of refusing the eval; a user's own mapping in --config wins
    fallbacks = {
        lang: FALLBACK_ANALYZER
        for lang in languages
        if lang not in base.analyzers and not has_builtin_analyzer(lang)
    }
    if fallbacks:
        log.info("no built-in analyzer for %s: using %r", sorted(fallbacks), FALLBACK_ANALYZER)
    return dataclasses.replace(
        base,
        index=IndexConfig(name=name, shards=1, replicas=0),
        languages=languages,
        analyzers={**base.analyzers, **fallbacks},
        fields=FieldsConfig(id="id", lang="lang", text=tuple(text_fields)),
        ingest=dataclasses.replace(
            base.ingest,
            chunking=ChunkingConfig(enabled=False),
            checkpoint=None,
        ),
        search=dataclasses.replace(
            base.search,
            candidates=max(k, base.search.candidates),
            max_k=max(k, base.search.max_k),
        ),
    )


class _QueryCache:
    """An :class:`Encoder` that answers ``encode_queries`` from precomputed rows.

    The Searcher encodes each query it is given; over seven modes and three settings a
    question is searched about twenty times, so encoding once up front (in batches, which
    is also much faster than one text at a time) saves most of the run's CPU.
    """

    def __init__(self, inner: Encoder) -> None:
        self._inner = inner
        self._dense: dict[str, np.ndarray] = {}
        self._sparse: dict[str, dict[str, float]] = {}

    @property
    def info(self) -> EncoderInfo:
        return self._inner.info

    def warm(self, texts: Sequence[str], batch: int = 256) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._dense))
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            enc = self._inner.encode_queries(part)
            for i, text in enumerate(part):
                self._dense[text] = enc.dense[i]
                if enc.sparse is not None:
                    self._sparse[text] = enc.sparse[i]

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        return self._inner.encode_documents(texts)

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        self.warm(texts)
        dense = np.stack([self._dense[t] for t in texts]).astype(np.float32, copy=False)
        sparse = [self._sparse[t] for t in texts] if self._sparse else None
        return Encoded(dense=dense, sparse=sparse)


def _modes(
    options: EvalOptions, cfg: Config, info: EncoderInfo, caps: Capabilities
) -> tuple[list[str], dict[str, str]]:
    """The modes to run, and the ones skipped with the reason (e.g. no neural-search plugin).

    Asking for an unavailable mode explicitly is an error; by default it is skipped and
    the reason lands in the result, so a run on a plain cluster still measures the rest.
    """
    from ..query import available_modes

    avail = available_modes(caps, cfg.use_sparse(info))
    if options.modes is None:
        run = [m for m in ALL_MODES if avail.get(m) is None]
        skipped = {m: str(avail[m]) for m in ALL_MODES if avail.get(m) is not None}
        return run, skipped
    unknown = [m for m in options.modes if m not in ALL_MODES]
    if unknown:
        raise ConfigError(f"modes: unknown {unknown}; choose from {list(ALL_MODES)}")
    for m in options.modes:
        if avail.get(m) is not None:
            raise ConfigError(f"modes: {m!r} is not available: {avail[m]}")
    return list(options.modes), {}


def _create_index(client: OpenSearch, cfg: Config, info: EncoderInfo, caps: Capabilities) -> str:
    """Create ``<alias>-v1`` with the real mapping and point the alias at it."""
    from ..cluster import cluster_errors
    from ..schema import build_index_body, versioned_name

    with cluster_errors():
        body = dict(build_index_body(cfg, info, caps))
        body["aliases"] = {cfg.index.name: {"is_write_index": True}}
        physical = versioned_name(cfg.index.name, 1)
        client.indices.create(index=physical, body=body)
    return physical


def _delete_index(client: OpenSearch, physical: str) -> None:
    from ..cluster import cluster_errors

    try:
        with cluster_errors():
            client.indices.delete(index=physical, ignore_unavailable=True)
    except Exception:  # cleanup must never hide the real error or the results
        log.warning("could not delete eval index %s", physical, exc_info=True)


def _search_task(
    searcher: Any, mode: str, task: Task, k: int, cutoffs: Sequence[int], pool: ThreadPoolExecutor
) -> tuple[list[QueryScore], list[float]]:
    filters = {"lang": task.lang_filter} if task.lang_filter else None

    def one(q: EvalQuery) -> tuple[QueryScore, float]:
        res = searcher.search(
            q.text,
            lang=q.lang,
            mode=mode,
            k=k,
            filters=filters,
            source_includes=[],
            highlight=False,
        )
        ranking = [hit.id for hit in res.hits]
        scores = score_query(ranking, task.qrels[q.id], cutoffs)
        return QueryScore(q.id, q.lang, task.doc_lang, scores), float(res.took_ms)

    out = list(pool.map(one, task.queries))
    return [s for s, _ in out], [t for _, t in out]


def run_eval(
    ds: EvalDataset,
    cfg: Config,
    options: EvalOptions | None = None,
    *,
    client: OpenSearch | None = None,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    on_mode: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Index ``ds`` into a fresh index, search it in every mode and setting, score it.

    Returns a JSON-ready dict: ``results[mode][setting]`` holds ``mean``, ``by_lang``,
    ``by_pair`` and counts (see :func:`babelsearch.eval.metrics.aggregate`), plus the
    index/ingest/search timings. The index is deleted afterwards unless
    ``options.keep_index``.
    """
    from ..cluster import capabilities, cluster_errors, connect
    from ..encoders import get_encoder
    from ..ingest import Ingestor
    from ..query import Searcher

    options = options or EvalOptions()
    say = progress or (lambda msg: log.info("%s", msg))
    langs = list(cfg.languages)
    tasks = build_tasks(
        ds, options.settings, [lang for lang in ds.langs if lang in langs], options.pairs
    )
    if not tasks:
        raise ConfigError(
            "the dataset has no query with a relevant candidate in the chosen settings"
        )
    client = client or connect(cfg.cluster)
    encoder = encoder or get_encoder(cfg.encoder)
    info = encoder.info
    with cluster_errors():
        caps = capabilities(client)
    modes, skipped = _modes(options, cfg, info, caps)

    physical = _create_index(client, cfg, info, caps)
    try:
        say(f"indexing {len(ds.candidates)} candidates into {physical}")
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="babelsearch-eval-") as tmp:
            dead = Path(tmp) / "dead-letter.jsonl"
            ingestor = Ingestor(
                cfg, client=client, encoder=encoder, dead_letter=dead, progress=False
            )
            report = ingestor.run(ds.records())
            if report.dead_lettered:
                # a missing candidate would silently lower every score: refuse to measure
                first = dead.read_text("utf-8").splitlines()[:1] if dead.exists() else []
                raise IngestError(
                    f"{report.dead_lettered} of {report.read} candidates were dead-lettered "
                    f"(first: {first[0][:300] if first else 'unknown'})"
                )
        with cluster_errors():
            client.indices.refresh(index=cfg.index.name)
        ingest_s = time.perf_counter() - t0

        cache = _QueryCache(encoder)
        t0 = time.perf_counter()
        for lang in langs:
            cache.warm([q.text for q in ds.queries if q.lang == lang])
        query_encode_s = time.perf_counter() - t0
        say(
            f"indexed in {ingest_s:.1f}s; "
            f"encoded {len(ds.queries)} queries in {query_encode_s:.1f}s"
        )

        searcher = Searcher(cfg, client=client, encoder=cache, capabilities=caps)
        results: dict[str, dict[str, Any]] = {}
        timings: dict[str, dict[str, float]] = {}
        result: dict[str, Any] = {
            "dataset": ds.name,
            "langs": langs,
            "settings": list(options.settings),
            "pairs": sorted(
                {f"{t.query_lang}->{t.doc_lang}" for t in tasks if t.setting == "cross"}
            ),
            "k": options.k,
            "cutoffs": list(options.cutoffs),
            "encoder": info.fingerprint,
            "index": {"alias": cfg.index.name, "physical": physical, "kept": options.keep_index},
            "counts": {"candidates": len(ds.candidates), "queries": len(ds.queries)},
            "ingest": {
                "seconds": round(ingest_s, 2),
                "indexed": report.indexed,
                "docs_per_s": round(float(report.docs_per_s), 1),
            },
            "query_encode_seconds": round(query_encode_s, 2),
            "timings": timings,
            "skipped_modes": skipped,
            "results": results,
        }
        with ThreadPoolExecutor(max_workers=max(1, options.concurrency)) as pool:
            for mode in modes:
                t0 = time.perf_counter()
                per_setting: dict[str, list[QueryScore]] = {s: [] for s in options.settings}
                took: list[float] = []
                for task in tasks:
                    scores, took_ms = _search_task(
                        searcher, mode, task, options.k, options.cutoffs, pool
                    )
                    per_setting[task.setting] += scores
                    took += took_ms
                wall = time.perf_counter() - t0
                results[mode] = {s: aggregate(rows) for s, rows in per_setting.items() if rows}
                timings[mode] = {
                    "searches": len(took),
                    "wall_s": round(wall, 2),
                    "searches_per_s": round(len(took) / wall, 1) if wall else 0.0,
                    "mean_took_ms": round(sum(took) / len(took), 2) if took else 0.0,
                }
                summary = ", ".join(
                    f"{s} {v['mean'].get('mrr', 0):.3f}/{v['mean'].get('map', 0):.3f}"
                    for s, v in results[mode].items()
                )
                say(f"{mode}: {summary} (MRR/mAP; {len(took)} searches in {wall:.0f}s)")
                if on_mode is not None:
                    on_mode(result)  # a long run keeps what it measured if the node dies
    finally:
        if not options.keep_index:
            _delete_index(client, physical)

    return result
