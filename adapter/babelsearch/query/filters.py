"""Metadata filters rendered as ``term`` / ``terms`` / ``range`` clauses.

Why a whitelist: a filter names a field, and a field name is part of the query's
structure, not data. Only fields declared in the config (``fields.metadata``, plus the
built-in ``lang`` and ``doc_id``) may be filtered on; anything else is a
:class:`~babelsearch.errors.QueryError`, so a caller can never smuggle a path, a
wildcard or a script into the request. User values only ever appear as the *value*
of a term/terms/range clause.

When ``fields.tenant`` is configured, the tenant filter is mandatory: a query without
it is refused rather than silently searching every tenant.

:func:`parse_filter_args` reads the command line's ``field=value`` / ``field>=value``
strings into the same mapping, typed by the configured metadata types -- in the
library, so every front end parses filters alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..config import Config
from ..config_checks import FLOAT_TYPES, INTEGER_TYPES
from ..errors import QueryError
from ..types import FieldNames

__all__ = [
    "BUILTIN_FILTER_FIELDS",
    "FilterValue",
    "build_filters",
    "filter_fields",
    "parse_filter_args",
]

_DEFAULT_NAMES = FieldNames(text_fields=())
BUILTIN_FILTER_FIELDS = (_DEFAULT_NAMES.id_field, _DEFAULT_NAMES.lang_field)
"""The layout's keyword fields every index has, besides ``fields.metadata``."""
_RANGE_OPS = frozenset({"gt", "gte", "lt", "lte"})
_Scalar = str | int | float | bool
FilterValue = _Scalar | Sequence[_Scalar] | Mapping[str, _Scalar]


def filter_fields(cfg: Config) -> frozenset[str]:
    """The field names a filter may use for this config."""
    names = cfg.field_names
    return frozenset((*cfg.fields.metadata, names.id_field, names.lang_field))


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


_ARG = re.compile(r"^([A-Za-z0-9_\-]+)\s*(>=|<=|=|>|<)\s*(.*)$")
_RANGE = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}


def _typed(value: str, es_type: str | None) -> Any:
    """A filter string converted by the field's mapping type (strings stay strings)."""
    try:
        if es_type in INTEGER_TYPES:
            return int(value)
        if es_type in FLOAT_TYPES:
            return float(value)
    except ValueError:
        raise QueryError(f"filter value {value!r} is not a {es_type}") from None
    if es_type == "boolean":
        if value.lower() not in ("true", "false"):
            raise QueryError(f"filter value {value!r} is not true/false")
        return value.lower() == "true"
    return value


def parse_filter_args(items: Iterable[str], cfg: Config) -> dict[str, Any]:
    """``("lang=de", "year>=2020", "tags=a", "tags=b")`` -> the mapping
    :func:`build_filters` takes: a repeated ``=`` means "any of", ``>=``/``>``/``<=``/``<``
    build a range. Values of numeric and boolean metadata fields are converted by the
    field's type in ``fields.metadata``, so ``year=2020`` filters an integer."""
    types = dict(cfg.fields.metadata)
    out: dict[str, Any] = {}
    for item in items:
        m = _ARG.match(item)
        if not m:
            raise QueryError(f"filter {item!r}: expected field=value or field>=value")
        name, op, raw = m.groups()
        value = _typed(raw, types.get(name))
        if op == "=":
            prev = out.get(name)
            if prev is None:
                out[name] = value
            elif isinstance(prev, list):
                prev.append(value)
            elif isinstance(prev, dict):
                raise QueryError(f"filter {name!r}: cannot mix = with a range")
            else:
                out[name] = [prev, value]
        else:
            rng = out.setdefault(name, {})
            if not isinstance(rng, dict):
                raise QueryError(f"filter {name!r}: cannot mix = with a range")
            rng[_RANGE[op]] = value
    return out
