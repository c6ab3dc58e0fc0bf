"""What a caller asks for: one search's parameters as one value, checked without I/O.

Why a value object: the parameters used to travel as ten positional arguments through
the sync and async searchers, and every new one had to be threaded through both. A
:class:`SearchRequest` is built once by :meth:`Searcher.search` (or by a caller that
wants a :class:`~babelsearch.query.plan.SearchPlan` of its own), checked by
:meth:`SearchRequest.check` against the config's limits, and read by the planner.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from ..config import SearchConfig
from ..errors import QueryError

__all__ = ["SearchOptions", "SearchRequest", "check_lang"]

_LANG = re.compile(r"^[a-z]{2,3}$")


class SearchOptions(TypedDict, total=False):
    """The keyword options of ``Searcher.search`` and ``AsyncSearcher.search``, typed once
    (defaults and meaning: the fields of :class:`SearchRequest`)."""

    mode: str
    k: int
    filters: Mapping[str, Any] | None
    explain: bool
    page: int
    source_includes: Sequence[str] | None
    highlight: bool


@dataclass(frozen=True)
class SearchRequest:
    """One search as the caller asked for it (before mode resolution and encoding).

    The fields are :meth:`Searcher.search`'s parameters, in its order."""

    text: str
    lang: str | None = None
    """ISO 639-1 code of the query; ``None``: detected from the text."""
    mode: str = "auto"
    k: int = 10
    filters: Mapping[str, Any] | None = None
    """``{field: value}`` as :func:`babelsearch.query.build_filters` takes it."""
    explain: bool = False
    page: int = 1
    source_includes: Sequence[str] | None = None
    """Stored as a tuple, so that equal requests compare equal."""
    highlight: bool = True

    def __post_init__(self) -> None:
        if self.source_includes is not None and not isinstance(self.source_includes, tuple):
            object.__setattr__(self, "source_includes", tuple(self.source_includes))

    def check(self, search: SearchConfig) -> None:
        """A :class:`QueryError` for empty text, a ``k`` or ``page`` out of range, a page
        beyond the candidate window, or a ``source_includes`` entry that is no field."""
        text, k, page = self.text, self.k, self.page
        if not isinstance(text, str) or not text.strip():
            raise QueryError("the query text is empty")
        max_k = search.max_k
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= max_k:
            raise QueryError(f"k must be between 1 and {max_k} (search.max_k), got {k!r}")
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise QueryError(f"page must be 1 or more, got {page!r}")
        window = search.candidates
        if k * page > window:
            raise QueryError(
                f"page {page} of {k} reaches rank {k * page}, beyond the candidate window "
                f"of {window} (search.candidates)"
            )
        for f in self.source_includes or ():
            if not isinstance(f, str) or not f or f.startswith("_"):
                raise QueryError(f"source_includes: {f!r} is not a field name")


def check_lang(lang: str) -> str:
    """``lang`` if it looks like an ISO 639-1 code; it becomes a field suffix, so
    anything else is a :class:`QueryError`."""
    if not _LANG.match(lang):
        raise QueryError(f"lang: {lang!r} is not an ISO 639-1 code like 'en'")
    return lang
