"""The ingest report: counts that always add up to the input, on success and on failure."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["IngestReport"]


@dataclass
class IngestReport:
    """Per *record*: ``read == indexed + replaced + dead_lettered + skipped``.

    ``indexed`` is the number of distinct documents this input wrote; ``replaced``
    counts records superseded by a later record with the same id (the last one wins).
    ``chunks_indexed`` counts the passages those documents have in the index;
    ``retried`` counts the sink's resends (bulk items, and retried lookups or
    refreshes). After ``--resume`` the record counts
    cover the whole input (they are carried in the checkpoint), while ``retried``, the
    times and ``docs_per_s`` describe this run. ``encode_seconds`` and
    ``index_seconds`` overlap (the stages run concurrently).

    ``status`` is ``"ok"`` or ``"failed"``; a failed run's report (``--report-json`` is
    written on every exit) carries the ``error`` and the counts committed so far, which
    a ``--resume`` continues from.
    """

    read: int = 0
    indexed: int = 0
    replaced: int = 0
    chunks_indexed: int = 0
    dead_lettered: int = 0
    skipped: int = 0
    retried: int = 0
    docs_per_s: float = 0.0
    encode_seconds: float = 0.0
    index_seconds: float = 0.0
    elapsed: float = 0.0
    resumed_from: int | None = None
    dead_letter_path: str | None = None
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)
    status: str = "ok"
    error: str | None = None

    @property
    def consistent(self) -> bool:
        return self.read == self.indexed + self.replaced + self.dead_lettered + self.skipped

    @property
    def exit_code(self) -> int:
        """0: everything indexed or skipped; 2: some records were dead-lettered."""
        return 2 if self.dead_lettered else 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["docs_per_s"] = round(self.docs_per_s, 1)
        for k in ("encode_seconds", "index_seconds", "elapsed"):
            d[k] = round(d[k], 3)
        return d
