"""Both sides of the conversion: ingest actions and the query's ``knn`` clause use the
same :class:`~babelsearch.vectors.VectorForm`. Pure: no node."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from babelsearch.config import DenseConfig, parse_config
from babelsearch.ingest.actions import build_source, encode_action, prepare_vector, stored_vector
from babelsearch.query.builder import SearchSpec, build_request
from babelsearch.query.dense import knn_query
from babelsearch.schema import build_index_spec
from babelsearch.schema.plan import plan_changes
from babelsearch.types import Chunk, EncoderInfo, FieldNames
from babelsearch.vectors import vector_form

INFO = EncoderInfo("use", "m", 512, "cosine", True, None, False)
NAMES = FieldNames(text_fields=("body",))


def _vec(seed: int = 1) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=512).astype(np.float32)
    return v / np.linalg.norm(v)


def test_prepare_vector_checks_the_encoder_vector_then_converts_it() -> None:
    form = vector_form(INFO, DenseConfig(dimensions=128, data_type="byte"))
    out, bad = prepare_vector(_vec(), form)
    assert bad is None and out is not None and out.dtype == np.int8 and out.shape == (128,)
    # the checks run on the encoder's own vector, before the cut
    assert prepare_vector(np.ones(100, np.float32), form)[1] == (
        "encoder_wrong_dimension: got (100,), expected (512,)"
    )
    assert "encoder_zero_vector" in str(prepare_vector(np.zeros(512, np.float32), form)[1])
    nan = _vec()
    nan[3] = np.nan
    assert "encoder_non_finite" in str(prepare_vector(nan, form)[1])


def test_identity_form_passes_the_very_same_array() -> None:
    v = _vec()
    out, bad = prepare_vector(v, vector_form(INFO, DenseConfig()))
    assert bad is None and out is v


def test_a_byte_action_carries_integers_on_the_wire() -> None:
    form = vector_form(INFO, DenseConfig(data_type="byte"))
    vec, _ = prepare_vector(_vec(), form)
    chunk = Chunk(doc_id="d1", chunk_no=0, lang="en", fields={"body": "text"})
    action = encode_action("d1", build_source(chunk, NAMES, ("en",), vec), 0)
    source = orjson.loads(action.data.split(b"\n")[1])
    assert len(source["embedding"]) == 512
    assert all(isinstance(x, int) and -127 <= x <= 127 for x in source["embedding"])


def test_stored_vectors_are_kept_only_in_the_stored_form() -> None:
    byte = vector_form(INFO, DenseConfig(data_type="byte"))
    kept, bad = stored_vector([1, -2, 127] + [0] * 509, byte)
    assert bad is None and kept is not None and kept.dtype == np.int8
    assert "stored_vector_not_byte" in str(stored_vector([0.5] * 512, byte)[1])
    assert "stored_vector_not_byte" in str(stored_vector([300] * 512, byte)[1])
    cut = vector_form(INFO, DenseConfig(dimensions=256))
    assert "stored_vector_wrong_dimension" in str(stored_vector(_vec().tolist(), cut)[1])
    assert stored_vector(_vec()[:256].tolist(), cut)[1] is None
    assert "not a list of numbers" in str(stored_vector(["x"], cut)[1])


def test_knn_query_converts_the_query_vector_like_the_documents() -> None:
    form = vector_form(INFO, DenseConfig(dimensions=64, data_type="binary"))
    q = _vec(7)
    clause = knn_query(q.tolist(), 10, form=form)
    sent = clause["knn"]["embedding"]["vector"]
    assert sent == form.apply_one(q).tolist() and len(sent) == 8
    assert knn_query([0.5, 0.25], 3)["knn"]["embedding"]["vector"] == [0.5, 0.25]


def _spec(**kw: Any) -> SearchSpec:
    base: dict[str, Any] = {
        "mode": "dense",
        "text": "q",
        "qlang": "en",
        "text_fields": ("body",),
        "languages": ("en",),
        "window": 20,
        "vector": _vec(3).tolist(),
    }
    return SearchSpec(**{**base, **kw})


def test_every_mode_with_a_knn_clause_sends_the_converted_vector() -> None:
    form = vector_form(INFO, DenseConfig(dimensions=32))
    for mode in ("dense", "hybrid", "rrf", "auto"):
        body = orjson.dumps(build_request(_spec(mode=mode, vector_form=form)).bodies)
        vectors = [v for v in _walk(orjson.loads(body)) if isinstance(v, dict) and "vector" in v]
        assert vectors, mode
        assert all(len(v["vector"]) == 32 for v in vectors), mode


def _walk(node: Any) -> list[Any]:
    out = [node]
    if isinstance(node, dict):
        for v in node.values():
            out += _walk(v)
    elif isinstance(node, list):
        for v in node:
            out += _walk(v)
    return out


def _live(spec_props: dict[str, Any], data_type: str | None) -> dict[str, Any]:
    """A live ``GET <index>`` entry as the cluster reads a babelsearch index back."""
    emb = dict(spec_props["embedding"])
    if data_type:
        emb["data_type"] = data_type
    return {"mappings": {"properties": {**spec_props, "embedding": emb}}}


def test_the_planner_sees_a_data_type_change_and_ignores_the_upper_case_read_back() -> None:
    byte_cfg = parse_config({"dense": {"data_type": "byte"}})
    spec = build_index_spec(byte_cfg, INFO)
    float_props = build_index_spec(parse_config({}), INFO).properties
    live = _live(float_props, None)
    live["mappings"]["_meta"] = spec.to_dict()["mappings"]["_meta"]
    changes = [c for c in plan_changes(spec, live, "x-v1").changes if c.path == "embedding"]
    assert [c.detail for c in changes] == ["embedding: data_type changes from float to byte"]
    same = _live(spec.properties, "BYTE")
    same["mappings"]["_meta"] = spec.to_dict()["mappings"]["_meta"]
    assert not [c for c in plan_changes(spec, same, "x-v1").changes if c.path == "embedding"]
