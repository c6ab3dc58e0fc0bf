"""Query latency and throughput per mode, with encoding and client overhead kept apart.

    .venv/bin/python benchmarks/query.py [--size 100000] [--queries 200] [--url URL]

1. Builds an index of ``--size`` passages from XQuAD-R (ar/de/en/es/ru/zh) *fast*:
   the ~7k unique sentences are encoded once with the configured encoder (cached under
   ``~/.cache/babelsearch/bench``), and each passage is a window of 1-4 consecutive
   sentences (sometimes plus one sentence of another paragraph, same language) whose
   vector is the normalized mean of its sentences' vectors. That is not what the
   encoder would give for the joined text, but it is a unit vector in the same space
   with the same neighbourhood structure, which is all latency depends on. Passages
   are sent with babelsearch's bulk sink into an index created by ``admin.apply``.
2. Encodes every benchmark query (XQuAD-R questions, all six languages) one at a time
   with the real encoder -- the ``encode`` latency -- and hands the vectors to the
   :class:`Searcher` through a lookup encoder, so search latency excludes encoding.
3. For bm25, dense, sparse (only if the encoder has sparse output; ``use`` has not),
   hybrid, bool, rrf and auto: latency p50/p95/p99 and throughput at concurrency
   1, 4 and 16 (threads sharing one Searcher, i.e. one connection pool).
4. Client overhead: the Searcher's own prepare (validate, build bodies), body
   serialization and finish (collect, fuse, page) timed directly on real responses.

Writes ``benchmarks/results/query.json`` and ``query.png``; deletes its index unless
``--keep`` (``--reuse ALIAS`` measures an index kept earlier).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

from babelsearch.config import Config, parse_config
from babelsearch.encoders.base import Encoded
from babelsearch.types import EncoderInfo

MODES = ("bm25", "dense", "sparse", "hybrid", "bool", "rrf", "auto")
CONCURRENCY = (1, 4, 16)
CACHE = Path("~/.cache/babelsearch/bench").expanduser()


def bench_config(url: str, alias: str) -> Config:
    cfg = parse_config(
        {
            "index": {"name": alias},
            "languages": list(common.LANGS),
            "fields": {"id": "id", "lang": "lang", "text": ["title", "body"]},
            "ingest": {"chunking": {"enabled": False}},
        }
    )
    return cfg.with_cluster_url(url)


def fixed_windows(cfg: Config) -> Config:
    """``cfg`` with ``search.windows: fixed``: every sub-query at ``search.candidates``
    (the behaviour before adaptive windows), measured beside the default."""
    return dataclasses.replace(cfg, search=dataclasses.replace(cfg.search, windows="fixed"))


class LookupEncoder:
    """Hands the Searcher vectors computed before the clock started.

    Why: the Searcher encodes inside ``search()``; to report search time without
    encoding time (the issue asks for them apart) the real encoder runs up front and
    this object answers ``encode_queries`` from that table. An unknown text is an error,
    never a made-up vector.
    """

    def __init__(self, info: EncoderInfo, table: dict[str, Any]) -> None:
        self._info = info
        self._table = table

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return Encoded(dense=np.stack([self._table[t] for t in texts]), sparse=None)

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        raise RuntimeError("the query benchmark never encodes documents through the lookup")


# -- the index -------------------------------------------------------------------------
def sentence_vectors(
    data: Path, encoder: Any, per_lang: int | None = None
) -> tuple[list[common.Paragraph], Any]:
    """Every XQuAD-R sentence's vector, computed once per encoder and cached on disk."""
    paras = common.load_paragraphs(data, per_lang=per_lang)
    sents = [s for p in paras for s in p.sentences]
    key = hashlib.sha256(
        orjson.dumps(encoder.info.fingerprint, option=orjson.OPT_SORT_KEYS)
        + "\n".join(sents).encode()
    ).hexdigest()[:16]
    path = CACHE / f"sentences-{key}.npy"
    if path.exists():
        vecs = np.load(path)
        if vecs.shape[0] == len(sents):
            return paras, vecs
    print(f"encoding {len(sents)} sentences once (cached in {path}) ...", flush=True)
    vecs = encoder.encode_documents(sents).dense
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vecs)
    tmp.replace(path)
    return paras, vecs


