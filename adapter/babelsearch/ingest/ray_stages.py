"""The Ray engine's stages as plain functions over column batches (no Ray import here).

Why apart from :mod:`babelsearch.ingest.ray_engine`: these run inside Ray workers,
but nothing in them needs Ray -- they take and return ``dict`` batches of four
columns, so the unit tier tests them without a cluster. Every decision is the local
ingestor's, called through its own functions: :func:`~.run.prepare_record` (validate,
detect, chunk), :func:`~.run.encode_chunks` (vectors → actions),
:func:`~.stale.stale_deletes`, :class:`~.sink.BulkSink` and :func:`~.books.settle`.

A row is one input record on its way:

* ``order`` -- its ordinal, ``shard << 32 | position in the shard``: input order,
  and stable across task retries (a shard always reads the same bytes);
* ``doc_id`` -- the document id (``""`` for a record rejected before it had one);
* ``state`` -- ``doc`` (prepared), ``encoded``, a final outcome (``indexed``,
  ``replaced``, ``dead_lettered``, ``skipped``), or ``stats`` (one per batch: times
  and retries, not a record);
* ``payload`` -- a pickle of what the next stage needs (chunks, actions, the record
  for a dead letter).

Each stage turns every row it gets into exactly one row, so the driver counts the
final rows of the last stage and gets every record once, however often Ray retried
a task: a retried task's output replaces the failed attempt's, and its writes are
idempotent (deterministic chunk ids, the same stale-chunk deletes).
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, cast

from ..config import Config
from ..types import chunk_id
from .actions import Action, batch_actions
from .books import removal_actions, settle
from .ledger import DocState
from .readers import RawRecord, iter_jsonl, read_path
from .run import encode_chunks, prepare_record
from .validate import Rejected, original_record

__all__ = [
    "FINAL",
    "EncodeStage",
    "Shard",
    "WriteStage",
    "detector",
    "plan_shards",
    "prepare_records",
    "prepare_shards",
    "read_shard",
]

FINAL = ("indexed", "replaced", "dead_lettered", "skipped")
SHARD_BITS = 32

Batch = dict[str, list[Any]]


@dataclass(frozen=True)
class Shard:
    """A byte range of a JSONL file starting at a line boundary (or a whole file)."""

    index: int
    path: str
    fmt: str
    start: int = 0
    end: int | None = None


def plan_shards(path: str, fmt: str, shard_bytes: int) -> list[Shard]:
    """Split a JSONL file at line boundaries into ranges of about ``shard_bytes``.

    Other formats (CSV, Parquet, a directory) are one shard: their readers number the
    records themselves, and reading is cheap next to encoding.
    """
    if fmt != "jsonl":
        return [Shard(0, path, fmt)]
    size = os.path.getsize(path)
    bounds = [0]
    with open(path, "rb") as fh:
        at = shard_bytes
        while at < size:
            fh.seek(at)
            fh.readline()  # to the end of the line that ``at`` falls in
            pos = fh.tell()
            if pos >= size:
                break
            if pos > bounds[-1]:
                bounds.append(pos)
            at = pos + shard_bytes
    bounds.append(size)
    return [Shard(i, path, fmt, a, b) for i, (a, b) in enumerate(itertools.pairwise(bounds))]


class _Window:
    """``readline`` over ``[start, end)`` of a binary file: a shard reads only its lines."""

    def __init__(self, fh: IO[bytes], start: int, end: int) -> None:
        self.fh = fh
        self.left = end - start
        fh.seek(start)

    def readline(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        line = self.fh.readline(self.left if size < 0 else min(size, self.left))
        self.left -= len(line)
        return line


def read_shard(shard: Shard, cfg: Config) -> Iterator[RawRecord]:
    """The shard's records, numbered from 0 within the shard, by the local readers."""
    if shard.fmt == "jsonl" and shard.end is not None:
        with open(shard.path, "rb") as fh:
            window = cast(IO[bytes], _Window(fh, shard.start, shard.end))
            yield from iter_jsonl(window, start_offset=shard.start)
        return
    f = cfg.fields
    yield from read_path(shard.path, shard.fmt, text_fields=f.text, id_field=f.id)  # type: ignore[arg-type]


