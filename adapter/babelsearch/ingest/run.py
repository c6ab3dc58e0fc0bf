"""One ingest run: the three stages (read, encode, send) as threads over bounded queues.

The stages move records along; what each record ends as is decided by the run's
:class:`~babelsearch.ingest.books.Books`. A run gets everything it needs in a
:class:`RunContext` (no reference back to the :class:`~babelsearch.ingest.Ingestor`),
so an Ingestor can be reused for many runs, each with fresh state. See
:mod:`babelsearch.ingest.pipeline` for the thread layout.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..errors import BabelsearchError, IngestError
from ..types import Chunk, Document
from ..vectors import vector_form
from .actions import (
    Action,
    batch_actions,
    build_source,
    clean_sparse,
    dense_text,
    encode_action,
    prepare_vector,
)
from .books import Books
from .chunking import chunk_document
from .ledger import DocState
from .readers import RawRecord
from .report import IngestReport
from .sink import BulkSink
from .stale import stale_deletes
from .validate import Rejected, check_chunk_ids, original_record, to_document

__all__ = ["Run", "RunContext", "encode_chunks", "prepare_record", "refresh_alias"]

log = logging.getLogger("babelsearch.ingest")
_STOP = object()
FLUSH_AFTER = 2.0
"""Seconds a partial bulk request may wait for more actions before it is sent anyway."""


def prepare_record(
    rec: RawRecord, cfg: Config, detect: Callable[[Document], str]
) -> Rejected | tuple[Document, str, list[Chunk]]:
    """One record read → validated, language detected, chunked (or why not).

    Pure but for ``detect``; shared by the local reader loop and the Ray engine's
    prepare tasks, so both engines accept and reject exactly the same records.
    """
    doc = to_document(rec, cfg.fields)
    if isinstance(doc, Rejected):
        return doc
    lang = detect(doc)
    chunks = chunk_document(doc, lang, cfg.ingest.chunking)
    too_long = check_chunk_ids(doc.id, len(chunks))
    if too_long:
        return Rejected(rec.position, too_long, False, original_record(rec), doc.id)
    return doc, lang, chunks


def refresh_alias(sink: BulkSink, client: Any, alias: str) -> None:
    """Refresh the alias under the sink's retry policy; a role allowed to write but not
    to refresh still loads (its writes become visible at the index's refresh interval)."""
    from ..errors import ClusterAuthError

    try:
        sink.call(lambda: client.indices.refresh(index=alias), "refresh")
    except ClusterAuthError as exc:
        log.info("not refreshing %s: %s", alias, exc)


def encode_chunks(
    cfg: Config, encoder: Any, chunks: list[Chunk], keys: list[int]
) -> tuple[list[Action | str], float]:
    """Encode ``chunks`` and serialize their index actions: per chunk an :class:`Action`
    (``doc_key`` from ``keys``) or the dead-letter reason; and the seconds spent encoding.

    A batch the encoder refuses is split down to single texts, so one text that breaks
    the model fails alone. Shared by the local encoder thread and the Ray encoder actors.
    """
    info = encoder.info
    texts = [dense_text(ch) for ch in chunks]
    t0 = time.monotonic()
    try:
        out = encoder.encode_documents(texts)
        dense, sparse = out.dense, out.sparse
        if len(dense) != len(texts):
            raise IngestError(f"encoder returned {len(dense)} vectors for {len(texts)} texts")
    except Exception as exc:
        seconds = time.monotonic() - t0
        if len(chunks) == 1:
            return [f"encoder_error: {type(exc).__name__}: {exc}"[:500]], seconds
        results: list[Action | str] = []
        for ch, key in zip(chunks, keys, strict=True):  # isolate the text that breaks it
            one, secs = encode_chunks(cfg, encoder, [ch], [key])
            results.extend(one)
            seconds += secs
        return results, seconds
    seconds = time.monotonic() - t0
    use_sparse = cfg.use_sparse(info) and sparse is not None
    names = cfg.field_names
    form = vector_form(info, cfg.dense)
    results = []
    for i, (ch, key) in enumerate(zip(chunks, keys, strict=True)):
        vec, bad = prepare_vector(dense[i], form)
        if bad:
            results.append(bad)
            continue
        sp = clean_sparse(sparse[i]) if use_sparse and sparse is not None else None
        src = build_source(ch, names, cfg.languages, vec, sp)
        results.append(encode_action(ch.id, src, key))
    return results, seconds


@dataclass(frozen=True)
class RunContext:
    """What the stages use: configuration, cluster, encoder and the run's options."""

    cfg: Config
    client: Any
    encoder: Any
    detect: Callable[[Document], str]
    backfill: bool = False
    progress: bool | None = None
    block_hint: Callable[[str], str | None] | None = None


class Run:
    """One run's threads; ``books`` holds its state, ``ctx`` what it works with."""

    def __init__(self, ctx: RunContext, books: Books) -> None:
        self.ctx = ctx
        self.cfg = ctx.cfg
        self.books = books
        self.fatal: BaseException | None = None
        self.sink: BulkSink | None = None
        self.encoder_thread: threading.Thread | None = None

    # -- stages --------------------------------------------------------------------------
    def go(self, records: Iterator[RawRecord], started: float) -> IngestReport:
        """Run the stages, or report at once when the checkpoint says the input is done."""
        try:
            if self.books.plan.complete:
                path = self.books.cp_path
                log.info("checkpoint %s says this input is already complete", path)
                return self.books.report(started)
            return self.execute(self.ctx.client, self.ctx.encoder, records, started)
        finally:
            self.books.close()

    def execute(
        self, client: Any, encoder: Any, records: Iterator[RawRecord], started: float
    ) -> IngestReport:
        from .progress import Progress

        bulk = self.cfg.ingest.bulk
        books = self.books
        self.sink = books.sink = BulkSink(
            client, self.cfg.index.name, bulk, block_hint=self.ctx.block_hint
        )
        # what earlier writes left (older, longer versions) must be visible to the lookup
        self._refresh(client)
        if self.ctx.backfill:
            from .backfill import begin_backfill

            books.restore = begin_backfill(client, self.cfg.index.name, books.restore)
            books.maybe_checkpoint(force=True)
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
        progress = Progress(self.ctx.progress, books.wm, total_bytes=books.plan.total_bytes)
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
            books.dl.close()
            books.retried = self.sink.retried
            progress.close()
            done = self.fatal is None
            try:
                if books.restore is not None:  # also after a killed backfill run
                    from .backfill import end_backfill

                    end_backfill(client, books.restore)
                    books.restore = None
                elif done:
                    self._refresh(client)
            finally:
                books.maybe_checkpoint(force=True, complete=done)
        if self.fatal is not None:
            if isinstance(self.fatal, BabelsearchError | KeyboardInterrupt):
                raise self.fatal
            raise IngestError(
                f"ingest failed: {type(self.fatal).__name__}: {self.fatal}"
            ) from self.fatal
        return books.report(started)

    def _refresh(self, client: Any) -> None:
        assert self.sink is not None
        refresh_alias(self.sink, client, self.cfg.index.name)

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
            for ready in self.books.ledger.take_ready():
                dispatch(ready)
            self.books.wm.register(rec.position)
            progress.tick(rec.end_offset)
            prepared = prepare_record(rec, self.cfg, self.ctx.detect)
            if isinstance(prepared, Rejected):
                self.books.reject(prepared, rec.end_offset)
                continue
            doc, lang, chunks = prepared
            n = len(chunks)
            st = DocState(rec.position, doc.id, original_record(rec), rec.end_offset, n, n)
            now, superseded = self.books.ledger.admit(st, (st, chunks, lang))
            if superseded is not None:
                self.books.superseded(superseded)
            if now:
                dispatch((st, chunks, lang))
        # records that wait for an earlier one with their id: send what is buffered, wait
        while self.fatal is None and self.books.ledger.has_waiting:
            flush()
            for ready in self.books.ledger.take_ready():
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
        keys = [st.position for st, _ch in batch]
        results, seconds = encode_chunks(self.cfg, encoder, [ch for _st, ch in batch], keys)
        self.books.encode_seconds += seconds
        for (st, ch), result in zip(batch, results, strict=True):
            if isinstance(result, str):
                self.books.chunk_done(st, ch.id, result)
            else:
                yield st, result

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
                deletes = stale_deletes(
                    self.sink, self.cfg.field_names, batch, mine, self.books.lock
                )
                outcomes = self.sink.send(batch + deletes)
                with self.books.lock:
                    self.books.index_seconds += time.monotonic() - t0
                for o in outcomes:
                    key = (o.action.doc_key, o.action.chunk_id)
                    self.books.chunk_done(mine[key], o.action.chunk_id, o.reason)
            except BaseException as exc:
                self.fatal = self.fatal or exc
            finally:
                slots.release()

        fut = pool.submit(send)
        futures.add(fut)
        fut.add_done_callback(futures.discard)
