"""The ingestor: read → validate → detect → chunk → encode → bulk, overlapped.

Threads and bounded queues keep memory flat and both expensive stages busy:

* the calling thread reads, validates, detects the language and chunks, and hands
  per-language batches to a queue of at most two batches;
* one encoder thread encodes a batch, checks every vector, serializes actions and
  groups them into count- and byte-bounded bulk requests;
* at most ``max_in_flight`` sender threads run :class:`BulkSink` requests (a semaphore
  blocks the encoder when the cluster is slow, which in turn blocks the reader).

Each document is finished exactly once (indexed, dead-lettered or skipped) and that
is reported to the :class:`Watermark`, which drives checkpoints and the final counts.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ..config import Config
from ..errors import IngestError
from ..types import Document
from .books import Books, RunPlan
from .checkpoint import (
    Checkpoint,
    atomic_write,
    check_resumable,
    file_identity,
    load_checkpoint,
    resolve_target,
)
from .progress import input_bytes
from .readers import Format, RawRecord, detect_format, read_path
from .report import IngestReport
from .run import Run, RunContext

__all__ = ["Ingestor", "check_writable", "write_failed_report", "write_report"]

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import OpenSearch

    from ..encoders.base import Encoder
    from ..lang.base import Detector

log = logging.getLogger("babelsearch.ingest")


class Ingestor:
    """Bulk-load records into ``cfg.index.name`` (the alias). See :meth:`run`.

    ``client`` should be built with ``cluster.connect(cfg, retries=False)`` (the default
    when omitted): the sink is the one retry layer for bulk writes. ``encoder`` and
    ``detector`` default to the configured ones; tests and services inject their own.
    ``dead_letter`` / ``checkpoint`` override the config paths; ``create`` applies the
    mapping when the alias is missing; ``progress`` ``None`` means "a bar on a TTY";
    ``chunking`` overrides ``ingest.chunking.enabled``.
    """

    def __init__(
        self,
        cfg: Config,
        *,
        client: OpenSearch | None = None,
        encoder: Encoder | None = None,
        detector: Detector | None = None,
        dead_letter: str | os.PathLike[str] | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        input_format: Format | None = None,
        backfill: bool = False,
        create: bool = False,
        progress: bool | None = None,
        chunking: bool | None = None,
    ) -> None:
        if chunking is not None:  # e.g. --no-chunking: one passage per document
            ch = dataclasses.replace(cfg.ingest.chunking, enabled=chunking)
            cfg = dataclasses.replace(cfg, ingest=dataclasses.replace(cfg.ingest, chunking=ch))
        self.cfg = cfg
        self._client = client
        self._encoder = encoder
        self._detector = detector
        self.dead_letter_path = str(dead_letter or cfg.ingest.dead_letter)
        self._checkpoint_arg = checkpoint
        self.input_format = input_format
        self.backfill = backfill
        self.create = create
        self.progress = progress

    # -- setup ---------------------------------------------------------------------------
    def _connect(self) -> Any:
        if self._client is None:
            from ..cluster import connect

            self._client = connect(self.cfg.cluster, retries=False)
        return self._client

    def _encoder_obj(self) -> Any:
        if self._encoder is None:
            from ..encoders import get_encoder

            self._encoder = get_encoder(self.cfg.encoder)
        return self._encoder

    def _ensure_alias(self, client: Any) -> None:
        from ..cluster import cluster_errors

        alias = self.cfg.index.name
        with cluster_errors():
            exists = bool(client.indices.exists_alias(name=alias))
        if exists:
            return
        if not self.create:
            src = self.cfg.source_path or "…"
            raise IngestError(
                f"the alias {alias!r} does not exist; run "
                f"`babelsearch mappings apply --config {src}` first (or pass --create)"
            )
        from ..admin import apply  # the mappings engineer's create-or-update

        result = apply(self.cfg, client=client, info=self._encoder_obj().info)
        log.info("created %s behind the alias %s", result.index, alias)

    def _check_fingerprint(self, client: Any, info: Any) -> None:
        """The index must be the one this config writes for: the same encoder, and the
        same stored vector layout (``dense.dimensions``, ``dense.data_type``) -- else
        every record would be refused by the cluster and end as a dead letter."""
        from ..cluster import cluster_errors
        from ..schema import index_meta
        from ..schema.fields import vector_layout
        from ..vectors import vector_form

        with cluster_errors():
            resp = client.indices.get_mapping(index=self.cfg.index.name)
        form = vector_form(info, self.cfg.dense)
        dense = self.cfg.field_names.dense_field
        for index, body in resp.items():
            stored = index_meta(body).get("encoder")
            if stored and stored != info.fingerprint:
                raise IngestError(
                    f"index {index} was built for encoder {stored}, but the configured encoder "
                    f"is {info.fingerprint}; migrate the mapping or fix encoder: in the config"
                )
            live = ((body.get("mappings") or {}).get("properties") or {}).get(dense)
            if live is None:
                continue
            have = vector_layout(live)
            if have != (form.dimension, form.data_type):
                raise IngestError(
                    f"index {index} stores {have[0]}-dimensional {have[1]} vectors, but the "
                    f"config gives {form.dimension}-dimensional {form.data_type} ones "
                    "(dense.dimensions, dense.data_type); run babelsearch mappings migrate, "
                    "or set the dense options back"
                )

    # -- sources -------------------------------------------------------------------------
    def _records(
        self, source: Iterable[Mapping[str, Any]] | str | os.PathLike[str], cp: Checkpoint | None
    ) -> Iterator[RawRecord]:
        if isinstance(source, str | os.PathLike):
            path = os.fspath(source)
            fmt = self.input_format or detect_format(path)
            start = cp.watermark + 1 if cp else 0
            offset = cp.offset if cp and fmt == "jsonl" else 0
            yield from read_path(
                path,
                fmt,
                text_fields=self.cfg.fields.text,
                id_field=self.cfg.fields.id,
                start_position=start,
                start_offset=offset,
            )
            return
        for i, rec in enumerate(source):
            if isinstance(rec, Mapping):
                yield RawRecord(i, rec)
            else:
                yield RawRecord(i, None, f"not_an_object: got {type(rec).__name__}", raw=str(rec))

    def _checkpoint_path(self, source: Any) -> Path | None:
        if not isinstance(source, str | os.PathLike) or os.fspath(source) == "-":
            return None
        explicit = self._checkpoint_arg or self.cfg.ingest.checkpoint
        return Path(explicit or f"{os.fspath(source)}.babelsearch-checkpoint.json")

    # -- run -----------------------------------------------------------------------------
    def run(
        self,
        records: Iterable[Mapping[str, Any]] | str | os.PathLike[str],
        resume: bool = False,
        report_json: str | os.PathLike[str] | None = None,
    ) -> IngestReport:
        """Index ``records`` (mappings, or a path: JSONL/CSV/Parquet/dir, ``-`` = stdin).

        Raises a :class:`BabelsearchError` only for fatal problems; bad records are
        dead-lettered and counted. With ``resume=True`` the run continues after the
        checkpoint's watermark and the report covers the whole input. ``report_json``
        is written on every exit: a fatal error (or Ctrl-C) writes ``status: failed``,
        the error and the counts committed so far.
        """
        started = time.monotonic()
        run: Run | None = None
        if report_json:
            check_writable(report_json)
        try:
            run = self._prepare(records, resume)
            report = run.go(self._records(records, run.books.plan.checkpoint), started)
        except BaseException as exc:
            if report_json:
                failed = run.books.report(started) if run is not None else IngestReport()
                failed.status = "failed"
                failed.error = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
                write_report(report_json, failed)
            raise
        log.info(
            "done: read %d, indexed %d (%d chunks), replaced %d, dead-lettered %d, skipped %d, "
            "%.0f docs/s",
            report.read,
            report.indexed,
            report.chunks_indexed,
            report.replaced,
            report.dead_lettered,
            report.skipped,
            report.docs_per_s,
        )
        if report_json:
            write_report(report_json, report)
        return report

    def _total_bytes(self, path: str | None, identity: dict[str, Any] | None) -> int | None:
        if path is None or path == "-" or identity is None:
            return None
        if (self.input_format or detect_format(path)) != "jsonl":
            return None
        return input_bytes(identity)

    def target(self) -> tuple[Any, Any, dict[str, Any]]:
        """Connect, check (or ``create``) the alias and the encoder fingerprint, and resolve
        where the records go: ``(client, encoder, target)``. One home for these checks:
        the Ray engine's driver calls it too."""
        client = self._connect()
        self._ensure_alias(client)
        encoder = self._encoder_obj()
        self._check_fingerprint(client, encoder.info)
        return client, encoder, resolve_target(client, self.cfg.index.name, encoder.info)

    def _prepare(self, records: Any, resume: bool) -> Run:
        """Connect, resolve the target, load and check the checkpoint: a ready :class:`Run`."""
        path = os.fspath(records) if isinstance(records, str | os.PathLike) else None
        if path is not None and path != "-" and not os.path.exists(path):
            raise IngestError(f"input not found: {path}")
        cp_path = self._checkpoint_path(records)
        identity = file_identity(path) if cp_path and path else None
        if resume and cp_path is None:
            raise IngestError("--resume needs a file or directory input (not stdin or a list)")
        client, encoder, target = self.target()
        cp = load_checkpoint(cp_path) if resume and cp_path is not None else None
        if cp is not None and cp_path is not None:
            check_resumable(cp, cp_path, identity, target)
        source = path if path is not None else "<records>"
        plan = RunPlan(
            source=source,
            identity=identity or {"path": source},
            target=target,
            checkpoint_path=cp_path,
            checkpoint=cp,
            dead_letter_path=self.dead_letter_path,
            total_bytes=self._total_bytes(path, identity),
        )
        ctx = RunContext(
            self.cfg,
            client,
            encoder,
            self.detect,
            backfill=self.backfill,
            progress=self.progress,
            block_hint=_block_hint(client),
        )
        return Run(ctx, Books(plan))

    def detect(self, doc: Document) -> str:
        """Explicit ``lang`` wins; otherwise the detector (below min confidence → fallback)."""
        from ..lang import get_detector, resolve_language

        dcfg = self.cfg.ingest.detection
        text = "\n".join(doc.fields.values())
        if doc.lang:
            return str(resolve_language(text, doc.lang, None, dcfg))
        if self._detector is None:
            self._detector = get_detector(dcfg)
        return str(resolve_language(text, None, self._detector, dcfg))