def _row(out: Batch, order: int, doc_id: str, state: str, payload: Any) -> None:
    out["order"].append(order)
    out["doc_id"].append(doc_id)
    out["state"].append(state)
    out["payload"].append(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def _empty() -> Batch:
    return {"order": [], "doc_id": [], "state": [], "payload": []}


def final(
    outcome: str,
    *,
    chunks: int = 0,
    reason: str | None = None,
    record: Any = None,
    doc_id: str | None = None,
) -> dict[str, Any]:
    """The payload of a record's last row: what the driver's books need."""
    return {
        "outcome": outcome,
        "chunks": chunks,
        "reason": reason,
        "record": record,
        "doc_id": doc_id,
    }


def prepare_records(
    records: Iterable[tuple[int, RawRecord]], cfg: Config, detect: Callable[[Any], str]
) -> Iterator[Batch]:
    """``(order, record)`` → batches of ``doc`` rows, or final rows for records rejected
    (skipped or dead-lettered) before anything is sent."""
    out = _empty()
    for order, rec in records:
        prepared = prepare_record(rec, cfg, detect)
        if isinstance(prepared, Rejected):
            outcome = "skipped" if prepared.skip else "dead_lettered"
            payload = final(
                outcome, reason=prepared.reason, record=prepared.record, doc_id=prepared.doc_id
            )
            _row(out, order, prepared.doc_id or "", outcome, payload)
        else:
            doc, _lang, chunks = prepared
            record = original_record(rec)
            _row(out, order, doc.id, "doc", {"chunks": chunks, "record": record})
        if len(out["order"]) >= cfg.ingest.encode_batch_size:  # a block per encoder batch
            yield out
            out = _empty()
    if out["order"]:
        yield out


def prepare_shards(
    shards: Iterable[Shard], cfg: Config, detect: Callable[[Any], str]
) -> Iterator[Batch]:
    """Read, validate, detect and chunk whole shards (one Ray task per shard)."""
    for shard in shards:
        base = shard.index << SHARD_BITS
        recs = ((base + rec.position, rec) for rec in read_shard(shard, cfg))
        yield from prepare_records(recs, cfg, detect)


def detector(cfg: Config) -> Callable[[Any], str]:
    """The local ingestor's language rule (explicit ``lang`` wins, else the configured
    detector, memoized per process) for a prepare task."""
    from .pipeline import Ingestor

    return Ingestor(cfg).detect


def rows(batch: Mapping[str, Any]) -> Iterator[tuple[int, str, str, Any]]:
    """``(order, doc_id, state, payload)`` of every row of a column batch."""
    for order, doc_id, state, payload in zip(
        batch["order"], batch["doc_id"], batch["state"], batch["payload"], strict=True
    ):
        yield int(order), str(doc_id), str(state), pickle.loads(payload)


class EncodeStage:
    """An encoder actor: ``doc`` rows → ``encoded`` rows (serialized actions), or
    ``replaced`` (a later record has the id) or ``dead_lettered`` (the encoder failed on
    a chunk: nothing of the document is sent). The encoder is built once per actor."""

    def __init__(
        self,
        cfg: Config,
        winners: Mapping[str, int],
        encoder_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.cfg = cfg
        self.winners = winners
        if encoder_factory is None:
            from ..encoders import get_encoder

            self.encoder: Any = get_encoder(cfg.encoder)
        else:
            self.encoder = encoder_factory()

    def __call__(self, batch: Mapping[str, Any]) -> Batch:
        out = _empty()
        docs: list[tuple[int, str, dict[str, Any]]] = []
        for order, doc_id, state, payload in rows(batch):
            if state != "doc":
                _row(out, order, doc_id, state, payload)
            elif self.winners.get(doc_id, order) != order:  # the last record of an id wins
                _row(out, order, doc_id, "replaced", final("replaced", doc_id=doc_id))
            else:
                docs.append((order, doc_id, payload))
        chunks = [ch for _o, _d, p in docs for ch in p["chunks"]]
        keys = [o for o, _d, p in docs for _ch in p["chunks"]]
        results: list[Action | str] = []
        seconds = 0.0
        if chunks:
            results, seconds = encode_chunks(self.cfg, self.encoder, chunks, keys)
        at = 0
        for order, doc_id, payload in docs:
            n = len(payload["chunks"])
            mine, at = results[at : at + n], at + n
            st = DocState(order, doc_id, payload["record"], None, n, n)
            for ch, res in zip(payload["chunks"], mine, strict=True):
                if isinstance(res, str):
                    settle(st, ch.id, res)
            if st.failure is not None:
                _row(
                    out,
                    order,
                    doc_id,
                    "dead_lettered",
                    final("dead_lettered", reason=st.failure, record=st.record, doc_id=doc_id),
                )
            else:
                actions = [cast(Action, a).data for a in mine]
                _row(out, order, doc_id, "encoded", {"actions": actions, "record": st.record})
        _row(out, -1, "", "stats", {"encode_seconds": seconds})
        return out


class WriteStage:
    """A writer actor: ``encoded`` rows → ``indexed`` or ``dead_lettered``, through the
    local ingestor's bulk path: count- and byte-bounded requests (:func:`batch_actions`),
    the stale-chunk deletes in the same request, and :class:`BulkSink` (the one retry
    layer: 429s and outages wait with backoff, which holds this actor, which holds
    Ray's upstream stages back). A document that fails is removed whole."""

    def __init__(self, cfg: Config) -> None:
        from ..cluster import connect
        from .sink import BulkSink

        self.cfg = cfg
        self.client = connect(cfg.cluster, retries=False)
        self.sink = BulkSink(self.client, cfg.index.name, cfg.ingest.bulk)
        self.lock = threading.Lock()

    def __call__(self, batch: Mapping[str, Any]) -> Batch:
        from .stale import stale_deletes

        out = _empty()
        mine: dict[tuple[int, str], DocState] = {}
        actions: list[Action] = []
        order_of: list[DocState] = []
        for order, doc_id, state, payload in rows(batch):
            if state != "encoded":
                _row(out, order, doc_id, state, payload)
                continue
            n = len(payload["actions"])
            st = DocState(order, doc_id, payload["record"], None, n, n)
            order_of.append(st)
            for k, data in enumerate(payload["actions"]):
                action = Action(chunk_id(doc_id, k), order, data)
                mine[(order, action.chunk_id)] = st
                actions.append(action)
        t0, retried = time.monotonic(), self.sink.retried
        bulk, names = self.cfg.ingest.bulk, self.cfg.field_names
        for request in batch_actions(actions, bulk.max_docs, bulk.max_bytes):
            deletes = stale_deletes(self.sink, names, request, mine, self.lock)
            for o in self.sink.send(request + deletes):
                settle(mine[(o.action.doc_key, o.action.chunk_id)], o.action.chunk_id, o.reason)
        for st in order_of:
            if st.failure is None:
                _row(
                    out,
                    st.position,
                    st.doc_id,
                    "indexed",
                    final("indexed", chunks=st.chunks, doc_id=st.doc_id),
                )
                continue
            if st.acked:  # never leave half a document behind
                self.sink.send(removal_actions(st))
            _row(
                out,
                st.position,
                st.doc_id,
                "dead_lettered",
                final("dead_lettered", reason=st.failure, record=st.record, doc_id=st.doc_id),
            )
        _row(
            out,
            -1,
            "",
            "stats",
            {"index_seconds": time.monotonic() - t0, "retried": self.sink.retried - retried},
        )
        return out
