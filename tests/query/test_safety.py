"""Property test: user input never becomes query structure.

Arbitrary query text, filter values and sparse tokens are rendered through every mode;
then the whole request is walked. Every dict key must be a DSL keyword we use, a field
path from the config, or a token inside ``neural_sparse.query_tokens``; every string
leaf must sit where data belongs (the ``query`` of a match-family clause, the value of
a term/terms/range) or be one of our own constants. So no ``query_string``,
``simple_query_string`` or ``script`` can appear, and user text is never a key.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from babelsearch.query import FusionWeights, SearchSpec, build_filters, build_request
from babelsearch.query.builder import explain_request, fetch_body

from .test_builders import CFG

FIELD_PATHS = {f"{f}.{lang}" for f in CFG.fields.text for lang in (*CFG.languages, "neutral")} | {
    "lang",
    "doc_id",
    "chunk_no",
    "embedding",
    "sparse",
    *CFG.fields.metadata,
}
DSL_KEYS = {
    "size",
    "docvalue_fields",
    "track_total_hits",
    "ids",
    "values",
    "highlight_query",
    "query",
    "_source",
    "excludes",
    "includes",
    "highlight",
    "fields",
    "fragment_size",
    "number_of_fragments",
    "require_field_match",
    "bool",
    "must",
    "must_not",
    "should",
    "filter",
    "minimum_should_match",
    "boost",
    "multi_match",
    "type",
    "tie_breaker",
    "match",
    "term",
    "terms",
    "range",
    "gt",
    "gte",
    "lt",
    "lte",
    "knn",
    "vector",
    "k",
    "neural_sparse",
    "query_tokens",
    "hybrid",
    "queries",
    "search_pipeline",
    "phase_results_processors",
    "normalization-processor",
    "normalization",
    "technique",
    "combination",
    "parameters",
    "weights",
    "description",
}
FORBIDDEN = {
    "query_string",
    "simple_query_string",
    "script",
    "script_score",
    "wildcard",
    "regexp",
    "query_string_query",
}
CONSTANTS = {"best_fields", "most_fields", "min_max", "l2", "z_score", "arithmetic_mean"}


def _field_ok(s: str) -> bool:
    return s.split("^")[0] in FIELD_PATHS


def walk(node: Any, path: tuple[str, ...]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            assert isinstance(key, str)
            assert key not in FORBIDDEN, path
            if path and path[-1] == "query_tokens":
                assert isinstance(value, float)
                continue
            assert key in DSL_KEYS or key in FIELD_PATHS, (key, path)
            walk(value, (*path, key))
    elif isinstance(node, list):
        for item in node:
            walk(item, (*path, "[]"))
    elif isinstance(node, str):
        last = [p for p in path if p != "[]"]
        data_slot = (
            (
                last[-1] == "query"
                and len(last) >= 2
                and (last[-2] == "multi_match" or (len(last) >= 3 and last[-3] == "match"))
            )
            or (len(last) >= 2 and last[-2] in ("term", "terms"))
            or last[-2:] == ["ids", "values"]
            or (len(last) >= 3 and last[-3] == "range")
        )
        if data_slot:
            return
        if last[-1] == "description" and "search_pipeline" in last:
            return
        if last[-1] in ("fields", "excludes", "includes", "docvalue_fields"):
            assert _field_ok(node), (node, path)
            return
        assert node in CONSTANTS, (node, path)


scalar = st.one_of(st.text(max_size=40), st.integers(), st.floats(allow_nan=False), st.booleans())
range_value = st.dictionaries(st.sampled_from(["gt", "gte", "lt", "lte"]), scalar, min_size=1)
filter_value = st.one_of(scalar, st.lists(scalar, min_size=1, max_size=4), range_value)


def test_walker_catches_structure() -> None:
    for bad in (
        {"query": {"query_string": {"query": "x"}}},
        {"query": {"match": {"user text": {"query": "x"}}}},
        {"query": {"bool": {"filter": [{"script": {"script": "x"}}]}}},
        {"query": {"multi_match": {"query": "x", "fields": ["user*"]}}},
        {"query": {"multi_match": {"query": "x", "type": "user"}}},
    ):
        with pytest.raises(AssertionError):
            walk(bad, ())


USER_INPUT = {
    "text": st.text(min_size=1, max_size=80),
    "tenant": scalar,
    "extra": st.dictionaries(st.sampled_from(["year", "tags", "lang", "doc_id"]), filter_value),
    "tokens": st.dictionaries(st.text(max_size=12), st.floats(0.01, 5.0), max_size=6),
    "qlang": st.sampled_from(["en", "de", "ja", "xx"]),
    "mode": st.sampled_from(["bm25", "dense", "sparse", "bool", "hybrid", "rrf", "auto"]),
}


# The unit tier runs the property on a sample; the slow tier (still in CI) runs 3,000.
@settings(max_examples=150, deadline=None)
@given(**USER_INPUT)
def test_user_input_never_becomes_structure(**case: Any) -> None:
    _never_structure(**case)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**USER_INPUT)
def test_user_input_never_becomes_structure_3000_examples(**case: Any) -> None:
    _never_structure(**case)


def _never_structure(
    text: str,
    tenant: Any,
    extra: dict[str, Any],
    tokens: dict[str, float],
    qlang: str,
    mode: str,
) -> None:
    filters = build_filters(CFG, {**extra, "tenant": tenant})
    spec = SearchSpec(
        mode=mode,
        text=text,
        qlang=qlang,
        text_fields=CFG.fields.text,
        languages=CFG.languages,
        window=20,
        filters=tuple(filters),
        vector=[0.5, 0.25],
        sparse_tokens=tokens or {"t": 1.0},
        weights=FusionWeights.from_config({"same.sparse": 0.2}),
    )
    req = build_request(spec)
    for body in (*req.bodies, fetch_body(req, ["chunk-1", "chunk-1#2"])):
        walk(body, ())
    if req.fusion == "server" and len(req.names) > 1:
        for body in explain_request(req).bodies:
            walk(body, ())