def write_report(path: str | os.PathLike[str], report: IngestReport) -> None:
    atomic_write(path, orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2))


def write_failed_report(path: str | os.PathLike[str], exc: BaseException) -> None:
    """The report of a run that could not start (a bad config, say): ``status: failed``."""
    check_writable(path)
    write_report(path, IngestReport(status="failed", error=str(exc)))


def check_writable(path: str | os.PathLike[str]) -> None:
    """Create the report's folder, and fail before the load, not after it, if the report
    could not be written there."""
    folder = Path(path).resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IngestError(f"cannot write the report to {path}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK):
        raise IngestError(f"cannot write the report to {path}: {folder} is not writable")


def _block_hint(client: Any) -> Any:
    """Which migration holds a write block on the alias, if one does (advice only)."""
    try:
        from ..indices.migrate import migration_holder
    except ImportError:  # pragma: no cover - an indices package without the lock reader
        return None

    def hint(alias: str) -> str | None:
        try:
            holder = migration_holder(client, alias)
        except Exception:  # advice only: never hide the real error
            return None
        if holder is None:
            return None
        return (
            f"a migration of {alias!r} holds the write block ({holder}); wait for it to "
            "finish, or if it crashed, run `babelsearch mappings migrate --break-lock`"
        )

    return hint
