"""``babelsearch ingest --engine ray``: the same ingest, spread over a Ray cluster.

Why Ray Data and not our own scheduler: it already schedules GPU actors, retries lost
tasks, restarts dead actors and streams with backpressure. What we add is the
bookkeeping that makes its retries harmless and its counts exact:

1. **Prepare** (Ray tasks, one per ~``shard_bytes`` of a JSONL file at line
   boundaries, or per block of a caller's dataset): read with the local readers,
   validate, detect, chunk -- :func:`~.run.prepare_record`, the local rule. Each record
   gets an ordinal (``shard << 32 | position in the shard``), input order and the same
   on every retry. The result is materialized in the object store.
2. **Duplicate ids** (driver): the last record of an id wins, as in the local engine.
   The driver scans the ``doc_id``/``order`` columns (one Arrow group-by) and keeps,
   for every id seen more than once, the largest ordinal; the encoders turn the
   others into ``replaced`` before anything is encoded or sent.
3. **Encode** (an actor pool, the encoder loaded once per actor, ``num_gpus`` per
   actor when the encoder runs on a GPU) and **write** (an actor pool of
   ``bulk.max_in_flight`` writers, each with its own client and the local
   :class:`~.sink.BulkSink`: one request in flight per writer, 429s retried with
   backoff, which holds Ray's upstream stages back).
4. **Books** (driver): every record comes back as exactly one final row; the driver
   numbers them in input order and feeds the local :class:`~.books.Books`, which
   counts them and writes the dead letters -- to a temp file renamed into place once,
   so a killed driver or a retried task never leaves half a file.

Delivery: a task Ray retries writes the same chunk ids again (overwrites) with the same
stale-chunk deletes; a killed driver leaves a partial load that a rerun completes
exactly (there is no checkpoint: the rerun redoes the input, idempotently).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import BabelsearchError, IngestError
from .report import IngestReport

if TYPE_CHECKING:  # pragma: no cover
    import ray.data

__all__ = ["RayOptions", "ingest_dataset", "ingest_path", "plan_resources"]

log = logging.getLogger("babelsearch.ingest")


@dataclass(frozen=True)
class RayOptions:
    """How the load is spread. ``None`` sizes a value from the cluster (see
    :func:`plan_resources`)."""

    address: str | None = None
    """``ray.init(address=...)``: ``host:port`` of a running cluster, ``auto``, or
    ``None`` to start a local Ray instance (or use the one this process runs)."""
    encoders: int | None = None
    """Encoder actors (default: one per GPU, else as many as the CPUs hold)."""
    encoder_cpus: float = 1.0
    encoder_gpus: float | None = None
    """GPUs per encoder actor (default: 1 when ``encoder.device`` is ``cuda*``, else 0)."""
    writers: int | None = None
    """Writer actors, each with one bulk request in flight (default ``bulk.max_in_flight``)."""
    writer_cpus: float = 0.25
    prepare_cpus: float = 1.0
    shard_bytes: int = 4 * 2**20
    """JSONL bytes per prepare task."""
    local_cpus: int | None = None
    """CPUs of a local Ray instance started here (default: the machine's)."""


def encoder_gpus(cfg: Config, options: RayOptions) -> float:
    if options.encoder_gpus is not None:
        return options.encoder_gpus
    device = (cfg.encoder.device or "").lower()
    return 1.0 if device.startswith("cuda") else 0.0


def plan_resources(
    cfg: Config, options: RayOptions, cluster: Mapping[str, float]
) -> dict[str, float]:
    """Actor counts and their resources on a cluster with ``cluster`` resources (pure).

    Writers get their small CPU share first; encoders take one GPU each when the
    encoder uses one, otherwise what CPU is left (at least one actor). The prepare
    phase runs before the actor pools exist, so it does not compete with them.
    """
    writers = options.writers or cfg.ingest.bulk.max_in_flight
    gpus = encoder_gpus(cfg, options)
    if options.encoders:
        encoders = options.encoders
    elif gpus > 0:
        encoders = max(1, int(cluster.get("GPU", 0.0) // gpus))
    else:
        spare = float(cluster.get("CPU", 1.0)) - writers * options.writer_cpus
        encoders = max(1, math.floor(spare / options.encoder_cpus + 1e-9))
    return {
        "encoders": encoders,
        "encoder_cpus": options.encoder_cpus,
        "encoder_gpus": gpus,
        "writers": writers,
        "writer_cpus": options.writer_cpus,
    }


# -- the driver ------------------------------------------------------------------------
def ingest_path(
    path: str | os.PathLike[str],
    cfg: Config,
    *,
    options: RayOptions | None = None,
    encoder_factory: Callable[[], Any] | None = None,
    dead_letter: str | os.PathLike[str] | None = None,
    input_format: str | None = None,
    create: bool = False,
    chunking: bool | None = None,
    report_json: str | os.PathLike[str] | None = None,
) -> IngestReport:
    """Index a JSONL/CSV/Parquet file or a directory on Ray; the local engine's report.

    ``encoder_factory`` builds the encoder inside each actor (it must pickle; default:
    the configured encoder). Everything else means what it means for
    :class:`~babelsearch.ingest.Ingestor`.
    """
    from .ray_stages import plan_shards
    from .readers import detect_format

    source = os.fspath(path)
    if source == "-":
        raise IngestError("the ray engine reads files, not stdin; pass a path")
    if not os.path.exists(source):
        raise IngestError(f"input not found: {source}")
    fmt = input_format or detect_format(source)
    opts = options or RayOptions()

    def build(ray: Any, cfg: Config) -> Any:
        shards = plan_shards(source, fmt, opts.shard_bytes)
        items = [{"shard": pickle.dumps(s)} for s in shards]
        return ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            _prepare_shards,
            batch_size=1,
            batch_format="numpy",
            num_cpus=opts.prepare_cpus,
            fn_kwargs={"cfg": cfg},
        )

    return _ingest(
        build, source, cfg, opts, encoder_factory, dead_letter, create, chunking, report_json
    )


def ingest_dataset(
    ds: ray.data.Dataset,
    cfg: Config,
    *,
    options: RayOptions | None = None,
    encoder_factory: Callable[[], Any] | None = None,
    dead_letter: str | os.PathLike[str] | None = None,
    create: bool = False,
    chunking: bool | None = None,
    report_json: str | os.PathLike[str] | None = None,
) -> IngestReport:
    """Index the rows of a Ray dataset (one record per row, the configured fields).

    Input order -- which record of a repeated id wins, and the dead letters'
    ``position`` -- is the dataset's order: it is materialized once with
    ``preserve_order``, and row *j* of block *i* is record ``(i << 32) + j``, so
    retries cannot change it.
    """
    opts = options or RayOptions()

    def build(ray: Any, cfg: Config) -> Any:
        ctx = ray.data.DataContext.get_current()
        keep = ctx.execution_options.preserve_order
        ctx.execution_options.preserve_order = True
        try:  # the dataset's order, fixed once: block i's row j is record (i << 32) + j
            refs = ds.materialize().to_arrow_refs()
        finally:
            ctx.execution_options.preserve_order = keep
        items = [{"block": i} for i in range(len(refs))]
        return ray.data.from_items(items, override_num_blocks=max(1, len(items))).map_batches(
            _prepare_blocks,
            batch_size=1,
            batch_format="numpy",
            num_cpus=opts.prepare_cpus,
            fn_kwargs={"cfg": cfg, "refs": refs},
        )

    return _ingest(
        build, "<dataset>", cfg, opts, encoder_factory, dead_letter, create, chunking, report_json
    )


def _prepare_shards(batch: Mapping[str, Any], cfg: Config) -> Iterator[dict[str, list[Any]]]:
    from .ray_stages import detector, prepare_shards

    shards = [pickle.loads(b) for b in batch["shard"]]
    yield from prepare_shards(shards, cfg, detector(cfg))


def _prepare_blocks(
    batch: Mapping[str, Any], cfg: Config, refs: list[Any]
) -> Iterator[dict[str, list[Any]]]:
    import ray

    from .ray_stages import SHARD_BITS, detector, prepare_records
    from .readers import RawRecord

    def records() -> Iterator[tuple[int, RawRecord]]:
        for block in batch["block"]:
            base = int(block) << SHARD_BITS
            for j, row in enumerate(ray.get(refs[int(block)]).to_pylist()):
                yield base + j, RawRecord(j, row)

    yield from prepare_records(records(), cfg, detector(cfg))


def _ingest(
    build: Callable[[Any, Config], Any],
    source: str,
    cfg: Config,
    opts: RayOptions,
    encoder_factory: Callable[[], Any] | None,
    dead_letter: str | os.PathLike[str] | None,
    create: bool,
    chunking: bool | None,
    report_json: str | os.PathLike[str] | None,
) -> IngestReport:
    from .pipeline import Ingestor, check_writable, write_report

    started = time.monotonic()
    if report_json:
        check_writable(report_json)
    try:
        encoder = encoder_factory() if encoder_factory is not None else None
        ing = Ingestor(cfg, encoder=encoder, create=create, chunking=chunking)
        cfg = ing.cfg
        client, enc, target = ing.target()
        report = _run(
            build,
            source,
            cfg,
            opts,
            encoder_factory,
            client,
            enc.info,
            target,
            Path(dead_letter or cfg.ingest.dead_letter),
            started,
        )
    except BaseException as exc:
        if report_json:
            failed = IngestReport(status="failed")
            failed.error = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
            write_report(report_json, failed)
        raise
    if report_json:
        write_report(report_json, report)
    return report


def _run(
    build: Callable[[Any, Config], Any],
    source: str,
    cfg: Config,
    opts: RayOptions,
    encoder_factory: Callable[[], Any] | None,
    client: Any,
    info: Any,
    target: dict[str, Any],
    dead_letter: Path,
    started: float,
) -> IngestReport:
    from .ray_books import book, collect, duplicate_winners
    from .ray_stages import EncodeStage, WriteStage
    from .run import refresh_alias
    from .sink import BulkSink

    sink = BulkSink(client, cfg.index.name, cfg.ingest.bulk)
    refresh_alias(sink, client, cfg.index.name)  # older chunks visible to the stale lookup
    with _ray_session(opts) as ray:
        plan = plan_resources(cfg, opts, ray.cluster_resources())
        with _ray_errors():
            prepared = build(ray, cfg).materialize()
            # a pool larger than the blocks it gets would idle (and Ray warns about it)
            blocks = prepared.num_blocks() if prepared.count() else 0
            encoders, writers = (max(1, min(int(plan[k]), blocks)) for k in ("encoders", "writers"))
            log.info(
                "ray: %d encoder actor(s) (%.2g CPU, %.2g GPU each), %d writer(s)",
                encoders,
                plan["encoder_cpus"],
                plan["encoder_gpus"],
                writers,
            )
            winners = duplicate_winners(prepared)
            encoded = prepared.map_batches(
                EncodeStage,
                batch_size=cfg.ingest.encode_batch_size,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=encoders),
                num_cpus=plan["encoder_cpus"],
                num_gpus=plan["encoder_gpus"] or None,
                fn_constructor_kwargs={
                    "cfg": cfg,
                    "winners": winners,
                    "encoder_factory": encoder_factory,
                },
            )
            written = encoded.map_batches(
                WriteStage,
                batch_size=cfg.ingest.bulk.max_docs,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=writers),
                num_cpus=plan["writer_cpus"],
                fn_constructor_kwargs={"cfg": cfg},
            )
            finals, stats = collect(written) if blocks else ([], {})
    refresh_alias(sink, client, cfg.index.name)
    return book(finals, stats, source, target, dead_letter, started)


