"""Vectors that cost less: quantized, binary and truncated dense fields on XQuAD-R.

    .venv/bin/python benchmarks/quantization.py [--sample 100] [--url URL]

One index per variant (float32 baseline, lucene ``sq``, ``byte``, ``binary``, truncated
dimensions), each built through the real ingestor from the same precomputed encoder
vectors (so every variant indexes exactly the same vectors before its own transform),
then every sampled question is searched in ``dense`` mode through the real searcher on
every variant in turn (round robin, so a load spike on the shared machine hits all
variants alike). Reported per variant:

* ``recall_at_10`` -- overlap of its top 10 with the float32 index's top 10;
* ``mrr`` -- reciprocal rank of the first relevant sentence (pool setting: all six
  languages in one index, each question has one relevant sentence per language), k=100;
* ``bytes_per_vector`` -- theoretical (the stored form) and measured: the k-NN files of
  the force-merged index (``_stats`` segment file sizes: ``vec``/``veq``/``vex``/...)
  divided by the document count, and the whole store for reference;
* ``latency_ms`` -- p50/p95 of the searcher's round trips (search + fetch) and of the
  server's ``took``.

faiss variants are listed but not run when the cluster has not shown the native
libraries (:func:`babelsearch.cluster.knn_engines`): a node without them dies at the
first refresh of a faiss index. Writes ``results/quantization.json`` and ``.md``.
The default ``use`` encoder is not Matryoshka-trained: its truncated rows show what a
plain model loses, not what a Matryoshka model would.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from common import DEFAULT_DATA, LANGS, RESULTS, finish_machine, machine, percentiles, write_json

from babelsearch import Ingestor, Searcher
from babelsearch.cluster import capabilities, connect
from babelsearch.encoders import get_encoder
from babelsearch.encoders.base import Encoded, Encoder
from babelsearch.eval.datasets import load_xquad_r
from babelsearch.eval.runner import eval_config
from babelsearch.types import EncoderInfo
from babelsearch.vectors import vector_form

VARIANTS: dict[str, dict[str, Any]] = {
    "float32": {},
    "lucene-sq": {"quantization": "sq"},
    "byte": {"data_type": "byte"},
    "binary": {"data_type": "binary"},
    "dims-256": {"dimensions": 256},
    "dims-128": {"dimensions": 128},
    "dims-256-byte": {"dimensions": 256, "data_type": "byte"},
    "faiss-fp16": {"engine": "faiss", "quantization": "fp16"},
    "faiss-binary": {"engine": "faiss", "data_type": "binary"},
}
"""Variant -> its ``dense`` settings; ``float32`` is the reference every other is read against."""

KNN_FILES = ("vec", "vem", "veq", "vemq", "vex", "vemf", "veb", "vemb")
"""Lucene's vector files: raw vectors, their metadata, quantized vectors, the HNSW graph."""


class Precomputed:
    """An :class:`Encoder` that encodes each distinct text once and then answers from memory.

    Why: every variant must index the very same vectors (only the transform differs), and
    encoding the corpus once instead of once per variant saves most of the run's CPU."""

    def __init__(self, inner: Encoder) -> None:
        self._inner = inner
        self._docs: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}

    @property
    def info(self) -> EncoderInfo:
        return self._inner.info

    def _get(self, texts: Sequence[str], memo: dict[str, np.ndarray], query: bool) -> Encoded:
        todo = list(dict.fromkeys(t for t in texts if t not in memo))
        for start in range(0, len(todo), 256):
            part = todo[start : start + 256]
            fn = self._inner.encode_queries if query else self._inner.encode_documents
            for text, vec in zip(part, fn(part).dense, strict=True):
                memo[text] = vec
        return Encoded(dense=np.stack([memo[t] for t in texts]).astype(np.float32))

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        return self._get(texts, self._docs, query=False)

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return self._get(texts, self._queries, query=True)


def knn_file_bytes(client: Any, index: str) -> tuple[int, int, dict[str, int]]:
    """(bytes of the k-NN files, bytes of the whole store, per file kind) of a merged index."""
    st = client.indices.stats(index=index, metric="segments,store", include_segment_file_sizes=True)
    prim = st["indices"][index]["primaries"]
    files = prim["segments"].get("file_sizes") or {}
    per = {k: int(v["size_in_bytes"]) for k, v in files.items() if k in KNN_FILES}
    return sum(per.values()), int(prim["store"]["size_in_bytes"]), per


