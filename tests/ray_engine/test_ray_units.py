"""The Ray engine's pure pieces, without Ray (unit tier: Ray need not be installed).

Shards must read exactly what the local reader reads, ordinals must map back to the
local positions, the encoder stage must apply "the last record wins" and isolate a
bad vector, the driver's books must count like the local ones and write the dead
letters in one piece, and ``import babelsearch`` must not import Ray.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.config import parse_config
from babelsearch.ingest.ray_books import book, positions
from babelsearch.ingest.ray_engine import RayOptions, plan_resources
from babelsearch.ingest.ray_stages import (
    SHARD_BITS,
    EncodeStage,
    plan_shards,
    prepare_records,
    read_shard,
    rows,
)
from babelsearch.ingest.readers import RawRecord, iter_jsonl
from ingest.hash_encoder import HashEncoder

LINES = [
    b'\xef\xbb\xbf{"id": "a", "title": "with a BOM"}\n',
    b"\n",
    b'{"id": "b", "title": "crlf"}\r\n',
    b"   \n",
    b'{"id": "c", "title": "' + b"x" * 5000 + b'"}\n',
    b"{not json}\n",
    *[b'{"id": "d%d", "title": "row %d"}\n' % (i, i) for i in range(40)],
    b'{"id": "e", "title": "no newline at the end"',
]


def _cfg(**ingest: Any) -> Any:
    return parse_config(
        {
            "index": {"name": "ray-unit"},
            "languages": ["en"],
            "fields": {"text": ["title", "body"]},
            "ingest": ingest,
        }
    )


@pytest.mark.parametrize("shard_bytes", [1, 7, 64, 300, 5001, 10**6])
def test_shards_read_exactly_what_the_local_reader_reads(tmp_path: Path, shard_bytes: int) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(LINES))
    with src.open("rb") as fh:
        local = [(r.position, r.data, r.error) for r in iter_jsonl(fh)]
    shards = plan_shards(str(src), "jsonl", shard_bytes)
    assert shards[0].start == 0 and shards[-1].end == src.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(shards))
    got: list[tuple[int, Any, Any]] = []
    orders = []
    for shard in shards:
        for r in read_shard(shard, _cfg()):
            orders.append((shard.index << SHARD_BITS) + r.position)
            got.append((r.position, r.data, r.error))
    where = positions(orders)
    assert [(where[o], d, e) for o, (_p, d, e) in zip(orders, got, strict=True)] == local


def test_resources_follow_the_gpus_or_the_cpus() -> None:
    gpu = parse_config({"index": {"name": "x"}, "encoder": {"kind": "bge-m3", "device": "cuda"}})
    assert plan_resources(gpu, RayOptions(), {"CPU": 64, "GPU": 8})["encoders"] == 8
    assert plan_resources(gpu, RayOptions(), {"CPU": 64, "GPU": 8})["encoder_gpus"] == 1.0
    half = plan_resources(gpu, RayOptions(encoder_gpus=0.5), {"CPU": 64, "GPU": 8})
    assert half["encoders"] == 16
    cpu = _cfg(bulk={"max_in_flight": 2})
    plan = plan_resources(cpu, RayOptions(), {"CPU": 2})
    assert (plan["encoders"], plan["writers"], plan["encoder_gpus"]) == (1, 2, 0.0)
    assert plan_resources(cpu, RayOptions(encoders=5), {"CPU": 2})["encoders"] == 5


def _prepared(cfg: Any, recs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    batches = list(
        prepare_records(
            ((i, RawRecord(i, r)) for i, r in enumerate(recs)), cfg, lambda doc: doc.lang or "en"
        )
    )
    return {k: [v for b in batches for v in b[k]] for k in batches[0]}


def test_the_encoder_stage_lets_the_last_record_win_and_isolates_a_bad_vector() -> None:
    cfg = _cfg()
    recs = [
        {"id": "x", "title": "first"},
        {"id": "y", "title": "fine"},
        {"id": "z", "title": "NANVEC here"},
        {"id": "x", "title": "second"},
        {"id": "w", "title": ""},
    ]
    stage = EncodeStage(cfg, {"x": 3}, lambda: HashEncoder(dimension=16))
    out = {
        order: (state, payload) for order, _d, state, payload in rows(stage(_prepared(cfg, recs)))
    }
    assert out[0][0] == "replaced" and out[3][0] == "encoded" and out[1][0] == "encoded"
    assert out[2][0] == "dead_lettered" and out[2][1]["reason"].startswith("encoder_non_finite")
    assert out[4][0] == "skipped" and out[4][1]["reason"].startswith("empty_text")
    assert "encode_seconds" in out[-1][1]  # one stats row per batch


def test_the_driver_books_count_like_the_local_ones_and_write_one_dead_letter_file(
    tmp_path: Path,
) -> None:
    def final(outcome: str, **kw: Any) -> dict[str, Any]:
        return {
            "outcome": outcome,
            "chunks": kw.get("chunks", 0),
            "reason": kw.get("reason"),
            "record": kw.get("record"),
            "doc_id": kw.get("doc_id"),
        }

    finals = [
        ((1 << SHARD_BITS) + 0, final("dead_lettered", reason="invalid_json: x", record="{x")),
        (0, final("indexed", chunks=3, doc_id="a")),
        (1, final("replaced", doc_id="b")),
        ((1 << SHARD_BITS) + 1, final("skipped", reason="empty_text: none")),
        (2, final("indexed", chunks=1, doc_id="b")),
    ]
    dead = tmp_path / "dl" / "dead.jsonl"
    report = book(finals, {"retried": 4}, "in.jsonl", {}, dead, 0.0)
    assert (report.read, report.indexed, report.replaced, report.chunks_indexed) == (5, 2, 1, 4)
    assert (report.dead_lettered, report.skipped, report.retried) == (1, 1, 4)
    assert report.dead_letter_reasons == {"invalid_json": 1}
    assert report.skipped_reasons == {"empty_text": 1}
    (entry,) = [json.loads(x) for x in dead.read_text().splitlines()]
    assert (entry["input"], entry["position"], entry["code"]) == ("in.jsonl", 3, "invalid_json")
    assert sorted(p.name for p in dead.parent.iterdir()) == ["dead.jsonl"]  # no temp file left
    clean = book([(0, final("indexed", chunks=1))], {}, "in.jsonl", {}, tmp_path / "none.jsonl", 0)
    assert clean.dead_letter_path is None and not (tmp_path / "none.jsonl").exists()


def test_importing_babelsearch_and_the_ray_engine_does_not_import_ray() -> None:
    code = (
        "import sys, babelsearch, babelsearch.ingest.ray_engine, babelsearch.cli.ingest; "
        "print('ray' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_engine_option_is_documented_and_refuses_what_ray_cannot_do(tmp_path: Path) -> None:
    runner = CliRunner()
    help_text = runner.invoke(cli, ["ingest", "--help"]).output
    assert "--engine [local|ray]" in help_text and "--ray-address" in help_text
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "title": "x"}\n')
    for extra in (["--resume"], ["--backfill"], ["--checkpoint", str(tmp_path / "c.json")]):
        res = runner.invoke(cli, ["ingest", str(src), "--engine", "ray", *extra])
        assert res.exit_code == 1, res.output
        assert "not with --engine ray" in res.output and extra[0] in res.output
    res = runner.invoke(cli, ["ingest", "-", "--engine", "ray"])
    assert res.exit_code == 1 and "reads files, not stdin" in res.output
