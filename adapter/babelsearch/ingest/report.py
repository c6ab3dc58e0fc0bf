"""The final ingest report: counts that always add up to the input."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["IngestReport"]


@dataclass
class IngestReport:
    """Per *document*: ``read == indexed + dead_lettered + skipped``.

    ``chunks_indexed`` counts passages; ``retried`` counts item resends by the sink.
    After ``--resume`` the document counts cover the whole input (they are carried in
    the checkpoint), while ``retried``, the times and ``docs_per_s`` describe this run.
    Times are wall-clock seconds; ``encode_seconds`` and ``index_seconds`` overlap
    with each other (they run concurrently), so they need not add up to ``elapsed``.
    """

    read: int = 0
    indexed: int = 0
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

    @property
    def consistent(self) -> bool:
        return self.read == self.indexed + self.dead_lettered + self.skipped

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
