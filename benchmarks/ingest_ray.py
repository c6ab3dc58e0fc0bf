"""Ingest throughput: the local engine against the Ray engine with 1 and 2 encoder actors.

    .venv/bin/python benchmarks/ingest_ray.py [--size 20000] [--url URL] [--ray-address ADDR]

The same ``--size`` distinct XQuAD-R passages (``common.make_passages``, read from
``--data``) are written to one JSONL file and loaded three times, each into a fresh
index, with the default ``use`` encoder and the ingest benchmark's config (chunking
off: one passage, one document):

1. ``local`` -- :class:`babelsearch.ingest.Ingestor` (threads in this process);
2. ``ray_1`` -- ``ingest_path`` on Ray, one encoder actor holding the CPU that the two
   writers leave;
3. ``ray_2`` -- the same with two encoder actors sharing it.

Without ``--ray-address`` each Ray phase starts a local Ray instance with this
machine's CPUs (its start-up is part of the measured time, as it is for a user).
Every phase checks that every passage arrived. Writes ``benchmarks/results/
ingest_ray.json`` (``--out`` changes the stem).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import common  # noqa: E402  (the sibling module, after the path insert)

WRITER_CPUS = 0.25


def _ingest_bench() -> Any:
    """benchmarks/ingest.py (its config and index helpers)."""
    return common.load_script("ingest")


def run_phase(
    name: str, cfg: Any, src: Path, ray_address: str | None, cpus: tuple[float, float]
) -> dict[str, Any]:
    from babelsearch.ingest import Ingestor
    from babelsearch.ingest.ray_engine import RayOptions, ingest_path

    dead = src.with_name(f"{name}-dead.jsonl")
    with common.sampled() as use:
        if name == "local":
            report = Ingestor(cfg, dead_letter=dead, progress=False).run(src)
            encoders = 0
        else:
            encoders = int(name.split("_")[1])
            writers = cfg.ingest.bulk.max_in_flight
            total, per_node = cpus
            # what the writers leave, shared; an actor must also fit on one node
            share = min((total - writers * WRITER_CPUS) / encoders, per_node - WRITER_CPUS)
            opts = RayOptions(
                address=ray_address,
                encoders=encoders,
                encoder_cpus=share,
                writer_cpus=WRITER_CPUS,
                prepare_cpus=min(1.0, per_node),
                local_cpus=int(total),
            )
            report = ingest_path(src, cfg, options=opts, dead_letter=dead)
    r = report.to_dict()
    return {
        "engine": "local" if name == "local" else "ray",
        "encoder_actors": encoders,
        "docs": r["read"],
        **{k: r[k] for k in ("indexed", "dead_lettered", "skipped", "retried")},
        "encode_seconds": round(report.encode_seconds, 2),
        "index_seconds": round(report.index_seconds, 2),
        **use.to_dict(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=20_000, help="passages (default 20000)")
    ap.add_argument("--url", help="cluster URL (default BABELSEARCH_URL, else a local node)")
    ap.add_argument("--ray-address", help="a running Ray cluster (default: a local Ray)")
    ap.add_argument("--data", type=Path, default=common.DEFAULT_DATA, help="XQuAD-R directory")
    ap.add_argument(
        "--out",
        type=Path,
        default=common.RESULTS / "ingest_ray",
        help="output stem: writes <stem>.json",
    )
    args = ap.parse_args(argv)

    from babelsearch.cluster import connect
    from babelsearch.encoders import describe_encoder

    bench = _ingest_bench()
    passages, _langs = common.make_passages(args.data, args.size)
    phases: dict[str, dict[str, Any]] = {}
    with common.cluster_url(args.url) as url, tempfile.TemporaryDirectory(prefix="bench-ray-") as t:
        src = Path(t) / "passages.jsonl"
        src.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in passages))
        desc = common.machine(url)
        cpus = _cluster_cpus(args.ray_address)
        base = bench.bench_config(url, common.bench_name("ray"))
        client = connect(base.cluster, retries=False)
        try:
            for name in ("local", "ray_1", "ray_2"):
                cfg = dataclasses.replace(
                    base, index=dataclasses.replace(base.index, name=common.bench_name("ray"))
                )
                print(f"{name} ...", flush=True)
                bench.create_index(cfg, client, describe_encoder(cfg.encoder))
                try:
                    phase = run_phase(name, cfg, src, args.ray_address, cpus)
                    phase["indexed_count"] = bench.count(client, cfg.index.name)
                finally:
                    common.drop_alias(client, cfg.index.name)
                if phase["indexed_count"] != len(passages):
                    raise SystemExit(f"{name}: {phase['indexed_count']} of {len(passages)}")
                phase["docs_per_s"] = round(len(passages) / phase["seconds"], 1)
                print(f"    {name:6s} {phase['docs_per_s']:8.1f} passages/s", flush=True)
                phases[name] = phase
        finally:
            client.close()
        result = {
            "benchmark": "ingest_ray",
            "size": args.size,
            "encoder": dataclasses.asdict(base.encoder),
            "bulk": dataclasses.asdict(base.ingest.bulk),
            "ray_cpus": {"total": cpus[0], "per_node_max": cpus[1]},
            "ray_address": args.ray_address or "local Ray instance started per phase",
            "machine": common.finish_machine(desc),
            "phases": phases,
            "summary": summarize(phases),
        }
    common.write_json(result, args.out.with_suffix(".json"))
    print(json.dumps(result["summary"], indent=2))
    print(f"wrote {args.out.with_suffix('.json')}")
    return 0


def summarize(phases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rate = {n: p["docs_per_s"] for n, p in phases.items()}
    return {
        "passages_per_s": rate,
        "ray_1_vs_local": round(rate["ray_1"] / rate["local"], 3),
        "ray_2_vs_ray_1": round(rate["ray_2"] / rate["ray_1"], 3),
    }


def _cluster_cpus(address: str | None) -> tuple[float, float]:
    """CPUs the Ray phases get (all, and the most one node has): the given cluster's,
    else this machine's."""
    if address is None:
        n = float(os.cpu_count() or 1)
        return n, n
    import ray

    ray.init(address=address, log_to_driver=False)
    try:
        nodes = [x for x in ray.nodes() if x.get("Alive")]
        per = [float(x.get("Resources", {}).get("CPU", 0.0)) for x in nodes]
        return sum(per), max(per)
    finally:
        ray.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
