"""Plan classification: every kind of change lands in the right bucket with a reason."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from babelsearch.config import Config
from babelsearch.schema import (
    CreateIndex,
    InPlaceUpdate,
    NeedsNewIndex,
    NothingToDo,
    build_index_body,
    build_index_spec,
    plan_changes,
)
from babelsearch.types import Capabilities, EncoderInfo

from .helpers import ALL_PLUGINS, USE_INFO, as_live, cfg

BASE: dict[str, Any] = {
    "index": {"name": "t"},
    "languages": ["en", "de", "vi"],
    "analyzers": {"vi": "standard"},
    "fields": {"metadata": {"topic": "keyword"}},
}


def _base(**over: Any) -> Config:
    data = {**BASE, **over}
    return cfg(**data)


def _live(c: Config | None = None, info: EncoderInfo = USE_INFO) -> dict[str, Any]:
    return as_live(build_index_body(c or _base(), info))


def _plan(desired: Config, info: EncoderInfo = USE_INFO, caps: Capabilities | None = None) -> Any:
    return plan_changes(build_index_spec(desired, info, caps), _live(), "t-v1")


def test_no_live_index_means_create() -> None:
    p = plan_changes(build_index_spec(_base(), USE_INFO), None, "t-v1")
    assert isinstance(p, CreateIndex) and p.index == "t-v1"
    assert "creates t-v1" in p.summary()


def test_identical_is_nothing_to_do() -> None:
    p = _plan(_base())
    assert isinstance(p, NothingToDo) and p.changes == () and p.reasons == []
    assert p.to_dict()["kind"] == "nothing_to_do"


def test_new_metadata_field_is_in_place() -> None:
    p = _plan(_base(fields={"metadata": {"topic": "keyword", "year": "integer"}}))
    assert isinstance(p, InPlaceUpdate)
    assert [c.path for c in p.changes] == ["year"]
    assert p.mapping_update["properties"] == {"year": {"type": "integer"}}
    assert p.mapping_update["_meta"]["babelsearch"]["spec_hash"]
    assert p.settings_update == {}


def test_new_language_adds_one_subfield_per_text_field() -> None:
    p = _plan(_base(languages=["en", "de", "vi", "fr"]))
    assert isinstance(p, InPlaceUpdate)
    assert sorted(c.path for c in p.changes) == ["body.fr", "title.fr"]
    assert p.mapping_update["properties"]["title"] == {
        "properties": {
            "fr": {"type": "text", "analyzer": "french", "similarity": "babelsearch_bm25"}
        }
    }
    assert any("analyzer french" in c.detail for c in p.changes)


def test_replicas_and_refresh_are_in_place_settings() -> None:
    p = _plan(_base(index={"name": "t", "replicas": 2, "refresh_interval": "30s"}))
    assert isinstance(p, InPlaceUpdate)
    assert p.settings_update == {"index": {"number_of_replicas": 2, "refresh_interval": "30s"}}
    assert {c.path for c in p.changes} == {
        "settings.number_of_replicas",
        "settings.refresh_interval",
    }


def test_analyzer_change_needs_new_index() -> None:
    p = _plan(_base(analyzers={"vi": "neutral"}))
    assert isinstance(p, NeedsNewIndex)
    assert "title.vi changes analyzer from standard to babelsearch_neutral" in p.reasons
    assert "babelsearch mappings migrate" in p.summary()


def test_encoder_change_needs_new_index_even_with_same_dimension() -> None:
    other = dataclasses.replace(USE_INFO, model_id="another-model")
    p = _plan(_base(), info=other)
    assert isinstance(p, NeedsNewIndex)
    assert any("re-embedded" in r and "another-model" in r for r in p.reasons)
    assert [c.path for c in p.changes if not c.in_place] == ["_meta.encoder"]


def test_dimension_change_names_the_vector_field() -> None:
    other = dataclasses.replace(USE_INFO, model_id="m2", dimension=768)
    p = _plan(_base(), info=other)
    assert isinstance(p, NeedsNewIndex)
    assert "embedding: dimension changes from 512 to 768" in p.reasons


@pytest.mark.parametrize(
    ("dense", "needle"),
    [
        ({"engine": "faiss"}, "engine changes from lucene to faiss"),
        ({"m": 32}, "m changes from 16 to 32"),
        ({"ef_construction": 256}, "ef_construction changes from 128 to 256"),
    ],
)
def test_vector_method_changes_need_new_index(dense: dict[str, Any], needle: str) -> None:
    p = _plan(_base(dense=dense))
    assert isinstance(p, NeedsNewIndex)
    assert any(needle in r for r in p.reasons)


def test_field_type_change_needs_new_index() -> None:
    p = _plan(_base(fields={"metadata": {"topic": "integer"}}))
    assert isinstance(p, NeedsNewIndex)
    assert p.reasons == ["topic changes type from keyword to integer"]


def test_shards_change_needs_new_index() -> None:
    p = _plan(_base(index={"name": "t", "shards": 4}))
    assert isinstance(p, NeedsNewIndex)
    assert p.reasons == ["shards change from 1 to 4"]


def test_neutral_analyzer_definition_change_needs_new_index() -> None:
    p = _plan(_base(), caps=ALL_PLUGINS)
    assert isinstance(p, NeedsNewIndex)
    assert any("babelsearch_neutral" in r and "icu_folding" in r for r in p.reasons)


def test_removed_language_is_kept_with_a_note() -> None:
    p = _plan(_base(languages=["en", "de"], analyzers={}))
    assert not isinstance(p, NeedsNewIndex)
    assert isinstance(p, InPlaceUpdate)  # only the _meta description changes
    assert any("title.vi exists in the live index but not in the spec" in n for n in p.notes)


def test_index_without_babelsearch_meta_is_not_trusted() -> None:
    live = _live()
    live["mappings"] = {k: v for k, v in live["mappings"].items() if k != "_meta"}
    p = plan_changes(build_index_spec(_base(), USE_INFO), live, "t-v1")
    assert isinstance(p, NeedsNewIndex)
    assert "no babelsearch _meta" in p.reasons[0]


def test_mixed_changes_report_everything_but_block() -> None:
    p = _plan(_base(index={"name": "t", "replicas": 1}, analyzers={"vi": "neutral"}))
    assert isinstance(p, NeedsNewIndex)
    kinds = {c.path: c.in_place for c in p.changes}
    assert kinds["settings.number_of_replicas"] is True
    assert kinds["title.vi"] is False
    assert p.to_dict()["changes"]


def test_bm25_parameters_and_ngram_view_need_a_new_index() -> None:
    sim = _plan(_base(lexical={"k1": 1.2, "b": 0.75}))
    assert isinstance(sim, NeedsNewIndex)
    assert [c.path for c in sim.changes] == ["settings.similarity.babelsearch_bm25"]
    live_plain = as_live(build_index_body(_base(lexical={"ngram": False}), USE_INFO))
    ngram = plan_changes(build_index_spec(_base(), USE_INFO), live_plain, "t-v1")
    assert isinstance(ngram, NeedsNewIndex)
    assert "settings.analysis.babelsearch_ngram" in [c.path for c in ngram.changes]
