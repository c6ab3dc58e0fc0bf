"""Moved: the wire format to :mod:`.wire`, paging and hits to :mod:`.page`, fusion
dispatch and the explain replay to :mod:`.plan`.

Kept as re-exports so existing imports keep working (``benchmarks/query.py`` imports
``msearch_body`` from here); new code imports from the modules above.
"""

from __future__ import annotations

from .page import Hit, SearchResult, hits_of, page_of
from .plan import explain_server, fuse
from .wire import check_msearch, collect, msearch_body

__all__ = [
    "Hit",
    "SearchResult",
    "check_msearch",
    "collect",
    "explain_server",
    "fuse",
    "hits_of",
    "msearch_body",
    "page_of",
]
