"""``python driver.py ARGS``: a Ray ingest driver in a child process, so tests can kill it.

It is the library call :func:`babelsearch.ingest.ray_engine.ingest_path` with the
trigram-hash test encoder (``tests/ingest/hash_encoder.py``, a real Encoder, 64-d to
keep a 20k-passage load inside CI's budget on two cores). The encoder's module is
pickled by value, so the Ray workers need nothing of ``tests/`` on their path.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # repo root: tests.*

DIM = 64


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--address", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--alias", required=True)
    ap.add_argument("--dead-letter", required=True)
    ap.add_argument("--report-json", required=True)
    ap.add_argument("--encoders", type=int, default=2)
    ap.add_argument("--delay", type=float, default=0.0, help="encoder seconds per batch")
    args = ap.parse_args(argv)

    import ray.cloudpickle
    import tests.ingest.hash_encoder as hash_encoder

    ray.cloudpickle.register_pickle_by_value(hash_encoder)
    from tests.ray_engine.corpus import ray_config

    from babelsearch.ingest.ray_engine import RayOptions, ingest_path

    cfg = ray_config(args.url, args.alias)
    opts = RayOptions(address=args.address, **small_cluster(args.encoders))
    factory = functools.partial(hash_encoder.HashEncoder, dimension=DIM, delay=args.delay)
    report = ingest_path(
        args.input,
        cfg,
        options=opts,
        encoder_factory=factory,
        dead_letter=args.dead_letter,
        report_json=args.report_json,
    )
    print(json.dumps(report.to_dict()), flush=True)
    return report.exit_code


def small_cluster(encoders: int) -> dict[str, float | int]:
    """Sizes that fit the test cluster's two one-CPU nodes: two encoders, two writers."""
    return {
        "encoders": encoders,
        "encoder_cpus": 0.5,
        "writer_cpus": 0.25,
        "prepare_cpus": 0.5,
        "shard_bytes": 256 * 1024,
    }


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
