"""Rendering: analyzers per language, analysis collection, fields, _meta, golden files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from babelsearch.encoders import describe_encoder
from babelsearch.errors import ConfigError, LanguageError
from babelsearch.schema import (
    BUILTIN_LANGUAGE_ANALYZERS,
    NEUTRAL_ANALYZER,
    analysis_settings,
    analyzer_for,
    build_index_body,
    neutral_analyzer,
    parse_version,
    pipeline_body,
    pipeline_names,
    versioned_name,
)
from babelsearch.schema.analyzers import Analyzer
from babelsearch.types import Capabilities, EncoderInfo

from .helpers import ALL_PLUGINS, ROOT, SPARSE_INFO, USE_INFO, cfg, example, replace

GOLDEN = ROOT / "mappings" / "golden"
UPDATE = os.environ.get("BABELSEARCH_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize(("lang", "analyzer"), sorted(BUILTIN_LANGUAGE_ANALYZERS.items()))
def test_every_builtin_language_renders_its_analyzer(lang: str, analyzer: str) -> None:
    body = build_index_body(cfg(languages=[lang]), USE_INFO)
    for field in ("title", "body"):
        sub = body["mappings"]["properties"][field]["properties"]
        sim = {"similarity": "babelsearch_bm25"}
        assert sub[lang] == {"type": "text", "analyzer": analyzer, **sim}
        assert sub["neutral"] == {
            "type": "text",
            "analyzer": NEUTRAL_ANALYZER,
            **sim,
            "fields": {"ngram": {"type": "text", "analyzer": "babelsearch_ngram", **sim}},
        }
        assert set(sub) == {lang, "neutral"}


def test_issue_languages_all_have_analyzers() -> None:
    c = example()
    issue = "en de fr es it pt nl ru ar zh ja ko hi tr el th vi pl sv"
    assert set(c.languages) >= set(issue.split(" "))
    assert c.fields.text == ("title", "body") and c.fields.id == "id" and c.fields.lang == "lang"
    got = {lang: analyzer_for(c, lang) for lang in c.languages}
    assert got["vi"] == "standard" and got["pl"] == "standard"
    assert got["zh"] == got["ja"] == got["ko"] == "cjk"
    assert got["th"] == "thai" and got["el"] == "greek" and got["sv"] == "swedish"


def test_cjk_uses_plugins_when_the_cluster_has_them() -> None:
    c = cfg(languages=["zh", "ja", "ko"])
    assert [analyzer_for(c, x) for x in ("zh", "ja", "ko")] == ["cjk", "cjk", "cjk"]
    kuro = Capabilities(version="2.19.1", analysis_plugins=frozenset({"analysis-kuromoji"}))
    assert [analyzer_for(c, x, kuro) for x in ("zh", "ja", "ko")] == ["cjk", "kuromoji", "cjk"]
    assert [analyzer_for(c, x, ALL_PLUGINS) for x in ("zh", "ja", "ko")] == [
        "smartcn",
        "kuromoji",
        "nori",
    ]
    icu = Capabilities(version="2.19.1", analysis_plugins=frozenset({"analysis-icu"}))
    assert analyzer_for(c, "zh", icu) == "icu_analyzer"


def test_language_without_analyzer_is_a_clear_error() -> None:
    c = cfg(languages=["en", "vi"])
    with pytest.raises(LanguageError, match=r"'vi'.*analyzers: \{vi: standard\}"):
        build_index_body(c, USE_INFO)
    with pytest.raises(LanguageError):
        analyzer_for(cfg(languages=["pl"]), "pl")


def test_overrides_fallbacks_and_their_errors() -> None:
    c = cfg(languages=["vi", "pt"], analyzers={"vi": "neutral", "pt": "brazilian"})
    props = build_index_body(c, USE_INFO)["mappings"]["properties"]["title"]["properties"]
    assert props["vi"]["analyzer"] == NEUTRAL_ANALYZER
    assert props["pt"]["analyzer"] == "brazilian"
    with pytest.raises(ConfigError, match=r"analyzers.vi: 'klingon'"):
        analyzer_for(cfg(languages=["vi"], analyzers={"vi": "klingon"}), "vi")
    plugin_cfg = cfg(languages=["ja"], analyzers={"ja": "kuromoji"})
    assert analyzer_for(plugin_cfg, "ja") == "kuromoji"  # offline: trust the spec
    with pytest.raises(LanguageError, match="analysis-kuromoji"):
        analyzer_for(plugin_cfg, "ja", Capabilities(version="2.19.1"))


def test_analysis_is_collected_only_from_used_custom_analyzers() -> None:
    plain = cfg(languages=["en", "de"], lexical={"ngram": False})
    body = build_index_body(plain, USE_INFO)
    assert body["settings"]["analysis"] == {
        "analyzer": {
            NEUTRAL_ANALYZER: {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding"],
            }
        }
    }
    assert "fields" not in body["mappings"]["properties"]["title"]["properties"]["neutral"]
    ngram = build_index_body(cfg(languages=["en", "de"]), USE_INFO)["settings"]["analysis"]
    assert ngram["filter"] == {
        "babelsearch_ngram4": {"type": "ngram", "min_gram": 4, "max_gram": 4}
    }
    assert ngram["analyzer"]["babelsearch_ngram"]["filter"][-1] == "babelsearch_ngram4"
    icu = build_index_body(cfg(languages=["en"]), USE_INFO, ALL_PLUGINS)
    assert icu["settings"]["analysis"]["analyzer"][NEUTRAL_ANALYZER]["filter"] == [
        "lowercase",
        "icu_folding",
    ]
    assert analysis_settings([Analyzer("english"), Analyzer("cjk")]) == {}
    custom = Analyzer("x", {"type": "custom", "tokenizer": "standard"}, {"f": {"type": "stop"}})
    assert analysis_settings([custom, custom]) == {
        "filter": {"f": {"type": "stop"}},
        "analyzer": {"x": {"type": "custom", "tokenizer": "standard"}},
    }
    other = Analyzer("x", {"type": "custom", "tokenizer": "whitespace"})
    with pytest.raises(ConfigError, match="defined twice"):
        analysis_settings([custom, other])
    assert neutral_analyzer().definition is not None


@pytest.mark.parametrize(
    ("similarity", "space"), [("cosine", "cosinesimil"), ("dot", "innerproduct"), ("l2", "l2")]
)
def test_vector_field_is_derived_from_the_encoder(similarity: str, space: str) -> None:
    info = EncoderInfo("x", "m", 384, similarity, False, None, False)  # type: ignore[arg-type]
    emb = build_index_body(cfg(dense={"m": 24, "ef_construction": 200}), info)["mappings"][
        "properties"
    ]["embedding"]
    assert emb == {
        "type": "knn_vector",
        "dimension": 384,
        "method": {
            "name": "hnsw",
            "space_type": space,
            "engine": "lucene",
            "parameters": {"m": 24, "ef_construction": 200},
        },
    }


def test_quantization_only_where_the_engine_has_it() -> None:
    faiss = cfg(dense={"engine": "faiss", "quantization": "fp16"})
    params = build_index_body(faiss, USE_INFO)["mappings"]["properties"]["embedding"]["method"]
    assert params["engine"] == "faiss"
    assert params["parameters"]["encoder"] == {"name": "sq", "parameters": {"type": "fp16"}}
    with pytest.raises(ConfigError, match="not available for engine 'lucene'"):
        build_index_body(cfg(dense={"quantization": "fp16"}), USE_INFO)
    with pytest.raises(ConfigError, match=r"dense\.quantization"):
        build_index_body(cfg(dense={"engine": "faiss", "quantization": "int3"}), USE_INFO)


def test_sparse_field_only_with_a_sparse_encoder_and_the_spec_on() -> None:
    def props(c: object, info: EncoderInfo) -> dict[str, object]:
        return build_index_body(c, info)["mappings"]["properties"]  # type: ignore[arg-type]

    assert props(cfg(), SPARSE_INFO)["sparse"] == {"type": "rank_features"}
    assert "sparse" not in props(cfg(), USE_INFO)
    assert "sparse" not in props(cfg(sparse=False), SPARSE_INFO)


def test_fields_settings_and_meta() -> None:
    c = cfg(
        fields={"metadata": {"topic": "keyword", "published": "date", "n": "integer"}},
        index={"name": "t", "shards": 3, "replicas": 2, "refresh_interval": "5s"},
    )
    body = build_index_body(c, USE_INFO)
    m = body["mappings"]
    assert m["dynamic"] == "strict"
    props = m["properties"]
    assert props["doc_id"] == {"type": "keyword"} and props["lang"] == {"type": "keyword"}
    assert props["chunk_no"] == {"type": "integer"}
    assert props["topic"] == {"type": "keyword"} and props["published"] == {"type": "date"}
    assert props["n"] == {"type": "integer"}
    assert body["settings"]["index"] == {
        "number_of_shards": 3,
        "knn": True,
        "similarity": {"babelsearch_bm25": {"type": "BM25", "k1": 0.9, "b": 0.4}},
        "number_of_replicas": 2,
        "refresh_interval": "5s",
    }
    tuned = build_index_body(cfg(lexical={"k1": 1.2, "b": 0.75}), USE_INFO)
    assert tuned["settings"]["index"]["similarity"]["babelsearch_bm25"] == {
        "type": "BM25", "k1": 1.2, "b": 0.75
    }  # fmt: skip
    with pytest.raises(ConfigError, match="lexical: k1"):
        cfg(lexical={"b": 1.5})
    meta = m["_meta"]["babelsearch"]
    assert meta["encoder"] == USE_INFO.fingerprint
    assert meta["spec_version"] == 1 and len(meta["spec_hash"]) == 16
    with pytest.raises(ConfigError, match=r"fields\.metadata\.x: type 'nested'"):
        build_index_body(cfg(fields={"metadata": {"x": "nested"}}), USE_INFO)


def test_spec_hash_tracks_layout_not_dynamic_settings() -> None:
    def h(c: object) -> str:
        return str(build_index_body(c, USE_INFO)["mappings"]["_meta"]["babelsearch"]["spec_hash"])  # type: ignore[arg-type]

    base = cfg()
    assert h(base) == h(cfg())
    assert h(base) == h(cfg(index={"name": "t", "replicas": 3}))
    assert h(base) != h(cfg(analyzers={"de": "standard"}))
    assert h(base) != h(cfg(index={"name": "t", "shards": 2}))


def test_versioned_names_and_pipelines() -> None:
    assert versioned_name("demo", 3) == "demo-v3"
    assert parse_version("demo", "demo-v12") == 12
    assert parse_version("demo", "demo-x-v1") is None and parse_version("demo", "demo") is None
    assert pipeline_names("demo") == {
        "min_max": "demo-minmax",
        "l2": "demo-l2",
        "z_score": "demo-zscore",
        "rrf": "demo-rrf",
    }
    body = pipeline_body("min_max", [0.3, 0.7])
    proc = body["phase_results_processors"][0]["normalization-processor"]
    assert proc["normalization"] == {"technique": "min_max"}
    assert proc["combination"]["parameters"]["weights"] == [0.3, 0.7]
    plain = pipeline_body("min_max")["phase_results_processors"][0]["normalization-processor"]
    assert "parameters" not in plain["combination"]
    rrf = pipeline_body("rrf", rank_constant=20)["phase_results_processors"][0]
    assert rrf["score-ranker-processor"]["combination"] == {"technique": "rrf", "rank_constant": 20}
    with pytest.raises(ConfigError):
        pipeline_body("min_max", [1.5])
    with pytest.raises(ConfigError):
        pipeline_body("nope")


def _check_golden(name: str, body: dict[str, object]) -> None:
    path: Path = GOLDEN / name
    text = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: rerun with BABELSEARCH_UPDATE_GOLDEN=1"
    assert json.loads(path.read_text(encoding="utf-8")) == body, (
        f"{name} differs from the rendered body; if intended, rerun with "
        "BABELSEARCH_UPDATE_GOLDEN=1 and review the diff"
    )


def test_golden_multilingual() -> None:
    c = example()
    _check_golden("multilingual.json", build_index_body(c, describe_encoder(c.encoder)))


def test_golden_multilingual_with_plugins() -> None:
    c = example()
    body = build_index_body(c, describe_encoder(c.encoder), ALL_PLUGINS)
    _check_golden("multilingual-plugins.json", body)


def test_golden_sparse_faiss() -> None:
    c = replace(example(), dense=replace(example().dense, engine="faiss", quantization="fp16"))
    _check_golden("multilingual-faiss-sparse.json", build_index_body(c, SPARSE_INFO))
