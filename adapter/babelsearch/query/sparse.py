"""The sparse sub-query, from the encoder's query-side token weights.

``neural_sparse`` with ``query_tokens`` (neural-search plugin) scores a
``rank_features`` field with the given weights in one clause. Without the plugin we
fall back to one ``rank_feature`` clause per token; since that puts the token into a
field path (``sparse.<token>``), tokens that could change the path (dots, leading
underscores, whitespace, wildcards) are dropped there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..types import FieldNames

__all__ = ["neural_sparse_query", "rank_feature_query", "safe_feature_token"]

_SPARSE_FIELD = FieldNames(text_fields=()).sparse_field

_SAFE = re.compile(r"^[^\s._*?\\/\"'][^\s.*?\\/\"']{0,99}$")


def safe_feature_token(token: str) -> bool:
    """Whether a token may be used as a ``rank_features`` sub-path."""
    return bool(_SAFE.match(token))


def _top(tokens: Mapping[str, float], limit: int) -> list[tuple[str, float]]:
    items = [(t, float(w)) for t, w in tokens.items() if w > 0]
    items.sort(key=lambda tw: (-tw[1], tw[0]))
    return items[:limit]


def _wrap(query: dict[str, Any], filters: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not filters:
        return query
    return {"bool": {"must": [query], "filter": list(filters)}}


def neural_sparse_query(
    tokens: Mapping[str, float],
    *,
    field: str = _SPARSE_FIELD,
    filters: Sequence[dict[str, Any]] = (),
    max_tokens: int = 256,
) -> dict[str, Any]:
    """``neural_sparse`` over ``field`` with explicit query tokens (no model on the cluster)."""
    qt = dict(_top(tokens, max_tokens))
    return _wrap({"neural_sparse": {field: {"query_tokens": qt}}}, filters)


def rank_feature_query(
    tokens: Mapping[str, float],
    *,
    field: str = _SPARSE_FIELD,
    filters: Sequence[dict[str, Any]] = (),
    max_tokens: int = 64,
) -> dict[str, Any]:
    """``bool.should`` of ``rank_feature`` (linear, weight as boost) per safe token."""
    safe = [(t, w) for t, w in _top(tokens, 10 * max_tokens) if safe_feature_token(t)]
    should = [
        {"rank_feature": {"field": f"{field}.{t}", "linear": {}, "boost": w}}
        for t, w in safe[:max_tokens]
    ]
    q: dict[str, Any] = {"bool": {"should": should, "minimum_should_match": 1}}
    if filters:
        q["bool"]["filter"] = list(filters)
    return q
