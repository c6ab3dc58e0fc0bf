"""The hybrid query builder and search API.

Pure builders (:mod:`.lexical`, :mod:`.dense`, :mod:`.sparse`, :mod:`.filters`,
:mod:`.builder`) render request bodies as dicts; :mod:`.fusion` and :mod:`.results`
fuse and page results without I/O; :mod:`.searcher` is the thin sync/async I/O.
"""

from __future__ import annotations

from .builder import MODES, Request, SearchSpec, build_request
from .filters import build_filters
from .modes import available_modes, resolve_mode
from .results import Hit, SearchResult
from .searcher import AsyncSearcher, Searcher
from .weights import DEFAULT_WEIGHTS, FusionWeights

__all__ = [
    "DEFAULT_WEIGHTS",
    "MODES",
    "AsyncSearcher",
    "FusionWeights",
    "Hit",
    "Request",
    "SearchResult",
    "SearchSpec",
    "Searcher",
    "available_modes",
    "build_filters",
    "build_request",
    "resolve_mode",
]
