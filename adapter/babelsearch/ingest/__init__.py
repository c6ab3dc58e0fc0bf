"""Bulk ingest: read → validate → detect → chunk → encode → bulk, resumable and lossless.

The public entry point is :class:`Ingestor`; the pure pieces (readers, validation,
chunking, actions, the watermark) are importable on their own for tests and tools.
"""

from __future__ import annotations

from .pipeline import Ingestor
from .report import IngestReport

__all__ = ["IngestReport", "Ingestor"]
