"""The search plan is pure: built from the spec and a request without a cluster, one
builder per mode, filters carried by the plan; and the library's homes for what the
CLI used to do itself (filter strings, a hit as a dict, a hit's title, the modes)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from babelsearch.config import MODES, parse_config
from babelsearch.errors import QueryError
from babelsearch.ingest.actions import build_source
from babelsearch.query import Hit, SearchPlan, SearchRequest, hit_title, parse_filter_args
from babelsearch.query.builder import BUILDERS
from babelsearch.query.plan import NEEDS, SearchContext, build_plan, resolve
from babelsearch.query.weights import FusionWeights
from babelsearch.types import Capabilities, Chunk
from ingest.hash_encoder import HashEncoder

CFG = parse_config(
    {
        "index": {"name": "docs"},
        "languages": ["en", "de"],
        "fields": {
            "text": ["title", "body"],
            "metadata": {"tenant": "keyword", "year": "integer", "score": "float", "ok": "boolean"},
            "tenant": "tenant",
        },
        "search": {"candidates": 40},
    }
)
CAPS = Capabilities(
    version="2.19.1",
    plugins=frozenset({"opensearch-knn", "opensearch-neural-search"}),
    knn_engines=frozenset({"lucene"}),
    hybrid_query=True,
    normalization_processor=True,
)
CTX = SearchContext(CFG, CAPS, HashEncoder().info, FusionWeights.from_config(CFG.search.weights))
VECTOR = [0.5, -0.25, 0.125]


def plan(mode: str, **kw: Any) -> SearchPlan:
    req = SearchRequest("Wann wurde Nikola Tesla 1856 geboren?", "de", mode, **kw)
    resolved = resolve(CTX, req)
    vector = VECTOR if resolved.dense else None
    return build_plan(CTX, req, resolved, qlang="de", vector=vector)


def test_one_builder_and_one_needs_entry_per_mode() -> None:
    assert set(BUILDERS) == set(MODES) == set(NEEDS)


@pytest.mark.parametrize("mode", ["auto", "bm25", "dense", "hybrid", "bool", "rrf"])
def test_a_plan_is_a_pure_frozen_value(mode: str) -> None:
    a = plan(mode, filters={"tenant": "acme", "year": {"gte": 1900}})
    b = plan(mode, filters={"tenant": "acme", "year": {"gte": 1900}})
    assert a == b and a.mode == mode and a.k == 10 and a.page == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.k = 3  # type: ignore[misc]


def test_filters_live_in_the_plan_not_in_the_fetch_template() -> None:
    p = plan("auto", filters={"tenant": "acme"})
    assert p.request.filters == ({"term": {"tenant": "acme"}},)
    assert "filters" not in p.request.fetch
    fetched = p.fetch_body(
        p.finish([{"hits": {"hits": [_hit("x", "en", 2.0)]}} for _ in p.request.names])
    )
    assert fetched is not None
    assert {"term": {"tenant": "acme"}} in fetched["query"]["bool"]["filter"]


def test_explain_of_a_server_fused_mode_plans_the_replay() -> None:
    acme = {"tenant": "acme"}
    assert plan("hybrid", filters=acme, explain=True).explain_request is not None
    assert plan("hybrid", filters=acme).explain_request is None
    assert plan("auto", filters=acme, explain=True).explain_request is None  # fused here


def test_the_plan_uses_the_configured_field_names() -> None:
    p = plan("dense", filters={"tenant": "acme"})
    names = CFG.field_names
    assert p.fields == names
    body = p.request.bodies[0]
    assert body["docvalue_fields"] == [names.id_field, names.lang_field]
    assert names.dense_field in body["query"]["knn"]


def test_finish_pages_and_result_assembles_hits() -> None:
    p = plan("bm25", filters={"tenant": "acme"}, k=1, page=2)
    resp = {"hits": {"hits": [_hit("a", "en", 3.0), _hit("a#1", "en", 2.5), _hit("b", "de", 1.0)]}}
    ranked = p.finish([resp])
    assert ranked.ids == ["b"] and ranked.total == 2
    fetched = {"hits": {"hits": [{"_id": "b", "_source": {"doc_id": "b"}}]}}
    res = p.result(ranked, fetched, took_ms=1.23456)
    assert [h.id for h in res.hits] == ["b"] and res.took_ms == 1.235 and res.candidates == 2


def test_resolve_refuses_before_encoding() -> None:
    with pytest.raises(QueryError, match="tenant"):
        resolve(CTX, SearchRequest("x", "en", "bm25"))
    with pytest.raises(QueryError, match="candidate window"):
        resolve(CTX, SearchRequest("x", "en", "bm25", 10, {"tenant": "a"}, page=5))
    assert resolve(CTX, SearchRequest("x", "en", "bm25", 10, {"tenant": "a"})).dense is False


def _hit(cid: str, lang: str, score: float) -> dict[str, Any]:
    return {"_id": cid, "_score": score, "fields": {"doc_id": [cid.split("#")[0]], "lang": [lang]}}


# -- filters from strings -----------------------------------------------------------------
def test_filter_strings_are_typed_by_the_configured_metadata_types() -> None:
    got = parse_filter_args(
        ["tenant=acme", "year>=2000", "year<2010", "score>0.5", "ok=TRUE", "lang=de", "lang=en"],
        CFG,
    )
    assert got == {
        "tenant": "acme",
        "year": {"gte": 2000, "lt": 2010},
        "score": {"gt": 0.5},
        "ok": True,
        "lang": ["de", "en"],
    }
    assert isinstance(got["year"]["gte"], int)


@pytest.mark.parametrize(
    ("items", "needle"),
    [
        (["year=soon"], "not a integer"),
        (["ok=yes"], "true/false"),
        (["year"], "expected field=value"),
        (["year=1", "year>2"], "cannot mix"),
        (["year>2", "year=1"], "cannot mix"),
    ],
)
def test_bad_filter_strings_are_query_errors(items: list[str], needle: str) -> None:
    with pytest.raises(QueryError, match=needle):
        parse_filter_args(items, CFG)


# -- a hit as data, and its title ------------------------------------------------------------
def _source_hit(lang: str, fields: dict[str, str], languages: tuple[str, ...]) -> Hit:
    src = build_source(Chunk("d", 0, lang, fields), CFG.field_names, languages, None)
    return Hit(id="d", chunk_id="d", score=1.0, lang=lang, source=src)


def test_hit_title_prefers_the_hits_language_then_neutral_then_the_next_field() -> None:
    assert hit_title(_source_hit("de", {"title": "Titel"}, ("de",)), ("title",)) == "Titel"
    assert hit_title(_source_hit("ja", {"title": "題名"}, ("de",)), ("title",)) == "題名"
    no_title = _source_hit("de", {"body": "Text"}, ("de",))
    assert hit_title(no_title, ("title", "body")) == "Text"
    assert hit_title(no_title, ("title",)) == ""


def test_hit_to_dict_with_and_without_a_title() -> None:
    h = _source_hit("de", {"title": "Titel"}, ("de",))
    plain = h.to_dict()
    assert "title" not in plain and set(plain) == {
        "id",
        "chunk_id",
        "score",
        "lang",
        "source",
        "highlights",
    }
    assert h.to_dict(("title",)) == {**plain, "title": "Titel"}


@pytest.mark.parametrize("bad", [{"k": 0}, {"text": "  "}, {"page": 0}], ids=["k", "text", "page"])
async def test_a_bad_request_is_refused_before_the_cluster_is_asked(bad: dict[str, Any]) -> None:
    """No capabilities given and nothing listening: a bad ``k`` must still be the
    QueryError, not a ClusterError from the capability probe (both drivers)."""
    from babelsearch.query import AsyncSearcher, Searcher

    cfg = CFG.with_cluster_url("http://127.0.0.1:9")  # the discard port: nothing listens
    args: dict[str, Any] = {"text": "Tesla", "lang": "en", "filters": {"tenant": "a"}, **bad}
    with Searcher(cfg, encoder=HashEncoder()) as s, pytest.raises(QueryError):
        s.search(**args)
    async with AsyncSearcher(cfg, encoder=HashEncoder()) as a:
        with pytest.raises(QueryError):
            await a.search(**args)


def test_query_vector_prints_short_decimals_even_from_float32():
    """A float32 vector rounded in float32 serializes as 17-digit floats (10 KB per
    512-d body); rounded in float64 each value prints with at most 7 decimals."""
    import numpy as np
    import orjson

    from babelsearch.vectors import json_floats

    v = np.random.default_rng(3).standard_normal(512).astype(np.float32)
    v /= np.linalg.norm(v)
    out = json_floats(v)
    assert all(round(x, 7) == x for x in out)
    assert np.allclose(out, v, atol=1e-7)
    naive = orjson.dumps(np.round(v, 7).tolist())
    assert len(orjson.dumps(out)) < 0.75 * len(naive)