def passages(
    paras: list[common.Paragraph], vecs: Any, n: int, seed: int = 11
) -> Iterator[tuple[dict[str, Any], str, Any]]:
    """``(record, lang, vector)`` for ``n`` passages; see the module docstring."""
    rng = random.Random(seed)
    offsets = []
    pos = 0
    for p in paras:
        offsets.append(pos)
        pos += len(p.sentences)
    by_lang: dict[str, list[int]] = {}
    for i, p in enumerate(paras):
        by_lang.setdefault(p.lang, []).append(i)
    for i in range(n):
        pi = rng.randrange(len(paras))
        para = paras[pi]
        size = rng.randint(1, 4)
        start = rng.randrange(max(1, len(para.sentences) - size + 1))
        rows = [offsets[pi] + j for j in range(start, min(start + size, len(para.sentences)))]
        if rng.random() < 0.5:
            oi = rng.choice(by_lang[para.lang])
            rows.append(offsets[oi] + rng.randrange(len(paras[oi].sentences)))
        body = " ".join(_sentence(paras, offsets, r) for r in rows)
        v = vecs[rows].mean(axis=0)
        v = (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)
        yield {"id": f"q{i:07d}", "title": para.title, "body": body}, para.lang, v


def _sentence(paras: list[common.Paragraph], offsets: list[int], row: int) -> str:
    import bisect

    pi = bisect.bisect_right(offsets, row) - 1
    return paras[pi].sentences[row - offsets[pi]]


def build_index(cfg: Config, client: Any, info: EncoderInfo, items: Iterator[Any]) -> int:
    """Create the index and bulk-load precomputed passages through babelsearch's sink."""
    from babelsearch.admin import apply
    from babelsearch.ingest.actions import batch_actions, build_source, encode_action
    from babelsearch.ingest.sink import BulkSink
    from babelsearch.types import Chunk

    apply(cfg, client=client, info=info)
    bulk = cfg.ingest.bulk
    sink = BulkSink(client, cfg.index.name, bulk)
    names = cfg.field_names

    def actions() -> Iterator[Any]:
        for i, (rec, lang, vec) in enumerate(items):
            ch = Chunk(rec["id"], 0, lang, {"title": rec["title"], "body": rec["body"]})
            yield encode_action(ch.id, build_source(ch, names, cfg.languages, vec), i)

    failed = 0
    with ThreadPoolExecutor(bulk.max_in_flight) as pool:
        pending: list[Any] = []
        for batch in batch_actions(actions(), bulk.max_docs, bulk.max_bytes):
            if len(pending) >= bulk.max_in_flight:
                failed += sum(not o.ok for o in pending.pop(0).result())
            pending.append(pool.submit(sink.send, batch))
        for fut in pending:
            failed += sum(not o.ok for o in fut.result())
    if failed:
        raise SystemExit(f"{failed} passages were not indexed")
    client.indices.refresh(index=cfg.index.name)
    return int(client.count(index=cfg.index.name)["count"])


# -- measuring -------------------------------------------------------------------------
def encode_queries(encoder: Any, queries: list[tuple[str, str]]) -> tuple[dict[str, Any], Any]:
    """One query at a time, as the Searcher does: the per-query encode latency."""
    table: dict[str, Any] = {}
    times = []
    for _lang, q in queries:
        t0 = time.perf_counter()
        table[q] = encoder.encode_queries([q]).dense[0]
        times.append((time.perf_counter() - t0) * 1000)
    return table, common.percentiles(times)


def run_cell(
    searcher: Any, mode: str, queries: list[tuple[str, str]], concurrency: int
) -> dict[str, Any]:
    """``len(queries)`` searches by ``concurrency`` threads: latency percentiles, QPS."""
    lat: list[float] = []
    hits = 0

    def one(item: tuple[str, str]) -> tuple[float, int]:
        lang, q = item
        t0 = time.perf_counter()
        res = searcher.search(q, lang=lang, mode=mode, k=10)
        return (time.perf_counter() - t0) * 1000, len(res.hits)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for ms, n in pool.map(one, queries):
            lat.append(ms)
            hits += n
    wall = time.perf_counter() - t0
    return {**common.percentiles(lat), "qps": round(len(queries) / wall, 1), "hits": hits}


