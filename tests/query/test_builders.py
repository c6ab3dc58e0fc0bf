"""Every mode's request body as golden JSON, plus the builders' edge cases.

Regenerate after an intended change with ``BABELSEARCH_UPDATE_GOLDEN=1`` and review
the diff: the golden files are the reviewable contract of what we send.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from babelsearch.config import parse_config
from babelsearch.errors import ConfigError, QueryError
from babelsearch.query import (
    FusionWeights,
    SearchSpec,
    available_modes,
    build_filters,
    build_request,
    resolve_mode,
)
from babelsearch.query.builder import explain_request, fetch_body
from babelsearch.query.lexical import crossing_terms, lexical_fields, lexical_query
from babelsearch.query.sparse import rank_feature_query
from babelsearch.types import Capabilities

GOLDEN = Path(__file__).parent / "golden"
CFG = parse_config(
    {
        "index": {"name": "docs"},
        "languages": ["en", "de", "fr", "es", "ru"],
        "fields": {
            "text": ["title", "body"],
            "metadata": {"tenant": "keyword", "year": "integer", "tags": "keyword"},
            "tenant": "tenant",
        },
    }
)
VECTOR = [0.25, -0.5, 0.125]
TOKENS = {"tesla": 1.5, "born": 0.5, "zero": 0.0}


def spec(mode: str, **kw: Any) -> SearchSpec:
    base: dict[str, Any] = {
        "mode": mode,
        "text": "Wann wurde Nikola Tesla 1856 geboren?",
        "qlang": "de",
        "text_fields": CFG.fields.text,
        "languages": CFG.languages,
        "window": 50,
        "filters": tuple(build_filters(CFG, {"tenant": "acme", "year": {"gte": 1900}})),
        "vector": VECTOR,
        "sparse_tokens": TOKENS,
    }
    base.update(kw)
    return SearchSpec(**base)


def check_golden(name: str, data: Any) -> None:
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("BABELSEARCH_UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with BABELSEARCH_UPDATE_GOLDEN=1"
    assert json.loads(rendered) == json.loads(path.read_text(encoding="utf-8"))


def as_golden(req: Any) -> dict[str, Any]:
    return {
        "mode": req.mode,
        "kind": req.kind,
        "names": list(req.names),
        "fusion": req.fusion,
        "weights": dict(req.weights),
        "params": dict(req.params),
        "bodies": list(req.bodies),
        "fetch": fetch_body(req, ["d1", "d2#1"]),
    }


@pytest.mark.parametrize("mode", ["bm25", "dense", "sparse", "bool", "hybrid", "rrf", "auto"])
def test_mode_body_golden(mode: str) -> None:
    check_golden(mode, as_golden(build_request(spec(mode))))


def test_hybrid_always_carries_its_pipeline_inline() -> None:
    req = build_request(spec("hybrid", sparse_tokens=None))
    assert "search_pipeline" in req.bodies[0] and req.params == {}


def test_auto_without_crossing_terms_has_no_neutral_subquery() -> None:
    req = build_request(spec("auto", text="wie funktioniert das", sparse_tokens=None))
    assert req.names == ("lexical", "dense")


def test_auto_lexical_is_restricted_to_query_language() -> None:
    req = build_request(spec("auto"))
    lexical = req.bodies[0]["query"]["bool"]["filter"]
    assert {"term": {"lang": "de"}} in lexical
    neutral = req.bodies[req.names.index("neutral")]["query"]
    assert neutral["multi_match"] if "multi_match" in neutral else neutral["bool"]["must"]
    assert {"bool": {"must_not": [{"term": {"lang": "de"}}]}} in neutral["bool"]["filter"]
    assert neutral["bool"]["must"][0]["multi_match"]["query"] == "Nikola Tesla 1856"


def test_every_subquery_carries_the_tenant_filter() -> None:
    tenant = {"term": {"tenant": "acme"}}
    for mode in ("bm25", "dense", "sparse", "rrf", "auto"):
        for body in build_request(spec(mode)).bodies:
            assert tenant in json_walk_filters(body["query"]), mode
    hybrid = build_request(spec("hybrid")).bodies[0]["query"]["hybrid"]["queries"]
    assert all(tenant in json_walk_filters(q) for q in hybrid)
    bool_q = build_request(spec("bool")).bodies[0]["query"]["bool"]
    assert tenant in bool_q["filter"]
    knn = next(c for c in bool_q["should"] if "knn" in c)
    assert tenant in knn["knn"]["embedding"]["filter"]["bool"]["filter"]


def json_walk_filters(node: Any) -> list[Any]:
    out: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "filter":
                out.extend(value if isinstance(value, list) else json_walk_filters(value))
            out.extend(json_walk_filters(value))
    elif isinstance(node, list):
        for item in node:
            out.extend(json_walk_filters(item))
    return out


def test_hybrid_weights_sum_to_one_and_respect_limit() -> None:
    req = build_request(spec("hybrid"))
    procs = req.bodies[0]["search_pipeline"]["phase_results_processors"]
    weights = procs[0]["normalization-processor"]["combination"]["parameters"]["weights"]
    assert abs(sum(weights) - 1.0) < 1e-6
    assert len(req.bodies[0]["query"]["hybrid"]["queries"]) <= 5


def test_explain_request_replays_subqueries() -> None:
    req = build_request(spec("hybrid", sparse_tokens=None))
    ex = explain_request(req)
    assert ex.kind == "msearch" and ex.names == ("lexical", "dense")
    assert [b["query"] for b in ex.bodies] == req.bodies[0]["query"]["hybrid"]["queries"]
    assert all("search_pipeline" not in b for b in ex.bodies)


def test_lexical_fields_unconfigured_language_uses_neutral_only() -> None:
    assert lexical_fields(("title",), "ja", ("en", "de")) == [("title.neutral", 1.0)]
    assert lexical_fields(("title",), "de", ("en", "de"))[0] == ("title.de", 2.0)


def test_lexical_most_fields_style_sums_fields() -> None:
    q = lexical_query("x y", [("title.de", 2.0), ("title.neutral", 1.0)], style="most_fields")
    assert q == {
        "multi_match": {
            "query": "x y",
            "type": "most_fields",
            "fields": ["title.de^2", "title.neutral"],
        }
    }


def test_crossing_terms() -> None:
    assert crossing_terms("Wann wurde Nikola Tesla 1856 geboren?") == "Nikola Tesla 1856"
    assert crossing_terms("where is the city") == ""
    assert crossing_terms("Paris") == "Paris"  # a name first counts (tests/query/test_lexical.py)


def test_rank_feature_drops_unsafe_tokens() -> None:
    q = rank_feature_query({"ok": 1.0, "a.b": 2.0, "_x": 1.0, "*": 1.0, "zero": 0.0})
    fields = [c["rank_feature"]["field"] for c in q["bool"]["should"]]
    assert fields == ["sparse.ok"]


def test_filters() -> None:
    got = build_filters(CFG, {"tenant": "a", "tags": ["x", "y"], "year": {"lt": 3, "gte": 1}})
    assert got == [
        {"terms": {"tags": ["x", "y"]}},
        {"term": {"tenant": "a"}},
        {"range": {"year": {"gte": 1, "lt": 3}}},
    ]
    assert build_filters(CFG, {"tenant": "a", "lang": "de"})[0] == {"term": {"lang": "de"}}


@pytest.mark.parametrize(
    "filters",
    [
        {"year": 1},  # tenant missing
        {"tenant": ["a", "b"]},  # tenant must be one value
        {"tenant": "a", "title.de": "x"},  # not a metadata field
        {"tenant": "a", "year": {"script": "x"}},  # not a range op
        {"tenant": "a", "year": {}},
        {"tenant": "a", "tags": []},
        {"tenant": "a", "tags": [{"a": 1}]},
        {"tenant": "a", "year": None},
    ],
)
def test_bad_filters_are_query_errors(filters: dict[str, Any]) -> None:
    with pytest.raises(QueryError):
        build_filters(CFG, filters)


def test_weights_config() -> None:
    w = FusionWeights.from_config({"same.dense": 0.7, "de-en.neutral": 0.3})
    assert w.relation("de", "de").dense == 0.7
    assert w.relation("de", "en").neutral == 0.3
    assert w.relation("de", "fr").neutral == 0.1
    with pytest.raises(ConfigError):
        FusionWeights.from_config({"same.bogus": 1.0})
    with pytest.raises(ConfigError):
        FusionWeights.from_config({"same.dense": -1.0})


CAPS_FULL = Capabilities(
    version="2.19.1",
    plugins=frozenset({"opensearch-knn", "opensearch-neural-search"}),
    knn_engines=frozenset({"lucene"}),
    hybrid_query=True,
    normalization_processor=True,
    score_ranker_processor=True,
    neural_sparse=True,
)


def test_modes_follow_capabilities() -> None:
    bare = Capabilities(version="2.19.1")
    assert resolve_mode("auto", CAPS_FULL, sparse=False) == "auto"
    assert resolve_mode("auto", bare, sparse=False) == "bm25"
    assert available_modes(bare, sparse=False)["hybrid"] is not None
    with pytest.raises(QueryError, match="not available"):
        resolve_mode("dense", bare, sparse=False)
    with pytest.raises(QueryError, match="not available"):
        resolve_mode("sparse", CAPS_FULL, sparse=False)
    with pytest.raises(QueryError, match="unknown mode"):
        resolve_mode("fuzzy", CAPS_FULL, sparse=False)


def test_ef_search_goes_into_method_parameters_of_every_knn() -> None:
    for mode in ("dense", "auto", "hybrid"):
        req = build_request(spec(mode, ef_search=256))
        text = json.dumps(req.bodies)
        assert '"method_parameters": {"ef_search": 256}' in text, mode
    assert "method_parameters" not in json.dumps(build_request(spec("dense")).bodies)
