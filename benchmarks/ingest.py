"""Ingest throughput against its limits, measured side by side in one run.

    .venv/bin/python benchmarks/ingest.py [--size 50000] [--repeats 1] [--url URL]

Four phases over the same ``--size`` distinct multilingual passages (windows of
XQuAD-R sentences in ar/de/en/es/ru/zh, generated in memory from ``--data``):

1. ``encoder``  -- the configured encoder alone (default ``use``), in ingest-sized
   batches, no cluster writes. Its vectors are kept for phase 2.
2. ``bulk``     -- the precomputed vectors serialized and sent through babelsearch's
   :class:`BulkSink` with the same number of requests in flight: the cluster's limit.
   ``bulk_gzip`` repeats it with ``cluster.http_compress: true`` (does compression pay?).
3. ``ingest``   -- :class:`babelsearch.ingest.Ingestor` end to end (language detection,
   encoding, bulk; nothing precomputed), RSS sampled over the run.
4. ``naive``    -- encode 500 passages, ``opensearchpy.helpers.bulk`` them, repeat.

Each phase writes into its own fresh index (created by ``babelsearch.admin.apply``),
checks that every passage arrived, and deletes it. With ``--repeats N`` the phases
run interleaved N times and the medians are reported. Writes
``benchmarks/results/ingest.json`` and ``ingest.png`` (``--out`` changes the stem).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from babelsearch.config import Config, parse_config

NAIVE_BATCH = 500  # helpers.bulk's default chunk_size


def bench_config(url: str, alias: str) -> Config:
    """Six languages, ``title`` + ``body``, the default encoder; chunking off so that one
    passage is one indexed document in every phase."""
    cfg = parse_config(
        {
            "index": {"name": alias},
            "languages": list(common.LANGS),
            "fields": {"id": "id", "lang": "lang", "text": ["title", "body"]},
            "ingest": {"chunking": {"enabled": False}},
        }
    )
    return cfg.with_cluster_url(url)


def texts_of(passages: list[dict[str, Any]]) -> list[str]:
    """Exactly what ingest encodes per passage (``dense_text``: fields joined by newline)."""
    return [f"{p['title']}\n{p['body']}" for p in passages]


def create_index(cfg: Config, client: Any, info: Any) -> None:
    from babelsearch.admin import apply

    apply(cfg, client=client, info=info)


def count(client: Any, alias: str) -> int:
    client.indices.refresh(index=alias)
    return int(client.count(index=alias)["count"])


# -- phases ----------------------------------------------------------------------------
def phase_encoder(cfg: Config, encoder: Any, texts: list[str]) -> tuple[dict[str, Any], Any]:
    size = cfg.ingest.encode_batch_size
    parts = []
    with common.sampled() as use:
        for start in range(0, len(texts), size):
            parts.append(encoder.encode_documents(texts[start : start + size]).dense)
    vectors = np.concatenate(parts)
    return {"docs": len(texts), **use.to_dict()}, vectors


def phase_bulk(
    cfg: Config,
    client: Any,
    info: Any,
    passages: list[dict[str, Any]],
    langs: list[str],
    vectors: Any,
) -> dict[str, Any]:
    from babelsearch.ingest.actions import batch_actions, build_source, encode_action
    from babelsearch.ingest.sink import BulkSink
    from babelsearch.types import Chunk

    create_index(cfg, client, info)
    bulk = cfg.ingest.bulk
    names = cfg.field_names
    sink = BulkSink(client, cfg.index.name, bulk)

    def actions() -> Iterator[Any]:
        for i, (p, lang) in enumerate(zip(passages, langs, strict=True)):
            ch = Chunk(p["id"], 0, lang, {"title": p["title"], "body": p["body"]})
            yield encode_action(ch.id, build_source(ch, names, cfg.languages, vectors[i]), i)

    failed = 0
    with common.sampled() as use, ThreadPoolExecutor(bulk.max_in_flight) as pool:
        pending: list[Any] = []
        for batch in batch_actions(actions(), bulk.max_docs, bulk.max_bytes):
            if len(pending) >= bulk.max_in_flight:  # bounded in flight, like the ingestor
                failed += sum(not o.ok for o in pending.pop(0).result())
            pending.append(pool.submit(sink.send, batch))
        for fut in pending:
            failed += sum(not o.ok for o in fut.result())
        client.indices.refresh(index=cfg.index.name)
    return {"docs": len(passages), "failed": failed, "requests": sink.requests, **use.to_dict()}


def phase_ingest(cfg: Config, client: Any, passages: list[dict[str, Any]]) -> dict[str, Any]:
    from babelsearch.ingest import Ingestor

    create_index(cfg, client, _info(cfg))
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        ing = Ingestor(cfg, dead_letter=Path(tmp) / "dead.jsonl", progress=False)
        with common.sampled() as use:
            report = ing.run(iter(passages))
    r = report.to_dict()
    keep = ("read", "indexed", "dead_lettered", "skipped", "retried")
    return {
        "docs": len(passages),
        **{k: r[k] for k in keep if k in r},
        "encode_seconds": round(report.encode_seconds, 2),
        "index_seconds": round(report.index_seconds, 2),
        "encoder_busy": round(report.encode_seconds / use.seconds, 3) if use.seconds else 0.0,
        **use.to_dict(with_series=True),
    }


def phase_naive(
    cfg: Config,
    client: Any,
    encoder: Any,
    info: Any,
    passages: list[dict[str, Any]],
    langs: list[str],
) -> dict[str, Any]:
    from opensearchpy import helpers

    from babelsearch.ingest.actions import build_source
    from babelsearch.types import Chunk

    create_index(cfg, client, info)
    alias = cfg.index.name
    names = cfg.field_names
    with common.sampled() as use:
        for start in range(0, len(passages), NAIVE_BATCH):
            part = passages[start : start + NAIVE_BATCH]
            vecs = encoder.encode_documents(texts_of(part)).dense
            docs = []
            for p, lang, v in zip(part, langs[start : start + NAIVE_BATCH], vecs, strict=True):
                # The same document as ingest writes (build_source); only the sending is
                # naive: opensearch-py's helpers.bulk, JSON lists, no byte limits.
                ch = Chunk(p["id"], 0, lang, {"title": p["title"], "body": p["body"]})
                src = build_source(ch, names, cfg.languages, v.tolist())
                docs.append({"_index": alias, "_id": ch.id, "_source": src})
            helpers.bulk(client, docs, chunk_size=NAIVE_BATCH)
        client.indices.refresh(index=alias)
    return {"docs": len(passages), **use.to_dict()}


def _info(cfg: Config) -> Any:
    from babelsearch.encoders import describe_encoder

    return describe_encoder(cfg.encoder)


# -- driver ----------------------------------------------------------------------------
def rate(phase: dict[str, Any]) -> float:
    return phase["docs"] / phase["seconds"] if phase["seconds"] else 0.0


def _own_cpu_ms(run: dict[str, dict[str, Any]], phase: str) -> float:
    """CPU milliseconds per passage that ``phase`` spent beyond the encoder alone."""
    n = max(1, int(run[phase].get("indexed_count") or run["encoder"].get("docs") or 1))
    extra = float(run[phase]["cpu_seconds"]) - float(run["encoder"]["cpu_seconds"])
    return 1000.0 * extra / n


def summarize(runs: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Median docs/s per phase and the two target ratios (each ratio: median over repeats)."""
    phases = ("encoder", "bulk", "bulk_gzip", "ingest", "naive")
    rates = {p: [rate(r[p]) for r in runs] for p in phases}
    vs_min = [rate(r["ingest"]) / min(rate(r["encoder"]), rate(r["bulk"])) for r in runs]
    vs_naive = [rate(r["ingest"]) / rate(r["naive"]) for r in runs]
    ser = runs[-1]["ingest"].get("rss_series") or [[0, 0]]
    half = [r for _t, r in ser[len(ser) // 2 :]] or [0.0]
    first = [r for _t, r in ser[: max(1, len(ser) // 2)]] or [0.0]
    return {
        "docs_per_s": {p: round(common.median(v), 1) for p, v in rates.items()},
        "docs_per_s_all": {p: [round(x, 1) for x in v] for p, v in rates.items()},
        "ratio_ingest_vs_min_encoder_bulk": round(common.median(vs_min), 3),
        "ratio_ingest_vs_naive": round(common.median(vs_naive), 3),
        "ratio_bulk_gzip_vs_bulk": round(
            common.median([rate(r["bulk_gzip"]) / rate(r["bulk"]) for r in runs]), 3
        ),
        "targets": {"ingest_vs_min_encoder_bulk": 0.9, "ingest_vs_naive": 1.3},
        # babelsearch's own CPU: the ingest process's CPU less what the encoder alone
        # spent on the same passages (reading, detection, chunking, serializing, sending)
        "own_cpu_ms_per_passage": round(common.median([_own_cpu_ms(r, "ingest") for r in runs]), 4),
        "naive_own_cpu_ms_per_passage": round(
            common.median([_own_cpu_ms(r, "naive") for r in runs]), 4
        ),
        "ingest_rss_peak_mib": max(r["ingest"]["rss_peak_mib"] for r in runs),
        "ingest_rss_first_half_max_mib": round(max(first), 1),
        "ingest_rss_second_half_max_mib": round(max(half), 1),
    }


def plot(result: dict[str, Any], path: Path) -> None:
    plt = common.pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    s = result["summary"]
    names = list(s["docs_per_s"])
    ax1.bar(
        names, [s["docs_per_s"][n] for n in names], color=["#888", "#888", "#bbb", "#2a7", "#c44"]
    )
    for i, n in enumerate(names):
        ax1.text(i, s["docs_per_s"][n], f"{s['docs_per_s'][n]:.0f}", ha="center", va="bottom")
    ax1.set_ylabel("passages / s (median)")
    ax1.set_title(
        f"ingest/min(enc,bulk) = {s['ratio_ingest_vs_min_encoder_bulk']:.2f}, "
        f"ingest/naive = {s['ratio_ingest_vs_naive']:.2f}",
        fontsize=9,
    )
    for i, run in enumerate(result["runs"]):
        ser = run["ingest"].get("rss_series") or []
        ax2.plot([t for t, _ in ser], [r for _, r in ser], label=f"run {i + 1}")
    ax2.set_xlabel("seconds into phase 3 (ingest)")
    ax2.set_ylabel("RSS MiB (benchmark process)")
    ax2.set_ylim(bottom=0)
    ax2.set_title("ingestor memory over the run", fontsize=9)
    ax2.legend(fontsize=8)
    m = result["machine"]
    fig.suptitle(
        f"{result['size']} passages, {m['cores']} cores, OpenSearch {m['opensearch']}, "
        f"load {m['load_average_start'][0]}->{m['load_average_end'][0]}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=50_000, help="passages (default 50000)")
    ap.add_argument("--repeats", type=int, default=1, help="interleaved repeats; medians")
    ap.add_argument("--url", help="cluster URL (default BABELSEARCH_URL, else a local node)")
    ap.add_argument("--data", type=Path, default=common.DEFAULT_DATA, help="XQuAD-R directory")
    ap.add_argument("--out", type=Path, default=common.RESULTS / "ingest",
                    help="output stem: writes <stem>.json and <stem>.png")  # fmt: skip
    ap.add_argument("--pin", metavar="node=CPUS,loader=CPUS",
                    help="pin a local node and this loader to separate CPUs, e.g. "
                         "node=0,loader=1 (taskset; restored afterwards)")  # fmt: skip
    args = ap.parse_args(argv)

    from babelsearch.cluster import connect
    from babelsearch.encoders import build_encoder, get_encoder

    passages, langs = common.make_passages(args.data, args.size)
    texts = texts_of(passages)
    with common.cluster_url(args.url) as url, common.pinned(url, args.pin) as pins:
        desc = common.machine(url)
        desc["pinning"] = pins
        base = bench_config(url, common.bench_name("ingest"))
        encoder = build_encoder(base.encoder)  # uncached: every vector is really computed
        encoder.encode_documents(["warm up"])
        get_encoder(base.encoder).encode_documents(["warm up"])
        info = encoder.info
        client = connect(base.cluster, retries=False)
        runs: list[dict[str, dict[str, Any]]] = []
        vectors = None
        try:
            for rep in range(args.repeats):
                run: dict[str, dict[str, Any]] = {}
                print(f"[{rep + 1}/{args.repeats}] encoder ...", flush=True)
                run["encoder"], vecs = phase_encoder(base, encoder, texts)
                vectors = vecs if vectors is None else vectors
                for name in ("bulk", "bulk_gzip", "ingest", "naive"):
                    cfg = _fresh(base)
                    print(f"[{rep + 1}/{args.repeats}] {name} ...", flush=True)
                    try:
                        if name == "bulk":
                            run[name] = phase_bulk(cfg, client, info, passages, langs, vectors)
                        elif name == "bulk_gzip":
                            gz = dataclasses.replace(cfg.cluster, http_compress=True)
                            with contextlib.closing(connect(gz, retries=False)) as gz_client:
                                run[name] = phase_bulk(
                                    cfg, gz_client, info, passages, langs, vectors
                                )
                        elif name == "ingest":
                            run[name] = phase_ingest(cfg, client, passages)
                        else:
                            run[name] = phase_naive(cfg, client, encoder, info, passages, langs)
                        run[name]["indexed_count"] = count(client, cfg.index.name)
                        if run[name]["indexed_count"] != len(passages):
                            raise SystemExit(
                                f"{name}: {run[name]['indexed_count']} of {len(passages)} indexed"
                            )
                    finally:
                        common.drop_alias(client, cfg.index.name)
                for name, ph in run.items():
                    print(f"    {name:8s} {rate(ph):8.1f} docs/s  cpu {ph['cpu_seconds']}s  "
                          f"peak rss {ph['rss_peak_mib']} MiB", flush=True)  # fmt: skip
                runs.append(run)
        finally:
            client.close()
        result = {
            "benchmark": "ingest",
            "size": args.size,
            "repeats": args.repeats,
            "encoder": dataclasses.asdict(base.encoder),
            "bulk": dataclasses.asdict(base.ingest.bulk),
            "encode_batch_size": base.ingest.encode_batch_size,
            "naive_batch": NAIVE_BATCH,
            "machine": common.finish_machine(desc),
            "summary": summarize(runs),
            "runs": runs,
        }
    common.write_json(result, args.out.with_suffix(".json"))
    plot(result, args.out.with_suffix(".png"))
    s = result["summary"]
    print(f"docs/s (median): {s['docs_per_s']}")
    print(f"ingest / min(encoder, bulk) = {s['ratio_ingest_vs_min_encoder_bulk']}  (target 0.9)")
    print(f"ingest / naive = {s['ratio_ingest_vs_naive']}  (target 1.3, node on other cores)")
    print(f"own CPU per passage: ingest {s['own_cpu_ms_per_passage']} ms, "
          f"naive {s['naive_own_cpu_ms_per_passage']} ms")  # fmt: skip
    print(f"wrote {args.out.with_suffix('.json')} and {args.out.with_suffix('.png')}")
    return 0


def _fresh(base: Config) -> Config:
    """The same config on a new alias, so every phase starts from an empty index."""
    return dataclasses.replace(base, index=dataclasses.replace(base.index,
                               name=common.bench_name("ingest")))  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