def settle(client: Any, alias: str, timeout: float = 600.0) -> float:
    """Wait until no merge has run for 3 s (a fresh bulk load keeps merging for minutes,
    and a merge competing for the two cores would slow whichever mode runs first)."""
    t0 = time.perf_counter()
    quiet = 0
    while quiet < 3 and time.perf_counter() - t0 < timeout:
        stats = client.indices.stats(index=alias, metric="merge")
        busy = int(stats["_all"]["total"]["merges"]["current"])
        quiet = 0 if busy else quiet + 1
        time.sleep(1.0)
    return round(time.perf_counter() - t0, 1)


def interleaved(
    cells: dict[str, tuple[Any, str]], queries: list[tuple[str, str]]
) -> dict[str, Any]:
    """Concurrency 1 with the cells (label -> searcher, mode) taking turns on each query
    (order rotated), so that drift on the machine lands on every cell alike: the source
    of the ratio targets, and of the before/after of ``search.windows``."""
    labels = list(cells)
    lat: dict[str, list[float]] = {m: [] for m in labels}
    for i, (lang, q) in enumerate(queries):
        for j in range(len(labels)):
            label = labels[(i + j) % len(labels)]
            searcher, mode = cells[label]
            t0 = time.perf_counter()
            searcher.search(q, lang=lang, mode=mode, k=10)
            lat[label].append((time.perf_counter() - t0) * 1000)
    return {m: common.percentiles(v) for m, v in lat.items()}


def client_overhead(
    searcher: Any, mode: str, queries: list[tuple[str, str]]
) -> dict[str, dict[str, float]]:
    """Time the Searcher's pure steps on real responses (no HTTP, no encoding).

    ``prepare``: validate, resolve mode and language, look the vector up, build the
    bodies; ``serialize``: the JSON the client sends (ranking request and fetch);
    ``finish``: collect, fuse, page, build the fetch body, join the fetched hits.
    Response parsing by opensearch-py is part of the round trips and not counted.
    """
    from babelsearch.query import SearchRequest
    from babelsearch.query.wire import msearch_body

    searcher.capabilities()  # cached: the timed steps never ask the cluster
    parts: dict[str, list[float]] = {"prepare": [], "serialize": [], "finish": [], "total": []}
    for lang, q in queries:
        t0 = time.perf_counter()
        plan = searcher.plan(SearchRequest(q, lang, mode, 10))
        t1 = time.perf_counter()
        req = plan.request
        if req.kind == "msearch":
            msearch_body(searcher.alias, req.bodies)
        else:
            orjson.dumps(req.bodies[0]).decode()
        t2 = time.perf_counter()
        responses = searcher._send(req)
        t3 = time.perf_counter()
        ranked = plan.finish(responses)
        fetch = plan.fetch_body(ranked)
        t4 = time.perf_counter()
        orjson.dumps(fetch).decode()
        t5 = time.perf_counter()
        fetched = searcher._fetch(fetch) if fetch is not None else None
        t6 = time.perf_counter()
        plan.result(ranked, fetched, 0.0)
        t7 = time.perf_counter()
        timed = {"prepare": t1 - t0, "serialize": t2 - t1 + t5 - t4, "finish": t4 - t3 + t7 - t6}
        for name, dt in timed.items():
            parts[name].append(dt * 1000)
        parts["total"].append(sum(timed.values()) * 1000)
    return {k: common.percentiles(v) for k, v in parts.items()}


def server_took(searcher: Any, queries: list[tuple[str, str]]) -> dict[str, Any]:
    """Server ``took`` (ms, p50) of each phase: the ranking request (for ``auto`` each
    ``_msearch`` body) and the fetch of the page: where the server's time goes."""
    from babelsearch.query import SearchRequest

    out: dict[str, Any] = {}
    for mode in ("bm25", "dense", "auto"):
        times: dict[str, list[float]] = {}
        for lang, q in queries:
            plan = searcher.plan(SearchRequest(q, lang, mode, 10))
            req = plan.request
            responses = searcher._send(req)
            names = req.names if req.kind == "msearch" else (mode,)
            for name, resp in zip(names, responses, strict=True):
                times.setdefault(name, []).append(float(resp["took"]))
            fetch = plan.fetch_body(plan.finish(responses))
            if fetch is not None:
                times.setdefault("fetch", []).append(float(searcher._fetch(fetch)["took"]))
        out[mode] = {
            "window": dict(zip(names, (b.get("size") for b in req.bodies), strict=True)),
            **{k: common.median(v) for k, v in times.items()},
        }
    return out


