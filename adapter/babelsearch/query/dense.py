"""The dense (k-NN) sub-query.

Filters go into the ``knn`` clause's own ``filter`` so the engine filters *while*
searching the graph (efficient filtering): a post-filter would first take the k
nearest vectors and then drop the ones of other tenants, returning fewer than k.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..types import FieldNames

__all__ = ["knn_query"]

_DENSE_FIELD = FieldNames(text_fields=()).dense_field


def knn_query(
    vector: Sequence[float],
    k: int,
    *,
    field: str = _DENSE_FIELD,
    filters: Sequence[dict[str, Any]] = (),
    boost: float | None = None,
    ef_search: int | None = None,
) -> dict[str, Any]:
    """``{"knn": {field: {"vector": [...], "k": k, "filter": ...}}}``; ``ef_search``
    (``dense.ef_search``) goes into ``method_parameters`` for this query only."""
    spec: dict[str, Any] = {"vector": list(vector), "k": k}
    if ef_search is not None:
        spec["method_parameters"] = {"ef_search": ef_search}
    if filters:
        spec["filter"] = {"bool": {"filter": list(filters)}}
    if boost is not None:
        spec["boost"] = boost
    return {"knn": {field: spec}}
