"""The dense (k-NN) sub-query.

Filters go into the ``knn`` clause's own ``filter`` so the engine filters *while*
searching the graph (efficient filtering): a post-filter would first take the k
nearest vectors and then drop the ones of other tenants, returning fewer than k.

The query vector goes through the index's :class:`~babelsearch.vectors.VectorForm`
here, the one place every mode builds its ``knn`` clause: a truncated, byte or binary
field is asked with a vector of its own shape, converted exactly as ingest converted
the documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..types import FieldNames
from ..vectors import VectorForm

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
    form: VectorForm | None = None,
) -> dict[str, Any]:
    """``{"knn": {field: {"vector": [...], "k": k, "filter": ...}}}``; ``ef_search``
    (``dense.ef_search``) goes into ``method_parameters`` for this query only; ``form``
    (``None``: the encoder's vector as it is) converts the encoder's query vector."""
    values = list(vector) if form is None or form.identity else form.query_vector(vector)
    spec: dict[str, Any] = {"vector": values, "k": k}
    if ef_search is not None:
        spec["method_parameters"] = {"ef_search": ef_search}
    if filters:
        spec["filter"] = {"bool": {"filter": list(filters)}}
    if boost is not None:
        spec["boost"] = boost
    return {"knn": {field: spec}}
