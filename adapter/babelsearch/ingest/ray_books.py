"""The Ray engine's driver-side books: duplicate ids, the final rows, the report.

Why on the driver: the counts and the dead-letter file must come out exactly once per
record whatever Ray retried, so they are made from the *output* of the last stage
(one final row per record; a retried task's output replaces the failed attempt's)
and fed, in input order, to the local :class:`~babelsearch.ingest.books.Books` --
the same counting and the same dead-letter format as the local engine.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import IngestError
from .report import IngestReport
from .validate import Rejected

__all__ = ["book", "collect", "duplicate_winners", "positions"]


def duplicate_winners(prepared: Any) -> dict[str, int]:
    """For every id of more than one prepared document: the ordinal of its last record."""
    import pyarrow as pa

    parts = [
        b.filter(pa.compute.equal(b["state"], "doc"))
        for b in prepared.select_columns(["doc_id", "order", "state"]).iter_batches(
            batch_format="pyarrow", batch_size=None
        )
    ]
    if not parts:
        return {}
    table = (
        pa.concat_tables(parts).group_by("doc_id").aggregate([("order", "max"), ("order", "count")])
    )
    dup = table.filter(pa.compute.greater(table["order_count"], 1))
    return dict(zip(dup["doc_id"].to_pylist(), dup["order_max"].to_pylist(), strict=True))


def collect(written: Any) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, float]]:
    """The final row of every record (``order``, payload) and the summed batch stats."""
    from .ray_stages import FINAL, rows

    finals: list[tuple[int, dict[str, Any]]] = []
    stats: dict[str, float] = {}
    for batch in written.iter_batches(batch_format="numpy", batch_size=None):
        for order, _doc_id, state, payload in rows(batch):
            if state == "stats":
                for k, v in payload.items():
                    stats[k] = stats.get(k, 0.0) + float(v)
            elif state in FINAL:
                finals.append((order, payload))
            else:  # pragma: no cover - every stage ends every row it owns
                raise IngestError(f"ray: a record left the pipeline unfinished ({state})")
    return finals, stats


def positions(orders: list[int]) -> dict[int, int]:
    """Ordinals → input positions: shard *s*'s records follow those of shards ``< s``."""
    from .ray_stages import SHARD_BITS

    per: dict[int, int] = {}
    for o in orders:
        per[o >> SHARD_BITS] = per.get(o >> SHARD_BITS, 0) + 1
    base, start = {}, 0
    for shard in sorted(per):
        base[shard], start = start, start + per[shard]
    mask = (1 << SHARD_BITS) - 1
    return {o: base[o >> SHARD_BITS] + (o & mask) for o in orders}


def book(
    finals: list[tuple[int, dict[str, Any]]],
    stats: Mapping[str, float],
    source: str,
    target: dict[str, Any],
    dead_letter: Path,
    started: float,
) -> IngestReport:
    """Count the final rows through the local :class:`Books` (in input order) and move
    the dead letters into place in one rename."""
    from .books import Books, RunPlan

    finals.sort(key=lambda item: item[0])
    where = positions([o for o, _p in finals])
    if len(where) != len(finals):
        raise IngestError("ray: a record came back twice")  # pragma: no cover - a Ray bug
    dead_letter.parent.mkdir(parents=True, exist_ok=True)
    tmp = dead_letter.with_name(f".{dead_letter.name}.{uuid.uuid4().hex[:8]}.tmp")
    plan = RunPlan(source, {"path": source}, target, None, None, str(tmp))
    books = Books(plan)
    try:
        for order, p in finals:
            pos = where[order]
            books.wm.register(pos)
            outcome = p["outcome"]
            if outcome in ("skipped", "dead_lettered"):
                rej = Rejected(pos, p["reason"], outcome == "skipped", p["record"], p["doc_id"])
                books.reject(rej, None)
            else:
                books.wm.finish(pos, outcome, chunks=int(p["chunks"]))
        books.retried = int(stats.get("retried", 0))
        books.encode_seconds = stats.get("encode_seconds", 0.0)
        books.index_seconds = stats.get("index_seconds", 0.0)
        books.close()
        if books.dl.count:
            os.replace(tmp, dead_letter)
    finally:
        books.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    report = books.report(started)
    report.dead_letter_path = str(dead_letter) if report.dead_lettered else None
    return report
