"""One ingest run: bookkeeping (documents, watermark, checkpoint) and the three stages.

Kept apart from :class:`~babelsearch.ingest.pipeline.Ingestor` so that an Ingestor
(configuration + client + encoder) can be reused for many runs, each with fresh state.
See :mod:`babelsearch.ingest.pipeline` for the thread layout.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BabelsearchError, IngestError
from ..types import Chunk, chunk_id
from .actions import (
    Action,
    batch_actions,
    build_source,
    check_vector,
    clean_sparse,
    delete_action,
    dense_text,
    encode_action,
)
from .checkpoint import Checkpoint, Watermark, atomic_write
from .chunking import chunk_document
from .deadletter import DeadLetterWriter, prune_after
from .ledger import DocState, Ledger
from .readers import RawRecord
from .report import IngestReport
from .sink import BulkSink
from .stale import stale_deletes
from .validate import Rejected, check_chunk_ids, original_record, to_document

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Ingestor

__all__ = ["Run"]

log = logging.getLogger("babelsearch.ingest")
_STOP = object()
FLUSH_AFTER = 2.0
"""Seconds a partial bulk request may wait for more actions before it is sent anyway."""


class Run:
    """State of one run (kept out of :class:`Ingestor` so an Ingestor can be reused)."""

    def __init__(
        self,
        ing: Ingestor,
        cp: Checkpoint | None,
        cp_path: Path | None,
        identity: dict[str, Any] | None,
        source: str,
        target: dict[str, Any],
        ledger: Ledger,
        client: Any,
        encoder: Any,
        block_hint: Any = None,
    ) -> None:
        self.ing = ing
        self.cfg = ing.cfg
        self.cp = cp
        self.client = client
        self.encoder = encoder
        self.block_hint = block_hint
        self.cp_path = cp_path
        self.identity = identity or {"path": source}
        self.target = target
        self.ledger = ledger
        self.wm = Watermark(cp.watermark if cp else -1, cp.counts if cp else None)
        if cp:
            self.wm.offset = cp.offset
        self.resumed_from = cp.watermark if cp else None
        carried = cp.counts if cp else {}
        self.carried = sum(
            int(carried.get(k, 0)) for k in ("indexed", "replaced", "dead_lettered", "skipped")
        )
        self.restore = cp.backfill_restore if cp else None
        if cp is not None:
            prune_after(ing.dead_letter_path, source, cp.watermark)
        self.dl = DeadLetterWriter(ing.dead_letter_path, append=cp is not None, source=source)
        self.lock = threading.Lock()
        self.fatal: BaseException | None = None
        self.encode_seconds = 0.0
        self.index_seconds = 0.0
        self.retried = 0
        self.last_cp = 0.0
        self.cp_lock = threading.Lock()
        self.sink: BulkSink | None = None
        self.encoder_thread: threading.Thread | None = None

    # -- bookkeeping ---------------------------------------------------------------------
    def reject(self, rej: Rejected, offset: int | None, doc_id: str | None = None) -> None:
        code = rej.reason.split(":", 1)[0]
        if rej.skip:
            self.wm.finish(rej.position, "skipped", offset=offset, code=code)
        else:
            self.dl.write(rej.position, rej.reason, rej.record, doc_id or rej.doc_id)
            self.wm.finish(rej.position, "dead_lettered", offset=offset, code=code)
        self.maybe_checkpoint()

    def chunk_done(self, st: DocState, cid: str, reason: str | None) -> None:
        with self.lock:
            st.remaining -= 1
            if reason is None:
                st.acked.append(cid)
            elif st.failure is None:
                st.failure = reason if st.chunks == 1 else f"{reason} (chunk {cid})"
            if st.remaining:
                return
        prior = st.prior or None
        if st.failure is None:
            self.ledger.finish(st, st.chunks)
            self.wm.finish(
                st.position, "indexed", chunks=st.chunks, offset=st.offset, supersedes=prior
            )
        else:
            removed = bool(st.acked)
            if removed and self.sink is not None:  # never leave half a document behind
                ids = {chunk_id(st.doc_id, n) for n in range(max(st.chunks, st.prior))}
                ids.update(st.acked, st.stale)
                self.sink.send([delete_action(c, st.position) for c in sorted(ids)])
            self.ledger.finish(st, 0 if removed else None)
            self.dl.write(st.position, st.failure, st.record, st.doc_id)
            code = st.failure.split(":", 1)[0]
            self.wm.finish(
                st.position,
                "dead_lettered",
                offset=st.offset,
                code=code,
                supersedes=prior if removed else None,
            )
        self.maybe_checkpoint()

    def maybe_checkpoint(self, *, force: bool = False, complete: bool = False) -> None:
        if self.cp_path is None:
            return
        now = time.monotonic()
        if not force and now - self.last_cp < 1.0:
            return
        with self.cp_lock:
            self.last_cp = now
            value, offset, counts = self.wm.snapshot()
            self.ledger.sync()  # every id finished up to `value` is on disk first
            cp = Checkpoint(
                dict(self.identity),
                value,
                offset,
                counts,
                complete,
                self.restore,
                target=dict(self.target),
            )
            atomic_write(self.cp_path, cp.to_bytes())

    def report(self, started: float) -> IngestReport:
        _v, _o, c = self.wm.snapshot()
        elapsed = time.monotonic() - started
        r = IngestReport(
            indexed=c["indexed"],
            replaced=c["replaced"],
            chunks_indexed=c["chunks_indexed"],
            dead_lettered=c["dead_lettered"],
            skipped=c["skipped"],
            retried=self.retried,
            encode_seconds=self.encode_seconds,
            index_seconds=self.index_seconds,
            elapsed=elapsed,
            resumed_from=self.resumed_from,
            dead_letter_path=self.ing.dead_letter_path if c["dead_lettered"] else None,
        )
        r.read = r.indexed + r.replaced + r.dead_lettered + r.skipped
        r.docs_per_s = (r.read - self.carried) / elapsed if elapsed > 0 else 0.0
        for k, v in c.items():
            if k.startswith("skipped:"):
                r.skipped_reasons[k.split(":", 1)[1]] = v
            elif k.startswith("dead_lettered:"):
                r.dead_letter_reasons[k.split(":", 1)[1]] = v
        return r

    # -- stages --------------------------------------------------------------------------
    def go(self, records: Iterator[RawRecord], started: float) -> IngestReport:
        """Run the stages, or report at once when the checkpoint says the input is done."""
        try:
            if self.cp is not None and self.cp.complete:
                log.info("checkpoint %s says this input is already complete", self.cp_path)
                return self.report(started)
            return self.execute(self.client, self.encoder, records, started)
        finally:
            self.ledger.close()

    def execute(
        self, client: Any, encoder: Any, records: Iterator[RawRecord], started: float
    ) -> IngestReport:
        from .progress import Progress, input_bytes

        bulk = self.cfg.ingest.bulk
        self.sink = BulkSink(client, self.cfg.index.name, bulk, block_hint=self.block_hint)
        # what earlier writes left (older, longer versions) must be visible to the lookup
        self.sink.call(lambda: client.indices.refresh(index=self.cfg.index.name), "refresh")
        if self.ing.backfill:
            from .backfill import begin_backfill

            self.restore = begin_backfill(client, self.cfg.index.name, self.restore)
            self.maybe_checkpoint(force=True)
        q: queue.Queue[Any] = queue.Queue(maxsize=2)
        pool = ThreadPoolExecutor(max_workers=bulk.max_in_flight, thread_name_prefix="bulk")
        slots = threading.Semaphore(bulk.max_in_flight)
        futures: set[Future[None]] = set()
        enc = threading.Thread(
            target=self._encode_loop,
            args=(q, encoder, pool, slots, futures),
            daemon=True,
            name="encoder",
        )
        progress = Progress(self.ing.progress, self.wm, total_bytes=input_bytes(self.identity))
        self.encoder_thread = enc
        enc.start()
        try:
            self._read_loop(records, q, progress)
        except BaseException as exc:
            self.fatal = self.fatal or exc
        finally:
            self._put(q, _STOP, force=True)
            enc.join()
            pool.shutdown(wait=True)
            self.dl.close()
            self.retried = self.sink.retried
            progress.close()
            done = self.fatal is None
            try:
                if self.restore is not None:  # also after a killed backfill run
                    from .backfill import end_backfill

                    end_backfill(client, self.restore)
                    self.restore = None
                elif done:
                    alias = self.cfg.index.name
                    self.sink.call(lambda: client.indices.refresh(index=alias), "refresh")
            finally:
                self.maybe_checkpoint(force=True, complete=done)
        if self.fatal is not None:
            if isinstance(self.fatal, BabelsearchError | KeyboardInterrupt):
                raise self.fatal
            raise IngestError(
                f"ingest failed: {type(self.fatal).__name__}: {self.fatal}"
            ) from self.fatal
        return self.report(started)

    def _put(self, q: queue.Queue[Any], item: Any, *, force: bool = False) -> None:
        while True:
            if self.fatal is not None and not force:
                raise IngestError("stopping after a fatal error")
            try:
                q.put(item, timeout=0.2)
                return
            except queue.Full:
                enc = self.encoder_thread
                if force and (enc is None or not enc.is_alive()):
                    return

    def _read_loop(self, records: Iterator[RawRecord], q: queue.Queue[Any], progress: Any) -> None:
        size = self.cfg.ingest.encode_batch_size
        buffers: dict[str, list[tuple[DocState, Chunk]]] = {}
        buffered = 0

        def dispatch(item: tuple[DocState, list[Chunk], str]) -> None:
            nonlocal buffered
            st, chunks, lang = item
            buf = buffers.setdefault(lang, [])
            for ch in chunks:
                buf.append((st, ch))
                buffered += 1
                if len(buf) >= size:
                    self._put(q, buf)
                    buffered -= len(buf)
                    buf = buffers[lang] = []
            if buffered >= size * 4:  # many languages, each with a small buffer
                flush()

        def flush() -> None:
            nonlocal buffered
            for key in list(buffers):
                if buffers[key]:
                    self._put(q, buffers[key])
                buffers[key] = []
            buffered = 0

        for rec in records:
            if self.fatal is not None:
                break
            for ready in self.ledger.take_ready():
                dispatch(ready)
            self.wm.register(rec.position)
            progress.tick(rec.end_offset)
            doc = to_document(rec, self.cfg.fields)
            if isinstance(doc, Rejected):
                self.reject(doc, rec.end_offset)
                continue
            lang = self.ing.detect(doc)
            chunks = chunk_document(doc, lang, self.cfg.ingest.chunking)
            too_long = check_chunk_ids(doc.id, len(chunks))
            if too_long:
                rej = Rejected(rec.position, too_long, False, original_record(rec), doc.id)
                self.reject(rej, rec.end_offset)
                continue
            n = len(chunks)
            st = DocState(rec.position, doc.id, original_record(rec), rec.end_offset, n, n)
            if self.ledger.admit(st, (st, chunks, lang)):
                dispatch((st, chunks, lang))
        # records that wait for an earlier one with their id: send what is buffered, wait
        while self.fatal is None and self.ledger.has_waiting:
            flush()
            for ready in self.ledger.take_ready():
                dispatch(ready)
            time.sleep(0.05)
        flush()

    def _encode_loop(
        self,
        q: queue.Queue[Any],
        encoder: Any,
        pool: ThreadPoolExecutor,
        slots: threading.Semaphore,
        futures: set[Future[None]],
    ) -> None:
        bulk = self.cfg.ingest.bulk
        pending: list[tuple[DocState, Action]] = []
        states: dict[tuple[int, str], DocState] = {}
        since = time.monotonic()

        def flush(all_: bool) -> None:
            nonlocal pending
            acts = [a for _s, a in pending]
            batches = list(batch_actions(acts, bulk.max_docs, bulk.max_bytes))
            if not all_ and batches and len(batches[-1]) < bulk.max_docs:
                keep = {(a.doc_key, a.chunk_id) for a in batches.pop()}
            else:
                keep = set()
            for b in batches:
                self._submit(b, states, pool, slots, futures)
            pending = [(s, a) for s, a in pending if (a.doc_key, a.chunk_id) in keep]

        while True:
            try:
                item = q.get(timeout=0.5)
            except queue.Empty:
                if pending and self.fatal is None:
                    try:
                        flush(True)
                    except BaseException as exc:
                        self.fatal = self.fatal or exc
                continue
            if item is _STOP:
                break
            if self.fatal is not None:
                continue
            try:
                if not pending:
                    since = time.monotonic()
                for st, action in self._encode(item, encoder):
                    states[(action.doc_key, action.chunk_id)] = st
                    pending.append((st, action))
                # a slow encoder must not hold acknowledged progress back for long
                flush(time.monotonic() - since >= FLUSH_AFTER)
            except BaseException as exc:
                self.fatal = self.fatal or exc
        if pending and self.fatal is None:
            try:
                flush(True)
            except BaseException as exc:
                self.fatal = self.fatal or exc

    def _encode(
        self, batch: list[tuple[DocState, Chunk]], encoder: Any
    ) -> Iterator[tuple[DocState, Action]]:
        info = encoder.info
        texts = [dense_text(ch) for _st, ch in batch]
        t0 = time.monotonic()
        try:
            out = encoder.encode_documents(texts)
            dense, sparse = out.dense, out.sparse
            if len(dense) != len(texts):
                raise IngestError(f"encoder returned {len(dense)} vectors for {len(texts)} texts")
        except Exception as exc:
            if len(batch) == 1:
                self.encode_seconds += time.monotonic() - t0
                st, ch = batch[0]
                self.chunk_done(st, ch.id, f"encoder_error: {type(exc).__name__}: {exc}"[:500])
                return
            self.encode_seconds += time.monotonic() - t0
            for one in batch:  # isolate the text that breaks the encoder
                yield from self._encode([one], encoder)
            return
        self.encode_seconds += time.monotonic() - t0
        use_sparse = self.cfg.sparse and info.sparse and sparse is not None
        names = self.cfg.field_names
        for i, (st, ch) in enumerate(batch):
            vec = dense[i]
            bad = check_vector(vec, info.dimension)
            if bad:
                self.chunk_done(st, ch.id, bad)
                continue
            sp = clean_sparse(sparse[i]) if use_sparse and sparse is not None else None
            src = build_source(ch, names, self.cfg.languages, vec, sp)
            yield st, encode_action(ch.id, src, st.position)

    def _submit(
        self,
        batch: list[Action],
        states: dict[tuple[int, str], DocState],
        pool: ThreadPoolExecutor,
        slots: threading.Semaphore,
        futures: set[Future[None]],
    ) -> None:
        mine = {(a.doc_key, a.chunk_id): states.pop((a.doc_key, a.chunk_id)) for a in batch}
        while not slots.acquire(timeout=0.2):
            if self.fatal is not None:
                raise IngestError("stopping after a fatal error")

        def send() -> None:
            try:
                if self.fatal is not None:
                    return
                t0 = time.monotonic()
                assert self.sink is not None
                deletes = stale_deletes(self.sink, self.cfg.field_names, batch, mine, self.lock)
                outcomes = self.sink.send(batch + deletes)
                with self.lock:
                    self.index_seconds += time.monotonic() - t0
                for o in outcomes:
                    key = (o.action.doc_key, o.action.chunk_id)
                    self.chunk_done(mine[key], o.action.chunk_id, o.reason)
            except BaseException as exc:
                self.fatal = self.fatal or exc
            finally:
                slots.release()

        fut = pool.submit(send)
        futures.add(fut)
        fut.add_done_callback(futures.discard)
