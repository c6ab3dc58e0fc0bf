"""The hybrid query builder and search API.

A search is a pure :class:`SearchPlan` (:mod:`.plan`) built from the spec (config,
capabilities, encoder info) and a :class:`SearchRequest` (:mod:`.request`), run by one
of two thin drivers (:mod:`.searcher`). Pure builders (:mod:`.lexical`, :mod:`.dense`,
:mod:`.sparse`, :mod:`.filters`, :mod:`.builder`) render request bodies as dicts;
:mod:`.wire` reads and writes the wire format, :mod:`.fusion` fuses and :mod:`.page`
pages and assembles hits, all without I/O.
"""

from __future__ import annotations

from .builder import MODES, Request, SearchSpec, build_request
from .filters import build_filters, parse_filter_args
from .modes import available_modes, resolve_mode
from .page import Hit, SearchResult, hit_title
from .plan import SearchContext, SearchPlan
from .request import SearchOptions, SearchRequest
from .searcher import AsyncSearcher, Searcher
from .weights import DEFAULT_WEIGHTS, FusionWeights

__all__ = [
    "DEFAULT_WEIGHTS",
    "MODES",
    "AsyncSearcher",
    "FusionWeights",
    "Hit",
    "Request",
    "SearchContext",
    "SearchOptions",
    "SearchPlan",
    "SearchRequest",
    "SearchResult",
    "SearchSpec",
    "Searcher",
    "available_modes",
    "build_filters",
    "build_request",
    "hit_title",
    "parse_filter_args",
    "resolve_mode",
]