# -- Ray itself ------------------------------------------------------------------------
@contextlib.contextmanager
def _ray_session(opts: RayOptions) -> Iterator[Any]:
    """Connect to (or start) Ray; leave a session this process already had alone."""
    try:
        import ray
    except ImportError as exc:
        raise IngestError(
            f"the ray engine needs Ray ({exc.name} is missing): pip install 'babelsearch[ray]'"
        ) from None
    ours = not ray.is_initialized()
    if ours:
        # worker logs reach this stderr: the writers announce their retry waits there
        kwargs: dict[str, Any] = {"log_to_driver": True, "configure_logging": False}
        try:
            if opts.address:
                ray.init(address=opts.address, **kwargs)
            else:
                ray.init(num_cpus=opts.local_cpus, include_dashboard=False, **kwargs)
        except Exception as exc:
            where = opts.address or "a local instance"
            raise IngestError(f"cannot reach Ray at {where}: {exc}") from None
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield ray
    finally:
        if ours:
            ray.shutdown()


@contextlib.contextmanager
def _ray_errors() -> Iterator[None]:
    """A stage's own error (the cluster refused writes, say) comes out as itself, not
    wrapped in Ray's task-error types; anything else is an :class:`IngestError`."""
    try:
        yield
    except BabelsearchError:
        raise
    except Exception as exc:
        seen: set[int] = set()
        cur: BaseException | None = exc
        while cur is not None and id(cur) not in seen:
            seen.add(id(cur))
            if isinstance(cur, BabelsearchError):
                raise replace_traceback(cur) from None
            cur = getattr(cur, "cause", None) or cur.__cause__
        raise IngestError(f"ray ingest failed: {type(exc).__name__}: {exc}"[:2000]) from exc


def replace_traceback(exc: BabelsearchError) -> BabelsearchError:
    """A fresh instance of the stage's error (Ray's wrapper types subclass it)."""
    try:
        return type(exc)(*exc.args)
    except Exception:  # pragma: no cover - an error type with an odd constructor
        return IngestError(str(exc))
