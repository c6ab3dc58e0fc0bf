"""Metadata filters rendered as ``term`` / ``terms`` / ``range`` clauses.

Why a whitelist: a filter names a field, and a field name is part of the query's
structure, not data. Only fields declared in the config (``fields.metadata``, plus the
built-in ``lang`` and ``doc_id``) may be filtered on; anything else is a
:class:`~babelsearch.errors.QueryError`, so a caller can never smuggle a path, a
wildcard or a script into the request. User values only ever appear as the *value*
of a term/terms/range clause.

When ``fields.tenant`` is configured, the tenant filter is mandatory: a query without
it is refused rather than silently searching every tenant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..config import Config
from ..errors import QueryError

__all__ = ["BUILTIN_FILTER_FIELDS", "FilterValue", "build_filters", "filter_fields"]

BUILTIN_FILTER_FIELDS = ("doc_id", "lang")
_RANGE_OPS = frozenset({"gt", "gte", "lt", "lte"})
_Scalar = str | int | float | bool
FilterValue = _Scalar | Sequence[_Scalar] | Mapping[str, _Scalar]


def filter_fields(cfg: Config) -> frozenset[str]:
    """The field names a filter may use for this config."""
    return frozenset((*cfg.fields.metadata, *BUILTIN_FILTER_FIELDS))


def _scalar(field: str, value: Any) -> _Scalar:
    if isinstance(value, str | bool | int | float):
        return value
    raise QueryError(
        f"filter {field!r}: values must be strings, numbers or booleans, not {type(value).__name__}"
    )


def _clause(field: str, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        ops = set(value)
        if not ops or not ops <= _RANGE_OPS:
            got = sorted(map(str, ops))
            raise QueryError(f"filter {field!r}: a range takes only gt, gte, lt, lte (got {got})")
        return {"range": {field: {op: _scalar(field, value[op]) for op in sorted(ops)}}}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_scalar(field, v) for v in value]
        if not items:
            raise QueryError(f"filter {field!r}: an empty list matches nothing")
        return {"terms": {field: items}}
    return {"term": {field: _scalar(field, value)}}


def build_filters(cfg: Config, filters: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Render ``{field: value}`` into filter clauses, in field order (deterministic bodies).

    A scalar is a ``term``, a list a ``terms``, a mapping of ``gt/gte/lt/lte`` a ``range``.
    """
    filters = dict(filters or {})
    allowed = filter_fields(cfg)
    for name in filters:
        if not isinstance(name, str) or name not in allowed:
            known = ", ".join(sorted(allowed))
            raise QueryError(f"cannot filter on {name!r}: not a configured field (known: {known})")
    tenant = cfg.fields.tenant
    if tenant is not None:
        if tenant not in filters:
            raise QueryError(f"a filter on the tenant field {tenant!r} is required")
        if isinstance(filters[tenant], Mapping | list | tuple | set | frozenset):
            raise QueryError(f"the tenant filter {tenant!r} must be a single value")
    return [_clause(name, filters[name]) for name in sorted(filters)]