def plot(result: dict[str, Any], path: Path) -> None:
    plt = common.pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    modes = list(result["modes"])
    x = np.arange(len(modes))
    for i, c in enumerate(CONCURRENCY):
        p50 = [result["modes"][m][f"c{c}"]["p50"] for m in modes]
        p99 = [result["modes"][m][f"c{c}"]["p99"] for m in modes]
        ax1.bar(x + (i - 1) * 0.27, p50, 0.27, label=f"p50, c={c}")
        ax1.scatter(x + (i - 1) * 0.27, p99, marker="_", color="k", s=60)
    enc = result["encode_ms"]["p50"]
    ax1.axhline(enc, color="#c44", linestyle="--", linewidth=1, label=f"encode p50 {enc:.1f} ms")
    ax1.set_xticks(x, modes)
    ax1.set_ylabel("search latency ms (bar p50, tick p99)")
    ax1.set_yscale("log")
    ax1.legend(fontsize=7)
    s = result["summary"]
    ax1.set_title(
        f"{result['machine']['opensearch']}: auto / max(bm25, dense) p50 = "
        f"{s['auto_vs_slower_sub_query']:.2f} (fixed windows "
        f"{s['fixed_auto_vs_slower_fixed_sub_query']:.2f}); "
        f"client overhead p50 max {s['client_overhead_p50_ms_max']:.2f} ms",
        fontsize=9,
    )
    for m in modes:
        ax2.plot(CONCURRENCY, [result["modes"][m][f"c{c}"]["qps"] for c in CONCURRENCY],
                 marker="o", label=m)  # fmt: skip
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(CONCURRENCY, [str(c) for c in CONCURRENCY])
    ax2.set_xlabel("concurrency (threads, one Searcher)")
    ax2.set_ylabel("queries / s")
    ax2.legend(fontsize=7)
    m = result["machine"]
    fig.suptitle(
        f"{result['index_docs']} passages, {m['cores']} cores, OpenSearch {m['opensearch']}, "
        f"load {m['load_average_start'][0]}->{m['load_average_end'][0]}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000, help="passages (default 100000)")
    ap.add_argument("--queries", type=int, default=200, help="queries per mode and concurrency")
    ap.add_argument("--url", help="cluster URL (default BABELSEARCH_URL, else a local node)")
    ap.add_argument("--data", type=Path, default=common.DEFAULT_DATA, help="XQuAD-R directory")
    ap.add_argument("--paragraphs", type=int, help="use only N paragraphs per language")
    ap.add_argument("--keep", action="store_true", help="do not delete the index at the end")
    ap.add_argument("--reuse", metavar="ALIAS", help="measure an index kept by --keep")
    ap.add_argument("--out", type=Path, default=common.RESULTS / "query",
                    help="output stem: writes <stem>.json and <stem>.png")  # fmt: skip
    args = ap.parse_args(argv)

    from babelsearch.cluster import connect
    from babelsearch.encoders import build_encoder
    from babelsearch.query import Searcher

    with common.cluster_url(args.url) as url:
        desc = common.machine(url)
        alias = args.reuse or common.bench_name("query")
        cfg = bench_config(url, alias)
        encoder = build_encoder(cfg.encoder)
        info = encoder.info
        client = connect(cfg.cluster, retries=False)
        build_s = None
        try:
            if args.reuse:
                docs = int(client.count(index=alias)["count"])
            else:
                paras, vecs = sentence_vectors(args.data, encoder, args.paragraphs)
                print(f"indexing {args.size} passages into {alias} ...", flush=True)
                t0 = time.perf_counter()
                docs = build_index(cfg, client, info, passages(paras, vecs, args.size))
                build_s = round(time.perf_counter() - t0, 1)
                print(f"  {docs} passages in {build_s} s", flush=True)
            settle_s = settle(client, alias)
            print(f"  merges settled after {settle_s} s", flush=True)
            rng = random.Random(5)
            pool = common.load_questions(args.data)
            queries = rng.sample(pool, min(args.queries, len(pool)))
            encoder.encode_queries(["warm up"])
            table, encode_ms = encode_queries(encoder, queries)
            searcher = Searcher(cfg, encoder=LookupEncoder(info, table))
            modes: dict[str, Any] = {}
            overhead: dict[str, Any] = {}
            skipped: dict[str, str] = {}
            for mode in MODES:
                if mode == "sparse" and not (info.sparse and cfg.sparse):
                    skipped[mode] = f"the {info.kind} encoder has no sparse output"
                    continue
                searcher.search(queries[0][1], lang=queries[0][0], mode=mode)  # warm up
                modes[mode] = {}
                for c in CONCURRENCY:
                    modes[mode][f"c{c}"] = cell = run_cell(searcher, mode, queries, c)
                    print(f"  {mode:7s} c={c:<2d} p50 {cell['p50']:7.2f} ms  p99 "
                          f"{cell['p99']:7.2f} ms  {cell['qps']:7.1f} q/s", flush=True)  # fmt: skip
                overhead[mode] = client_overhead(searcher, mode, queries)
            fixed = Searcher(fixed_windows(cfg), encoder=searcher._encoder)
            cells = {m: (searcher, m) for m in modes}
            cells.update({f"{m}@fixed": (fixed, m) for m in ("bm25", "dense", "auto")})
            fixed.search(queries[0][1], lang=queries[0][0], mode="auto")  # warm up
            paired = interleaved(cells, queries)
            took = {"adaptive": server_took(searcher, queries[:50]),
                    "fixed": server_took(fixed, queries[:50])}  # fmt: skip
            searcher.close()
            fixed.close()
        finally:
            if not args.keep and not args.reuse:
                common.drop_alias(client, alias)
            client.close()
        slower = max(paired["bm25"]["p50"], paired["dense"]["p50"])
        slower_fixed = max(paired["bm25@fixed"]["p50"], paired["dense@fixed"]["p50"])
        result = {
            "benchmark": "query",
            "index_docs": docs,
            "index_build_seconds": build_s,
            "merge_settle_seconds": settle_s,
            "queries": len(queries),
            "encoder": info.fingerprint,
            "machine": common.finish_machine(desc),
            "encode_ms": encode_ms,
            "modes": modes,
            "skipped": skipped,
            "c1_interleaved": paired,
            "client_overhead_ms": overhead,
            "server_took_ms_p50_by_phase": took,
            "summary": {
                "search_p50_ms_c1": {m: v["c1"]["p50"] for m, v in modes.items()},
                "qps_c16": {m: v["c16"]["qps"] for m, v in modes.items()},
                "encode_p50_ms": encode_ms["p50"],
                "search_p50_ms_c1_interleaved": {m: v["p50"] for m, v in paired.items()},
                "auto_vs_slower_sub_query": round(paired["auto"]["p50"] / slower, 3),
                "auto_vs_slower_fixed_sub_query": round(paired["auto"]["p50"] / slower_fixed, 3),
                "fixed_auto_vs_slower_fixed_sub_query": round(
                    paired["auto@fixed"]["p50"] / slower_fixed, 3
                ),
                "auto_adaptive_vs_fixed": round(
                    paired["auto"]["p50"] / paired["auto@fixed"]["p50"], 3
                ),
                "client_overhead_p50_ms": {m: o["total"]["p50"] for m, o in overhead.items()},
                "client_overhead_p50_ms_max": max(o["total"]["p50"] for o in overhead.values()),
                "targets": {"auto_vs_slower_sub_query": 1.25, "client_overhead_auto_p50_ms": 0.5},
            },
        }
    common.write_json(result, args.out.with_suffix(".json"))
    plot(result, args.out.with_suffix(".png"))
    s = result["summary"]
    print(f"search p50 ms (c=1): {s['search_p50_ms_c1']}")
    print(f"search p50 ms (c=1, modes interleaved): {s['search_p50_ms_c1_interleaved']}")
    print(f"encode p50 ms: {s['encode_p50_ms']}")
    print(f"auto / max(bm25, dense) p50 = {s['auto_vs_slower_sub_query']}  (target 1.25)")
    print(f"client overhead p50 ms: {s['client_overhead_p50_ms']}  (target auto 0.5)")
    print(f"wrote {args.out.with_suffix('.json')} and {args.out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