def build_variant(
    name: str, dense: dict[str, Any], base: Any, records: list[dict[str, Any]], enc: Precomputed
) -> dict[str, Any]:
    """Index the corpus into a fresh alias for one variant; measure its size."""
    alias = f"quant-bench-{name}-{uuid.uuid4().hex[:6]}"
    cfg = dataclasses.replace(
        base,
        index=dataclasses.replace(base.index, name=alias),
        dense=dataclasses.replace(base.dense, **dense),
    )
    form = vector_form(enc.info, cfg.dense)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="quant-bench-") as tmp:
        report = Ingestor(
            cfg, encoder=enc, create=True, progress=False, dead_letter=Path(tmp) / "dl.jsonl"
        ).run(records)
    ingest_s = time.perf_counter() - t0
    client = connect(cfg.cluster)
    physical = next(iter(client.indices.get_alias(name=alias)))
    client.indices.forcemerge(index=physical, max_num_segments=1, request_timeout=600)
    client.indices.refresh(index=physical)
    knn_bytes, store_bytes, per = knn_file_bytes(client, physical)
    # what an HNSW search reads: the graph and the vectors it scores (the quantized
    # ones when the engine keeps both)
    searched = per.get("vex", 0) + (per["veq"] if "veq" in per else per.get("vec", 0))
    stored_as = form.describe() + (
        {"sq": ", lucene sq 7-bit", "fp16": ", faiss fp16"}.get(cfg.dense.quantization or "", "")
    )
    n = int(client.count(index=physical)["count"])
    return {
        "alias": alias,
        "physical": physical,
        "cfg": cfg,
        "dense": dense,
        "form": stored_as,
        "indexed": report.indexed,
        "dead_lettered": report.dead_lettered,
        "count": n,
        "ingest_seconds": round(ingest_s, 2),
        "bytes_per_vector": {
            "theoretical": form.bytes_per_vector,
            "knn_files": round(knn_bytes / max(n, 1), 1),
            "searched": round(searched / max(n, 1), 1),
            "store": round(store_bytes / max(n, 1), 1),
            "knn_files_by_kind": per,
        },
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    ds = load_xquad_r(args.data, args.langs, sample=args.sample)
    base = eval_config(args.langs, ds.text_fields).with_cluster_url(args.url)
    base = dataclasses.replace(base, search=dataclasses.replace(base.search, candidates=100))
    enc = Precomputed(get_encoder(base.encoder))
    records = list(ds.records())
    t0 = time.perf_counter()
    enc.encode_documents([r["text"] for r in records])
    enc.encode_queries([q.text for q in ds.queries])
    encode_s = time.perf_counter() - t0
    client = connect(base.cluster)
    caps = capabilities(client)
    built: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    desc = machine(args.url)
    try:
        for name in args.variants:
            dense = VARIANTS[name]
            engine = dense.get("engine", "lucene")
            if engine not in caps.knn_engines:
                skipped[name] = (
                    f"engine {engine!r} not available on this cluster (k-NN engines detected: "
                    f"{', '.join(sorted(caps.knn_engines))}): its native libraries are missing"
                )
                continue
            print(f"building {name} ...", file=sys.stderr, flush=True)
            built[name] = build_variant(name, dense, base, records, enc)
        per: dict[str, dict[str, list[Any]]] = {
            n: {"top": [], "rr": [], "ms": [], "took": []} for n in built
        }
        searchers = {
            n: Searcher(b["cfg"], encoder=enc, capabilities=caps) for n, b in built.items()
        }
        with contextlib.ExitStack() as stack:
            for s in searchers.values():
                stack.enter_context(s)
            for q in ds.queries:
                for n, s in searchers.items():  # round robin: drift hits every variant alike
                    t1 = time.perf_counter()
                    res = s.search(q.text, mode="dense", k=100, lang=q.lang)
                    per[n]["ms"].append((time.perf_counter() - t1) * 1000)
                    per[n]["took"].append(res.took_ms)
                    ids = [h.id for h in res.hits]
                    per[n]["top"].append(ids[:10])
                    rel = ds.qrels.get(q.id, {})
                    rank = next((i for i, d in enumerate(ids, 1) if d in rel), None)
                    per[n]["rr"].append(1.0 / rank if rank else 0.0)
    finally:
        for b in built.values():
            with contextlib.suppress(Exception):
                client.indices.delete(index=f"{b['alias']}-v*", ignore_unavailable=True)
    ref = per.get("float32")
    results: dict[str, Any] = {}
    for n, b in built.items():
        p = per[n]
        recall = (
            float(
                np.mean(
                    [
                        len(set(a) & set(r)) / max(len(r), 1)
                        for a, r in zip(p["top"], ref["top"], strict=True)
                    ]
                )
            )
            if ref is not None
            else None
        )
        results[n] = {
            "alias": b["alias"],
            "dense": b["dense"],
            "form": b["form"],
            "indexed": b["indexed"],
            "dead_lettered": b["dead_lettered"],
            "count": b["count"],
            "ingest_seconds": b["ingest_seconds"],
            "bytes_per_vector": b["bytes_per_vector"],
            "recall_at_10": None if recall is None else round(recall, 4),
            "mrr": round(float(np.mean(p["rr"])), 4),
            "latency_ms": percentiles(p["ms"]),
            "server_took_ms": percentiles(p["took"]),
        }
    info = enc.info
    return {
        "benchmark": "quantization",
        "dataset": {
            "name": "xquad-r",
            "langs": list(args.langs),
            "candidates": len(records),
            "queries": len(ds.queries),
            "questions_per_language": args.sample,
            "setting": "pool (every language in one index), mode dense, k=100",
        },
        "encoder": {**info.fingerprint, "matryoshka": False},
        "encode_seconds": round(encode_s, 1),
        "knn_engines": sorted(caps.knn_engines),
        "results": results,
        "skipped": skipped,
        "notes": [
            "recall_at_10 is against the float32 index's own top 10 (both HNSW), per query",
            "the use encoder is NOT Matryoshka-trained: the dims-* rows show what truncating "
            "a plain model costs; a Matryoshka model (e.g. one trained with MRL) loses far less",
            "lucene sq keeps the float vectors on disk next to the 7-bit ones: its disk grows, "
            "its memory (the veq file searched) shrinks about 4x",
        ],
        "machine": finish_machine(desc),
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Quantization on XQuAD-R ({result['dataset']['candidates']} sentences, "
        f"{result['dataset']['queries']} questions, {result['dataset']['setting']})",
        "",
        "| variant | stored as | recall@10 vs float32 | MRR | vector bytes (theory) | "
        "searched bytes/doc (measured) | k-NN files/doc | store/doc | p50 ms | server p50 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, r in result["results"].items():
        b = r["bytes_per_vector"]
        rec = "—" if r["recall_at_10"] is None else f"{r['recall_at_10']:.3f}"
        lines.append(
            f"| {n} | {r['form']} | {rec} | {r['mrr']:.3f} | {b['theoretical']:.0f} | "
            f"{b['searched']:.0f} | {b['knn_files']:.0f} | {b['store']:.0f} | "
            f"{r['latency_ms']['p50']:.1f} | {r['server_took_ms']['p50']:.1f} |"
        )
    for n, why in result["skipped"].items():
        lines.append(f"| {n} | not run: {why} | | | | | | | | |")
    lines += ["", *(f"- {note}" for note in result["notes"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="the xquad-r folder")
    ap.add_argument("--langs", nargs="+", default=list(LANGS))
    ap.add_argument("--sample", type=int, default=100, help="questions per language")
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--url", default="http://127.0.0.1:9200")
    ap.add_argument("--out", default=str(RESULTS / "quantization.json"))
    args = ap.parse_args(argv)
    if "float32" not in args.variants:
        args.variants = ["float32", *args.variants]
    result = run(args)
    out = Path(args.out)
    result["markdown"] = markdown(result)
    write_json(result, out.with_suffix(".json"))
    out.with_suffix(".md").write_text(result["markdown"], "utf-8")
    print(result["markdown"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
